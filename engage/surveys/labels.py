"""Translated names for survey enums, shared by the staff pages."""

from engage.core.i18n import _l
from engage.surveys.models import Channel, SurveyStatus

STATUS_LABELS = {
    SurveyStatus.DRAFT: _l("Draft"),
    SurveyStatus.PUBLISHED: _l("Published"),
    SurveyStatus.CLOSED: _l("Closed"),
}
CHANNEL_LABELS = {Channel.WEB: _l("Web"), Channel.SMS: _l("SMS"), Channel.VOICE: _l("Voice")}
TYPE_LABELS = {
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "rating": _l("Rating (1 to 5)"),
    "yes_no": _l("Yes / no"),
    "number": _l("Number"),
    "free_text": _l("Free text"),
    "note": _l("Note (no answer)"),
}
OP_LABELS = {
    "equals": _l("is"),
    "not_equals": _l("is not"),
}
