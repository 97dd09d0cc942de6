"""The engine's refusal codes as translated sentences, for every channel."""

from __future__ import annotations

from engage.core.i18n import _
from engage.engine import Problem


def explain(problem: Problem) -> str:
    p = dict(problem.params)
    messages = {
        "required": lambda: _("Please answer this question."),
        "no_answer": lambda: _("We did not get an answer."),
        "choose_one": lambda: _("Please choose one of the options."),
        "choose_some": lambda: _("Please choose one or more of the options."),
        "yes_or_no": lambda: _("Please answer yes or no."),
        "exclusive": lambda: _("That option cannot be combined with others."),
        "number": lambda: _("Please enter a number."),
        "number_range": lambda: _("Please enter a number from %(minimum)s to %(maximum)s.", **p),
        "rating": lambda: _("Please choose a number from %(minimum)s to %(maximum)s.", **p),
        "too_long": lambda: _("Please shorten your answer to %(maximum)s characters (it has "
                              "%(length)s).", **p),
        "at_start": lambda: _("This is the first question."),
        "finished": lambda: _("You have already finished this survey. Thank you!"),
        "unknown_language": lambda: _("This survey is not available in that language."),
    }
    return messages.get(problem.code, lambda: _("Please check your answer."))()
