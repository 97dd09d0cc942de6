"""Staff forms for surveys and questions. Texts a resident reads get one field per
survey language (``title__es``), built for the survey's languages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from engage.core.forms import Form, IntegerField
from engage.core.i18n import _l, language_name
from engage.surveys.labels import CHANNEL_LABELS, TYPE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SurveyForm(Form):
    slug = StringField(_l("Web address"), validators=[DataRequired(), Length(max=64)])
    default_locale = StringField(_l("Default language code"), default="en",
                                 validators=[DataRequired(), Length(max=16)])
    other_locales = StringField(_l("Other language codes"), validators=[Length(max=200)])
    channels = MultiCheckboxField(_l("Channels"),
                                  choices=[(c.value, label) for c, label in CHANNEL_LABELS.items()])
    sms_keyword = StringField(_l("SMS keyword"), validators=[Length(max=32)])
    sms_expiry_hours = IntegerField(_l("Hours before a text conversation expires"), default=72,
                                    validators=[Optional(), NumberRange(min=1, max=24 * 90)])
    department_id = SelectField(_l("Department"), coerce=int, choices=[])
    area_ids = MultiCheckboxField(_l("Neighborhoods"), coerce=int, choices=[])
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes on (first day closed)"), validators=[Optional()])


class NewSurveyForm(SurveyForm):
    title = StringField(_l("Title (in the default language)"),
                        validators=[DataRequired(), Length(max=300)])


QUESTION_TEXTS = ("prompt", "help", "choices", "low_label", "high_label")


class QuestionForm(Form):
    type = SelectField(_l("Type"), choices=list(TYPE_LABELS.items()))
    key = StringField(_l("Code"), validators=[Optional(), Length(max=64)])
    required = BooleanField(_l("Required"))
    minimum = DecimalField(_l("Minimum"), validators=[Optional()])
    maximum = DecimalField(_l("Maximum"), validators=[Optional()])
    max_length = IntegerField(_l("Maximum length"),
                              validators=[Optional(), NumberRange(min=1, max=5000)])
    condition = SelectField(_l("Ask only if"), choices=[])


_TEXT_LABELS = {
    "title": _l("Title"), "intro": _l("Introduction"), "thanks": _l("Thank-you text"),
    "prompt": _l("Question"), "help": _l("Help text (optional)"),
    "choices": _l("Options, one per line"),
    "low_label": _l("Label for 1 (rating)"), "high_label": _l("Label for 5 (rating)"),
    "keyword": _l("SMS keyword in this language (optional)"),
}
_LONG = {"intro", "thanks", "choices", "help"}


def with_translations(base: type[Form], names: Iterable[str],
                      locales: Sequence[str]) -> type[Form]:
    """``base`` plus a ``name__locale`` field for each translatable text."""
    fields: dict[str, Field] = {}
    for name in names:
        for code in locales:
            label = f"{_TEXT_LABELS[name]} · {language_name(code)}"
            cls = TextAreaField if name in _LONG else StringField
            fields[f"{name}__{code}"] = cls(label, validators=[Length(max=5000)])
    return type(base.__name__, (base,), fields)


def translated_data(form: Form, name: str, locales: Sequence[str]) -> dict[str, str]:
    return {code: form[f"{name}__{code}"].data or "" for code in locales}


def fill_translations(form: Form, name: str, text: dict[str, str] | None) -> None:
    for code, value in (text or {}).items():
        field = getattr(form, f"{name}__{code}", None)
        if field is not None:
            field.data = value


def to_utc(day: date | None) -> datetime | None:
    """Midnight at the start of ``day`` in the city's time zone."""
    if day is None:
        return None
    tz = ZoneInfo(current_app.config["CITY_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=tz)


def to_local_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(current_app.config["CITY_TIMEZONE"])).date()
