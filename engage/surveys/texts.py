"""A question's options as residents read them in one language, for every channel and
for results: the survey's own wording, and yes/no words from the UI catalog."""

from __future__ import annotations

from engage.core.i18n import _l, resolve
from engage.engine import ChoiceSpec, QuestionSpec, question_type

#: The UI's words an option can be named by (ChoiceSpec.ui_word).
UI_WORDS = {"yes": _l("Yes"), "no": _l("No")}


def option_label(option: ChoiceSpec, locale: str, default: str) -> str:
    """The UI's word for it, else the survey's label, else its value (a rating's 1 to 5)."""
    if option.ui_word is not None:
        return str(UI_WORDS[option.ui_word])
    return resolve(option.label, locale, default) or option.value


def choice_labels(q: QuestionSpec, locale: str, default: str) -> list[tuple[str, str]]:
    return [(o.value, option_label(o, locale, default)) for o in question_type(q).options(q)]
