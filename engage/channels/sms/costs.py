"""What a question costs by text in each language: staff see a UCS-2 language doubling
the bill before the survey goes out."""

from __future__ import annotations

from engage.channels.sms.compose import question_text
from engage.engine import QuestionSpec
from engage.messaging.encoding import SmsCost, sms_cost


def question_cost(q: QuestionSpec, locale: str, default: str) -> SmsCost:
    return sms_cost(question_text(q, locale, default))
