"""The XLSForm format as Engage reads and writes it: sheet and column names, types,
limits, and the problems a refused file is reported with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from engage.core.errors import DomainError
from engage.core.i18n import _, _l
from engage.engine.questions import Rating
from engage.surveys.operations import (
    QuestionData,
    SurveyData,
)

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Refuse bigger files before parsing: a real form is tens of kilobytes, and a zip
#: can inflate a thousandfold.
MAX_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 5000

# Engage's own columns (ODK tools ignore columns they do not know).
ENGAGE_TYPE = "engage_type"  # survey: "yes_no" on a select_one of yes/no
ENGAGE_DIMENSION = "engage_dimension"  # survey: the standard demographic dimension
ENGAGE_CHANNELS = "engage_channels"  # survey: channels asking it; settings: the survey's
ENGAGE_LOW, ENGAGE_HIGH = "engage_low_label", "engage_high_label"  # survey, per language
ENGAGE_EXCLUSIVE, ENGAGE_GROUP = "engage_exclusive", "engage_group"  # choices
ENGAGE_TITLE = "engage_title"  # settings, per language: pyxform takes one form_title only
ENGAGE_INTRO, ENGAGE_THANKS = "engage_intro", "engage_thanks"  # settings, per language
ENGAGE_KEYWORD, ENGAGE_AREAS = "engage_sms_keyword", "engage_areas"  # settings
ENGAGE_PUBLISH = "engage_publish"  # settings: "yes" publishes on import

#: Header spellings folded onto one name: Kobo writes "list name", and the titles of
#: other languages live in engage_title only because pyxform cannot translate form_title.
COLUMN_ALIASES = {"list name": "list_name", ENGAGE_TITLE: "form_title"}
#: Columns holding text a resident reads, one column per language.
TEXT_COLUMNS = {
    SURVEY: ("label", "hint", ENGAGE_LOW, ENGAGE_HIGH),
    CHOICES: ("label",),
    SETTINGS: ("form_title", ENGAGE_INTRO, ENGAGE_THANKS),
}
#: Survey-sheet columns that change behaviour in ways Engage cannot follow.
UNSUPPORTED_COLUMNS = ("choice_filter", "repeat_count", "calculation", "trigger", "default")

#: Language names written without a code, as Kobo and ODK users often do.
LANGUAGE_NAMES = {
    "english": "en", "spanish": "es", "español": "es", "vietnamese": "vi", "chinese": "zh_Hans",
    "tagalog": "tl", "filipino": "tl", "arabic": "ar", "somali": "so", "korean": "ko",
}
CODE_IN_NAME = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\)\s*$")

SELECT_TYPES = {"select_one": "single_choice", "select_multiple": "multiple_choice"}
PLAIN_TYPES = {"integer": "number", "int": "number", "decimal": "number", "text": "free_text",
               "string": "free_text", "note": "note", "range": "rating"}
#: Data a phone collects by itself, with nothing to ask a resident: skipped.
SKIPPED_TYPES = frozenset({
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
    "email", "audit", "calculate", "hidden", "start-geopoint", "background-audio",
})
TYPE_PHRASES = (("select all that apply", "select_multiple"), ("select one", "select_one"),
                 ("select multiple", "select_multiple"), ("begin group", "begin_group"),
                 ("end group", "end_group"), ("begin repeat", "begin_repeat"),
                 ("end repeat", "end_repeat"))
CHOICE_VALUE_RE = re.compile(r"^[^\s'\"]{1,64}$")
RATING_PARAMETERS = f"start={Rating.SCALE[0]} end={Rating.SCALE[1]} step=1"
YES_NO_LIST = "engage_yes_no"
YES, NO = _l("Yes"), _l("No")
#: Engage's type -> XLSForm's, with the question's choice list where it has one.
EXPORT_TYPES = {"single_choice": "select_one {list}", "yes_no": "select_one {list}",
                "multiple_choice": "select_multiple {list}", "number": "decimal",
                "free_text": "text", "note": "note", "rating": "range"}
#: XLSForm keeps settings in the row under the headers.
SETTINGS_ROW = 2

NEED_LABEL = _l("Give a label in at least one language.")
CHOICE_NAME_RULE = _l("A choice name must be 1 to 64 characters, without spaces or quotes.")


def unknown_language(text: str) -> object:
    return _l("Unknown language %(language)s: write it as a name and a code, such as "
              "Español (es).", language=text)


# -- results and problems ------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing to fix, where a spreadsheet user finds it: sheet, row as Excel numbers
    it, and the column header as written (any of them may be unknown)."""

    sheet: str | None
    row: int | None
    column: str | None
    message: object

    def __str__(self) -> str:
        where = dict(sheet=self.sheet, row=self.row, column=self.column, problem=self.message)
        if self.sheet and self.row and self.column:
            return _("Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: %(problem)s", **where)
        if self.sheet and self.row:
            return _("Sheet “%(sheet)s”, row %(row)s: %(problem)s", **where)
        if self.sheet:
            return _("Sheet “%(sheet)s”: %(problem)s", **where)
        return str(self.message)


class XLSFormError(DomainError):
    """The file was refused; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(*problems)
        self.problems = list(problems)


@dataclass
class ImportedSurvey:
    survey: SurveyData
    questions: list[QuestionData]
    #: The file's own wish (settings ``engage_publish``).
    publish: bool = False
    #: The survey-sheet row of each question, to place the operations' refusals.
    rows: list[int] = field(default_factory=list)
