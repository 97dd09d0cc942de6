"""The switches on a question's type name that the type classes replaced, kept as they
were (their pure part) so a property can compare old and new on generated data
(tests/engine/test_type_methods_reference.py). Not used by the app."""

from __future__ import annotations

from flask_babel import gettext as _

from engage.core.i18n import resolve
from engage.engine import QuestionSpec, question_type


def choice_labels(q: QuestionSpec, locale: str, default: str) -> list[tuple[str, str]]:
    """engage.surveys.texts.choice_labels."""
    if q.type == "yes_no":
        return [("yes", _("Yes")), ("no", _("No"))]
    if q.type == "rating":
        return [(str(n), str(n)) for n in range(1, 6)]
    return [(c.value, resolve(c.label, locale, default)) for c in question_type(q).choices(q)]
