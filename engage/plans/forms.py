"""Forms for plans, findings and actions."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import (
    DateField,
    DecimalField,
    Field,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engage.core.forms import Form
from engage.core.i18n import _l, _lp, language_name
from engage.plans.models import ActionStatus
from engage.surveys.forms import MultiCheckboxField

STATUS_LABELS = {
    ActionStatus.PROPOSED: _lp("action status", "Proposed"),
    ActionStatus.ADOPTED: _lp("action status", "Adopted"),
    ActionStatus.IN_PROGRESS: _lp("action status", "In progress"),
    ActionStatus.DONE: _lp("action status", "Done"),
    ActionStatus.NOT_ADOPTED: _lp("action status", "Not adopted"),
}


class TitleForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])


class MeasureForm(Form):
    name = StringField(_l("Measure"), validators=[DataRequired(), Length(max=300)])
    unit = StringField(_l("Unit (points, %, days...)"), validators=[Length(max=32)])
    by_dimension = SelectField(_l("Tracked by group"), choices=[], validate_choice=False)
    target_gap = DecimalField(_l("Gap to close between groups, at most"),
                              validators=[Optional(), NumberRange(min=0)])
    target_date = DateField(_l("By"), validators=[Optional()])


class FindingForm(Form):
    department_id = SelectField(_l("Department"), coerce=int)
    title = StringField(_l("Finding"), validators=[DataRequired(), Length(max=300)])
    reading = TextAreaField(_l("Your reading of the figures"), validators=[Length(max=5000)])
    objective_ids = MultiCheckboxField(_l("Objectives it informs"), coerce=int)


class ActionForm(Form):
    owner = StringField(_l("Owner"), validators=[Length(max=200)])
    due_on = DateField(_l("Due"), validators=[Optional()])
    measure_id = SelectField(_l("Measure"), coerce=int, choices=[])
    status = SelectField(_l("Status"), choices=[(s.value, label) for s, label in
                                                STATUS_LABELS.items()])


def action_form(locales: Sequence[str]) -> type[ActionForm]:
    """The action form with its text, and the reason if not adopted, in each language."""
    fields: dict[str, Field] = {}
    for code in locales:
        fields[f"text__{code}"] = TextAreaField(
            _l("What the department will do · %(language)s", language=language_name(code)),
            validators=[Length(max=2000)])
        fields[f"reason__{code}"] = TextAreaField(
            _l("Why not adopted · %(language)s", language=language_name(code)),
            validators=[Length(max=2000)])
    return type("ActionForm", (ActionForm,), fields)
