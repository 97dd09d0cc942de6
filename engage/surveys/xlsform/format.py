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

# Caps on the work a workbook may ask for, each checked before the work it bounds (see
# workbook.py). A real form is tens of kilobytes; the largest we mean to take, 5,000 choices
# with 200-character labels in six languages, is a 0.9 MB upload that unpacks to 9.5 MB,
# 30,000 texts, 40,000 cells and 155,000 XML elements: inside every cap by 2.5 times or more.
# Past a cap, a file is refused within about a second of work.
MB = 1024 * 1024
#: The upload itself, read no further: a form with long lists and six languages' labels
#: (the other caps, not this one, bound the work).
MAX_BYTES = 5 * MB
#: All parts of the zip together once unpacked, as its directory declares them.
MAX_UNZIPPED_BYTES = 40 * MB
#: One part unpacked, declared or actually read: the shared texts or one sheet.
MAX_MEMBER_BYTES = 24 * MB
#: Parts in the zip: Excel writes about a dozen, plus three or four per extra sheet.
MAX_MEMBERS = 200
#: How far a part may inflate: spreadsheet XML packs 5 to 30 times, a zip bomb about 1,000.
MAX_RATIO = 100
#: Parts smaller than this may inflate further: small XML packs well and costs nothing.
RATIO_GRACE_BYTES = 1 * MB
#: Distinct texts in the workbook (sharedStrings.xml): six languages of 5,000 choices is 30,000.
MAX_SHARED_STRINGS = 100_000
#: XML elements read in all, the unit of parsing work: two or three microseconds each.
MAX_ELEMENTS = 400_000
#: Rows after the header row: room for a 5,000-choice list.
MAX_ROWS = 5000
#: Columns holding a value: six languages of every text column need under 100 (Excel 2003 had 256).
MAX_COLUMNS = 256
#: Characters in one cell: what Excel itself allows.
MAX_CELL_CHARS = 32_767
#: Cells in one sheet, empty formatted ones included: 30 on each of 5,000 rows.
MAX_CELLS = 150_000
#: Questions, which import writes one by one (its time grows with their square): the
#: largest ODK household surveys ask about a thousand.
MAX_QUESTIONS = 1000
#: Choices the questions hold in all, a list once for each question asking it: the rows an
#: import writes. A 5,000-choice list fits, asked four times.
MAX_CHOICES = 20_000
#: Problems listed before reading stops: a page a person can work through, where a crafted
#: cell could otherwise list thousands (one per word).
MAX_PROBLEMS = 100

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
#: The choice list of a type that brings its own choices (yes and no), shared by its
#: questions; ``engage_type`` marks the questions using it.
SHARED_LIST = "engage_{type}"
#: XLSForm keeps settings in the row under the headers.
SETTINGS_ROW = 2

NEED_LABEL = _l("Give a label in at least one language.")
TOO_MANY_QUESTIONS = _l("The survey has more than %(count)s questions up to this row.",
                        count=MAX_QUESTIONS)
TOO_MANY_CHOICES = _l("The questions up to this row hold more than %(count)s choices in all (a list "
                      "counts once for each question using it).", count=MAX_CHOICES)
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


class Problems(list[Problem]):
    """The problems found so far; the one past :data:`MAX_PROBLEMS` stops reading."""

    def append(self, problem: Problem) -> None:
        if len(self) >= MAX_PROBLEMS:
            raise XLSFormError([*self, Problem(None, None, None, _l(
                "Reading stopped after %(count)s problems: fix these and try again.",
                count=MAX_PROBLEMS))])
        super().append(problem)


@dataclass
class ImportedSurvey:
    survey: SurveyData
    questions: list[QuestionData]
    #: The file's own wish (settings ``engage_publish``).
    publish: bool = False
    #: The survey-sheet row of each question, to place the operations' refusals.
    rows: list[int] = field(default_factory=list)
