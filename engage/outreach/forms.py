"""Forms for contact lists and campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    Field,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engage.core.forms import Form, IntegerField
from engage.core.i18n import _l, language_name
from engage.outreach.models import CampaignKind
from engage.surveys.forms import MultiCheckboxField


class ContactImportForm(Form):
    file = FileField(_l("Contact list (CSV)"), validators=[FileRequired()])


class CampaignForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = RadioField(_l("Kind"), default=CampaignKind.INVITATION, choices=[
        (CampaignKind.INVITATION, _l("Invitation: contacts not invited yet")),
        (CampaignKind.REMINDER, _l("Reminder: invited contacts who have not finished"))])
    area_ids = MultiCheckboxField(_l("Neighborhoods (none: all)"), coerce=int)
    languages = MultiCheckboxField(_l("Languages (none: all)"))
    under_represented = BooleanField(_l("Only groups under-represented so far (neighborhoods "
                                        "and language groups below the threshold)"))
    threshold = DecimalField(_l("Representation threshold"), default=0.8, places=2,
                             validators=[NumberRange(0.05, 1)])
    reminder_after_days = IntegerField(_l("Remind after (days)"), default=3,
                                       validators=[NumberRange(1, 60)])
    starts_at = DateTimeLocalField(_l("Start (city time; empty: now)"), validators=[Optional()])
    rate_per_minute = IntegerField(_l("Texts per minute"), default=60,
                                   validators=[NumberRange(1, 6000)])
    quiet_start = StringField(_l("Quiet from"), default="21:00", validators=[Length(max=5)])
    quiet_end = StringField(_l("Quiet until"), default="08:00", validators=[Length(max=5)])


def campaign_form(locales: Sequence[str]) -> type[CampaignForm]:
    """The form with one message box per language of the survey."""
    fields: dict[str, Field] = {
        f"message__{code}": TextAreaField(
            _l("Message · %(language)s", language=language_name(code)),
            validators=[Length(max=1600)])
        for code in locales}
    return type("CampaignForm", (CampaignForm,), fields)


def to_utc(moment: datetime | None) -> datetime | None:
    """A city-time moment typed by staff, as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=ZoneInfo(current_app.config["CITY_TIMEZONE"]))
