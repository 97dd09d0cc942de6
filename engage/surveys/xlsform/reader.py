"""Reading a whole XLSForm into plain survey data, and importing it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select

from engage.core.errors import DomainError
from engage.core.i18n import _l
from engage.engine import TYPES, Clause
from engage.engine.questions import Rating, SummaryKind
from engage.engine.words import fold
from engage.extensions import db
from engage.org.models import Area
from engage.surveys.models import Survey
from engage.surveys.operations import (
    KEY_RE,
    KEYWORD_RE,
    SLUG_RE,
    ChoiceData,
    QuestionData,
    SurveyData,
    add_question,
    create_survey,
    publish_survey,
)
from engage.surveys.queries import survey_by_slug
from engage.surveys.xlsform.expressions import (
    CONSTRAINT_LIMITS,
    UnreadableRule,
    parse_constraint,
    parse_relevant,
)
from engage.surveys.xlsform.format import (
    CHOICE_NAME_RULE,
    CHOICE_VALUE_RE,
    CHOICES,
    ENGAGE_AREAS,
    ENGAGE_CHANNELS,
    ENGAGE_DIMENSION,
    ENGAGE_EXCLUSIVE,
    ENGAGE_GROUP,
    ENGAGE_HIGH,
    ENGAGE_INTRO,
    ENGAGE_KEYWORD,
    ENGAGE_LOW,
    ENGAGE_PUBLISH,
    ENGAGE_THANKS,
    ENGAGE_TYPE,
    MAX_CHOICES,
    MAX_QUESTIONS,
    NEED_LABEL,
    PLAIN_TYPES,
    RATING_PARAMETERS,
    SELECT_TYPES,
    SETTINGS,
    SETTINGS_ROW,
    SKIPPED_TYPES,
    SURVEY,
    TOO_MANY_CHOICES,
    TOO_MANY_QUESTIONS,
    TYPE_PHRASES,
    UNSUPPORTED_COLUMNS,
    ImportedSurvey,
    Problem,
    Problems,
    XLSFormError,
)
from engage.surveys.xlsform.sheets import (
    Cells,
    Row,
    Sheet,
    cell_channels,
    cell_flag,
    default_language,
    known_dimensions,
    open_workbook,
    resolve_languages,
)

# -- the choices sheet ---------------------------------------------------------------

def _read_choices(sheet: Sheet, problems: list[Problem]) -> dict[str, list[ChoiceData]]:
    lists: dict[str, list[ChoiceData]] = {}
    named: set[tuple[str, str]] = set()  # (list, name): a list may hold thousands
    for row in sheet.rows:
        cells = Cells(sheet, row, problems)
        list_name, value = cells.get("list_name"), cells.get("name")
        if not list_name:
            cells.refuse("list_name", _l("Every choice needs a list_name."))
            continue
        choices = lists.setdefault(list_name, [])
        if not CHOICE_VALUE_RE.match(value):
            cells.refuse("name", CHOICE_NAME_RULE)
        elif (list_name, value) in named:
            cells.refuse("name", _l("The list %(list)s already has a choice named %(name)s.",
                                    list=list_name, name=value))
        named.add((list_name, value))
        label = cells.texts("label")
        if not label:
            cells.refuse("label", NEED_LABEL)
        group = cells.get(ENGAGE_GROUP) or None
        if group and not CHOICE_VALUE_RE.match(group):
            cells.refuse(ENGAGE_GROUP, CHOICE_NAME_RULE)
        choices.append(ChoiceData(label, value, cell_flag(cells, ENGAGE_EXCLUSIVE), group))
    return lists


# -- the survey sheet ----------------------------------------------------------------

def type_words(text: str) -> list[str]:
    """``select one  tenure`` -> ``["select_one", "tenure"]``; list names keep their case."""
    text = " ".join(text.split())
    for phrase, canonical in TYPE_PHRASES:
        if text.lower() == phrase or text.lower().startswith(phrase + " "):
            text = canonical + text[len(phrase):]
            break
    words = text.split()
    return [words[0].lower(), *words[1:]] if words else []


#: A question read so far: its data, or None when its row was refused (so later rules
#: naming it are not refused a second time).
Earlier = dict[str, QuestionData | None]


def _read_questions(sheet: Sheet, lists: Mapping[str, list[ChoiceData]],
                    problems: list[Problem]) -> tuple[list[QuestionData], list[int]]:
    earlier: Earlier = {}
    rows: list[int] = []
    groups: list[int] = []
    size = _Size()
    for row in sheet.rows:
        cells = Cells(sheet, row, problems)
        words = type_words(cells.get("type"))
        if not words:
            if cells.get("name") or cells.texts("label"):
                cells.refuse("type", _l("Give the question a type."))
            continue
        if words[0] == "begin_group":
            if cells.get("relevant"):
                cells.refuse("relevant", _l("Engage cannot skip a whole group: put the rule on "
                                            "each question of the group."))
            groups.append(row.number)
        elif words[0] == "end_repeat":
            continue  # its begin_repeat is refused already
        elif words[0] == "end_group":
            if not groups:
                cells.refuse("type", _l("This end_group has no begin_group."))
            groups = groups[:-1]
        elif words[0] not in SKIPPED_TYPES:
            before = len(problems)
            key, question = _read_question(cells, words, lists, earlier)
            size.add(question, cells)
            if key in earlier:
                cells.refuse("name", _l("Another question already uses the code %(key)s.", key=key))
            elif key:
                accepted = question is not None and len(problems) == before
                earlier[key] = question if accepted else None
                if accepted:
                    rows.append(row.number)
    for number in groups:
        problems.append(Problem(sheet.name, number, sheet.header("type"),
                                _l("This begin_group has no end_group.")))
    return [q for q in earlier.values() if q is not None], rows


@dataclass
class _Size:
    """What import would write for the questions read so far. Reading stops past the caps:
    a small file can ask a list of thousands of choices on thousands of rows."""

    questions: int = 0
    choices: int = 0

    def add(self, question: QuestionData | None, cells: Cells) -> None:
        if question is not None:
            self.questions += 1
            self.choices += len(question.choices)
        message = (TOO_MANY_QUESTIONS if self.questions > MAX_QUESTIONS
                   else TOO_MANY_CHOICES if self.choices > MAX_CHOICES else None)
        if message is not None:
            raise XLSFormError([Problem(cells.sheet.name, cells.row.number,
                                        cells.sheet.header("type"), message)])


def _read_question(cells: Cells, words: list[str], lists: Mapping[str, list[ChoiceData]],
                   earlier: Earlier) -> tuple[str, QuestionData | None]:
    key = cells.get("name")
    if not KEY_RE.match(key):
        cells.refuse("name", _l("The question code must start with a letter and use only "
                                "letters, digits and underscores."))
    for name in UNSUPPORTED_COLUMNS:
        if cells.get(name):
            cells.refuse(name, _l("Engage does not support this column."))
    kind = _question_type(cells, words, lists)
    if kind is None:
        return key, None
    question_type, choices = kind
    prompt = cells.texts("label")
    if not prompt:
        cells.refuse("label", NEED_LABEL)
    dimension = cells.get(ENGAGE_DIMENSION) or None
    if dimension and dimension not in known_dimensions():
        cells.refuse(ENGAGE_DIMENSION, _l("Unknown dimension %(dimension)s.", dimension=dimension))
    data = QuestionData(
        type=question_type, prompt=prompt, key=key, help=cells.texts("hint"), choices=choices,
        required=cell_flag(cells, "required") and TYPES[question_type].asks,
        condition=_read_condition(cells, earlier), dimension=dimension,
        channels=cell_channels(cells, ENGAGE_CHANNELS) or None,
        **_read_limits(cells, question_type),
    )
    if TYPES[question_type].summary is SummaryKind.SCALE:
        data.low_label, data.high_label = cells.texts(ENGAGE_LOW), cells.texts(ENGAGE_HIGH)
    return key, data


def _question_type(cells: Cells, words: list[str],
                   lists: Mapping[str, list[ChoiceData]]) -> tuple[str, list[ChoiceData]] | None:
    """Engage's type and choices for an XLSForm type, or None (refused)."""
    head, engage_type = words[0], cells.get(ENGAGE_TYPE).lower()
    # engage_type marks a select whose list is the one a type brings itself (yes_no)
    marked = TYPES.get(engage_type)
    if engage_type and not (marked and marked.own_choices and marked.xls_type.split()[0] == head):
        cells.refuse(ENGAGE_TYPE, _l("Only a select_one of yes and no can be marked yes_no."))
        return None
    if head in SELECT_TYPES and len(words) == 2:
        choices = lists.get(words[1])
        if choices is None:
            cells.refuse("type", _l("The choices sheet has no list %(list)s.", list=words[1]))
            return None
        if marked is not None:
            if sorted(c.value or "" for c in choices) != sorted(c.value for c in marked.own_choices):
                cells.refuse(ENGAGE_TYPE, _l("A yes_no question's list must hold exactly the "
                                             "choices yes and no."))
            return marked.name, []
        return SELECT_TYPES[head], [ChoiceData(dict(c.label), c.value, c.exclusive, c.group)
                                    for c in choices]
    if head in SELECT_TYPES and words[2:] == ["or_other"]:
        cells.refuse("type", _l("Engage does not support or_other: add an “Other” choice and a "
                                "text question asked only if it is selected."))
    elif head in PLAIN_TYPES and len(words) == 1:
        if head == "range" and not _rating_parameters(cells.get("parameters")):
            cells.refuse("parameters", _l("Engage imports a range only as a rating: %(parameters)s.",
                                          parameters=RATING_PARAMETERS))
            return None
        return PLAIN_TYPES[head], []
    else:
        cells.refuse("type", _l("Engage does not support the type %(type)s.", type=" ".join(words)))
    return None


def _rating_parameters(text: str) -> bool:
    """``start=1 end=5 step=1`` (pyxform's own defaults: start 1, step 1)."""
    values = {"start": 1.0, "step": 1.0}
    for part in text.replace(";", " ").replace(",", " ").split():
        name, _sep, value = part.partition("=")
        try:
            values[name.strip().lower()] = float(value)
        except ValueError:
            return False
    return values == {"start": float(Rating.SCALE[0]), "end": float(Rating.SCALE[1]), "step": 1.0}


def _read_limits(cells: Cells, question_type: str) -> dict[str, Any]:
    text = cells.get("constraint")
    if not text:
        return {}
    try:
        limits = parse_constraint(text)
    except UnreadableRule:
        cells.refuse("constraint", _l("Engage cannot read this constraint. It reads . >= 0, "
                                      ". <= 100 (or both, joined by and) and "
                                      "string-length(.) <= 200."))
        return {}
    if not set(limits) <= CONSTRAINT_LIMITS.get(question_type, set()):
        cells.refuse("constraint", _l("This constraint does not fit a question of this type."))
        return {}
    return limits


def _read_condition(cells: Cells, earlier: Earlier) -> dict[str, Any] | None:
    text = cells.get("relevant")
    if not text:
        return None
    try:
        condition = parse_relevant(text)
    except UnreadableRule as err:
        cells.refuse("relevant", err.hint if err.hint is not None else _l(
            "Engage cannot read this rule. It reads ${q} = 'v', ${q} != 'v', selected(${q}, 'v'), "
            "not(selected(${q}, 'v')), ${q} > 5, ${q} < 5, ${q} = '' and ${q} != '', joined "
            "by and or by or."))
        return None
    for clause in condition.clauses:
        problem = _clause_problem(clause, earlier)
        if problem is not None:
            cells.refuse("relevant", problem)
            return None
    return condition.to_dict()


def _clause_problem(clause: Clause, earlier: Earlier) -> object | None:
    """Why a clause cannot apply to the questions before it, or None."""
    if clause.question not in earlier:
        return _l("%(key)s is not an earlier question.", key=clause.question)
    target = earlier[clause.question]
    if target is None:  # its own row was refused already
        return None
    kind = TYPES[target.type]
    if clause.op in ("gt", "lt") and not kind.comparable:
        return _l("Only number and rating answers can be compared with > or <.")
    values = [c.value for c in kind.own_choices or target.choices]
    if clause.op in ("equals", "not_equals") and values and str(clause.value) not in values:
        return _l("%(key)s has no choice %(value)s.", key=clause.question, value=clause.value)
    return None


# -- the settings sheet --------------------------------------------------------------

def _read_settings(sheet: Sheet, values: Row, default: str, locales: list[str],
                   problems: list[Problem]) -> tuple[SurveyData, bool]:
    cells = Cells(sheet, values, problems)
    slug = cells.get("form_id").lower()
    if not SLUG_RE.match(slug):
        cells.refuse("form_id", _l("The address must be 3 to 64 lower-case letters, digits or "
                                   "dashes."))
    keyword = cells.get(ENGAGE_KEYWORD) or None
    if keyword and not KEYWORD_RE.match(fold(keyword).upper()):
        cells.refuse(ENGAGE_KEYWORD, _l("The SMS keyword must be one word of letters or digits."))
    data = SurveyData(
        slug=slug, title=cells.texts("form_title") or {default: slug}, default_locale=default,
        locales=locales, intro=cells.texts(ENGAGE_INTRO), thanks=cells.texts(ENGAGE_THANKS),
        sms_keyword=keyword, area_ids=_area_ids(cells),
    )
    data.channels = cell_channels(cells, ENGAGE_CHANNELS) or data.channels
    return data, cell_flag(cells, ENGAGE_PUBLISH)


def _area_ids(cells: Cells) -> list[int]:
    slugs = cells.get(ENGAGE_AREAS).replace(",", " ").split()
    rows = db.session.execute(select(Area.slug, Area.id).where(Area.slug.in_(slugs))) if slugs else []
    found = {slug: area_id for slug, area_id in rows}
    missing = [s for s in slugs if s not in found]
    if missing:
        cells.refuse(ENGAGE_AREAS, _l("Unknown neighborhood: %(areas)s.", areas=", ".join(missing)))
    return [found[s] for s in slugs if s in found]


# -- import ----------------------------------------------------------------------------

def read_xlsform(fileobj: IO[bytes]) -> ImportedSurvey:
    """The survey an XLSForm describes, as plain data; raises XLSFormError listing every
    problem found. Only reads the database to look up neighborhoods."""
    sheets = open_workbook(fileobj)
    if SURVEY not in sheets:
        raise XLSFormError([Problem(SURVEY, None, None, _l("The workbook has no survey sheet."))])
    survey_sheet = sheets[SURVEY]
    choices, settings = sheets.get(CHOICES, Sheet(CHOICES)), sheets.get(SETTINGS, Sheet(SETTINGS))
    values = next((r for r in settings.rows if r.number == SETTINGS_ROW), Row(SETTINGS_ROW, ()))
    problems: list[Problem] = Problems()
    default = default_language(settings, values, (survey_sheet, choices, settings), problems)
    locales = [default]
    for sheet in (survey_sheet, choices, settings):
        locales += resolve_languages(sheet, default, problems)
    lists = _read_choices(choices, problems)
    questions, rows = _read_questions(survey_sheet, lists, problems)
    survey, publish = _read_settings(settings, values, default, list(dict.fromkeys(locales)),
                                     problems)
    if problems:
        raise XLSFormError(problems)
    return ImportedSurvey(survey, questions, publish, rows)


@contextmanager
def _located(sheet: str, row: int | None) -> Iterator[None]:
    """An operation's refusal, placed on the row it came from."""
    try:
        yield
    except XLSFormError:
        raise
    except DomainError as err:
        raise XLSFormError([Problem(sheet, row, None, m) for m in err.messages]) from err


def import_survey(fileobj: IO[bytes], publish: bool = False) -> Survey:
    """Create the survey an XLSForm describes, published if asked (here or in the
    file). Flushes only; on XLSFormError or DomainError the caller rolls back."""
    imported = read_xlsform(fileobj)
    if survey_by_slug(imported.survey.slug):
        raise XLSFormError([Problem(SETTINGS, SETTINGS_ROW, "form_id", _l(
            "Another survey already uses the address %(slug)s.", slug=imported.survey.slug))])
    with _located(SETTINGS, SETTINGS_ROW):
        survey = create_survey(imported.survey)
    for row, question in zip(imported.rows, imported.questions, strict=True):
        with _located(SURVEY, row):
            add_question(survey, question)
    if publish or imported.publish:
        publish_survey(survey)
    return survey
