"""A WTForms form for one question, built from the engine's question spec.

WTForms renders and checks CSRF; whether an answer is valid is the engine's call, so
choice fields do not validate their choices here.
"""

from __future__ import annotations

from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from engage.core.forms import Form
from engage.core.i18n import resolve
from engage.engine import QuestionSpec
from engage.engine.questions import render_question
from engage.engine.spec import Value
from engage.surveys.texts import choice_labels


class PlainForm(Form):
    """No fields: a CSRF-checked button (start, change language)."""


class AnswerForm(Form):
    question = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AnswerField:
    """The form field a resident answers with, one per shape of question."""

    def one_of(self, q: QuestionSpec, label: str, locale: str, default: str) -> Field:
        return RadioField(label, choices=choice_labels(q, locale, default), validate_choice=False)

    scale = one_of  # the points 1-5 are options

    def many_of(self, q: QuestionSpec, label: str, locale: str, default: str) -> Field:
        return MultiCheckboxField(label, choices=choice_labels(q, locale, default),
                                  validate_choice=False)

    def number(self, q: QuestionSpec, label: str, locale: str, default: str) -> Field:
        return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def words(self, q: QuestionSpec, label: str, locale: str, default: str) -> Field:
        return TextAreaField(label, render_kw={"rows": 5, "maxlength": q.max_length or 2000})

    def note(self, q: QuestionSpec, label: str, locale: str, default: str) -> Field:
        return HiddenField(label)


def answer_field(q: QuestionSpec, locale: str, default: str) -> Field:
    label = resolve(q.prompt, locale, default)
    return render_question(AnswerField(), q, label, locale, default)


def answer_form(q: QuestionSpec, locale: str, default: str,
                value: Value | None = None, prefix: str = "") -> AnswerForm:
    """On a POST the submitted values win over ``value`` (Flask-WTF reads the request)."""
    form_cls = type("QuestionForm", (AnswerForm,), {"answer": answer_field(q, locale, default)})
    prefill = list(value) if isinstance(value, tuple) else value
    if isinstance(prefill, int | float) and not isinstance(prefill, bool):
        prefill = str(prefill)
    return form_cls(data={"question": q.key, "answer": prefill}, prefix=prefix)


def preview_form(q: QuestionSpec, locale: str, default: str) -> AnswerForm:
    """The question's form on the staff preview page, where every question shares one
    page: each field is prefixed by its question's key."""
    return answer_form(q, locale, default, prefix=q.key)


class ConsentForm(Form):
    phone = StringField(render_kw={"inputmode": "tel", "autocomplete": "tel"})
