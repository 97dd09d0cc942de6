"""Respondents, responses and answers. ``operations.record_answer`` is the only writer
of answers, whichever channel they came by."""
