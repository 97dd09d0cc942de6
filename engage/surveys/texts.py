"""A question's options as residents read them in one language, for every channel and
for results: the survey's own wording, and yes/no and rating words from the UI catalog."""

from __future__ import annotations

from engage.core.i18n import _, resolve
from engage.engine import QuestionSpec, question_type


def choice_labels(q: QuestionSpec, locale: str, default: str) -> list[tuple[str, str]]:
    if q.type == "yes_no":
        return [("yes", _("Yes")), ("no", _("No"))]
    if q.type == "rating":
        return [(str(n), str(n)) for n in range(1, 6)]
    return [(c.value, resolve(c.label, locale, default)) for c in question_type(q).choices(q)]
