"""Files staff download: the suppressed results (a CSV, and a workbook with a wide
crosstab), the individual responses as a CSV written in batches, so memory stays flat
however many there are, and the codebook that says what the responses' columns and
codes mean.

Neither carries a phone number: the responses export never reads respondents, and the
words residents wrote are scrubbed of phone numbers and e-mail addresses.

Every cell of every file goes through :func:`neutralise`, so a label or an answer that
reads like a formula stays text; CSV files are UTF-8 with a byte order mark, without
which Excel reads them in the computer's legacy code page and garbles every accent.

Markers: in the long table (the results CSV and the "results" sheet) a hidden figure is
an empty cell with ``hidden`` = 1, and ``unreliable`` = 1 marks a group of fewer than 30
respondents; on the "crosstab" sheet a hidden figure shows :data:`HIDDEN` and an
unreliable group's name ends with :data:`UNRELIABLE`. The about sheet gives the legend,
and the crosstab repeats it in its first lines."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from flask import Response as HttpResponse
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import ColumnElement, func, select

from engage.core.i18n import _, _l, language_name, resolve
from engage.engine import QuestionSpec, question_type
from engage.engine.questions import Stored, SummaryKind
from engage.engine.spec import SurveySpec, Value
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response, ResponseStatus
from engage.results.stats import MIN_RELIABLE_N_EFF, Interval
from engage.results.summary import Column, Figure, QuestionSummary
from engage.surveys.labels import CHANNEL_LABELS
from engage.surveys.texts import choice_labels

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REMOVED = "[removed]"
BATCH_SIZE = 1000
RESPONSE_COLUMNS = ["response_id", "channel", "language", "status", "started_at", "completed_at",
                    "synthetic"]

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Text that is only a number ("-1", a choice code) is read as that number: it runs nothing.
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
BOM = "\ufeff"
#: What a hidden figure shows on the crosstab sheet, and what ends an unreliable group's name.
HIDDEN = "–"
UNRELIABLE = "†"


def neutralise(value: object) -> object:
    """A cell a spreadsheet shows rather than runs (OWASP, "CSV injection"): text starting
    like a formula gets a leading apostrophe. Numbers, and text that is just a number, are
    left alone: they run nothing, and a -3 must stay a number."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


# --- CSV ------------------------------------------------------------------------------

def csv_chunks(chunks: Iterable[Iterable[Sequence[object]]]) -> Iterator[str]:
    """CSV text, one string per chunk of rows (so a long file can be streamed), the byte
    order mark once at the start, every cell neutralised."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    for rows in chunks:
        writer.writerows([neutralise(v) for v in row] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """A small CSV download whole (results, codebook): the same writer as the streamed one."""
    return "".join(csv_chunks([rows]))


def csv_response(body: str | Iterator[str], filename: str, *, private: bool = False) -> HttpResponse:
    """A CSV download; ``private`` ones (individual responses and their codebook) are
    never kept by a browser or proxy cache."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if private:
        headers["Cache-Control"] = "no-store"
    return HttpResponse(body, mimetype="text/csv", headers=headers)


# --- the long results table -------------------------------------------------------------

CSV_HEADER = ["question", "prompt", "group", "group_label", "n", "answer", "answer_label", "count",
              "percent", "percent_low", "percent_high", "mean", "hidden", "unreliable"]


def _percent(value: float) -> float:
    return round(value * 100, 1)


def _percents(fig: Figure) -> list[float | None]:
    share: Interval | None = fig.share
    if fig.count is None or share is None or not share.defined:
        return [None, None, None]
    return [_percent(share.estimate), _percent(share.low), _percent(share.high)]


def table_rows(summaries: Sequence[QuestionSummary]) -> Iterator[list[object]]:
    """One line per question, group and answer (what a spreadsheet user or a script
    expects); percents of the group's respondents, hidden figures empty with a flag."""
    for s in summaries:
        for i, col in enumerate(s.columns):
            group = [s.key, s.prompt, col.group, col.label, col.n]
            for row in s.rows:
                fig = row.figures[i]
                yield [*group, row.value, row.label, fig.count, *_percents(fig), None,
                       int(fig.count is None), int(col.unreliable)]
            for number in s.numbers:
                if number.column.group == col.group:
                    mean = None if number.mean is None else round(number.mean, 2)
                    yield [*group, "mean", "", None, None, None, None, mean,
                           int(col.n is None), int(col.unreliable)]


# --- the wide crosstab ------------------------------------------------------------------

def _shown(value: object) -> object:
    return HIDDEN if value is None else value


def _group_header(columns: Sequence[Column]) -> list[object]:
    """Each group's name (marked when unreliable) above its percents, its n above its counts."""
    cells: list[object] = []
    for col in columns:
        cells += [f"{col.label} {UNRELIABLE}" if col.unreliable else col.label, _shown(col.n)]
    return cells


def _choice_block(s: QuestionSummary) -> list[list[object]]:
    block: list[list[object]] = [[s.prompt], [s.key, *_group_header(s.columns)],
                                 ["", *["%", "n"] * len(s.columns)]]
    for row in s.rows:
        cells: list[object] = [row.label]
        for fig in row.figures:
            cells += [HIDDEN, HIDDEN] if fig.count is None else [_percents(fig)[0], fig.count]
        block.append(cells)
    return block


def _number_block(s: QuestionSummary) -> list[list[object]]:
    by_group = {n.column.group: n for n in s.numbers}
    block: list[list[object]] = [[s.prompt], [s.key, *_group_header(s.columns)]]
    for label, attribute in ((_("Mean"), "mean"), (_("Median"), "median")):
        cells: list[object] = [label]
        for col in s.columns:
            value = getattr(by_group[col.group], attribute) if col.group in by_group else None
            cells += [HIDDEN if col.n is None else value, None]
        block.append(cells)
    return block


def crosstab_blocks(summaries: Sequence[QuestionSummary]) -> Iterator[list[list[object]]]:
    """The table people read: per question, its prompt, then the groups as columns (a
    percent and a count each; a number question's mean and median)."""
    for s in summaries:
        if s.rows:
            yield _choice_block(s)
        elif s.numbers:
            yield _number_block(s)


def legend(limit: int) -> list[tuple[str, str]]:
    """What the crosstab's marks mean: on the about sheet, and atop the crosstab itself."""
    return [
        (HIDDEN, _("Hidden: fewer than %(n)d respondents, or hidden too so that another hidden "
                   "figure cannot be worked out from the totals.", n=limit)),
        (UNRELIABLE, _("Fewer than %(n)d respondents in the group: an unreliable estimate.",
                       n=int(MIN_RELIABLE_N_EFF))),
    ]


# --- the results workbook -------------------------------------------------------------

def _cell(value: object) -> object:
    """A cell xlsx accepts (no control characters) and no spreadsheet runs."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)


def _append(sheet: Worksheet, values: Iterable[object], *, bold: bool = False,
            decimals: str | None = None) -> None:
    sheet.append([_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if bold:
            cell.font = Font(bold=True)
        if decimals and isinstance(cell.value, float):
            cell.number_format = decimals


def _write_crosstab(sheet: Worksheet, summaries: Sequence[QuestionSummary], limit: int) -> None:
    for line in legend(limit):
        _append(sheet, line)
    for block in crosstab_blocks(summaries):
        sheet.append([])
        title, *rest = block
        _append(sheet, title, bold=True)
        for row in rest:
            _append(sheet, row, decimals="0.0")
    sheet.column_dimensions["A"].width = 40


def results_workbook(summaries: Sequence[QuestionSummary], about: Sequence[tuple[str, object]],
                     limit: int) -> bytes:
    """The suppressed figures three ways: the crosstab people read, the long table of the
    CSV export for scripts and pivot tables, and what a reader needs to know about them."""
    book = Workbook()
    crosstab = book.active
    assert crosstab is not None
    crosstab.title = "crosstab"
    _write_crosstab(crosstab, summaries, limit)
    results = book.create_sheet("results")
    _append(results, CSV_HEADER)
    for row in table_rows(summaries):
        _append(results, row)
    results.freeze_panes = "A2"
    sheet = book.create_sheet("about")
    for line in about:
        _append(sheet, line)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def about_lines(slug: str, by_label: str | None, limit: int,
                exported_at: datetime) -> list[tuple[str, object]]:
    """What a reader of the workbook needs to know: exports are the published tables
    (all respondents, never filtered), and what the markers and columns mean."""
    return [
        (_("Survey"), slug),
        (_("Broken down by"), by_label or _("Not broken down: all respondents together")),
        (_("Filters"), _("None. Exported figures with small groups hidden are always of all "
                         "respondents: filtered figures stay in staff views, because a filtered "
                         "table subtracted from the full one could reveal a small group.")),
        (_("Exported"), exported_at.isoformat(timespec="seconds")),
        (_("Suppression threshold"), limit),
        (_("Small groups"), _("Groups and answers with fewer than %(n)d respondents are left empty, "
                              "and so is at least one more cell beside each, so that they cannot be "
                              "worked out from the totals.", n=limit)),
        *legend(limit),
        ("percent", _("Percent of the group's respondents who gave the answer (where several "
                      "answers could be chosen, the percents add up to more than 100).")),
        ("hidden", _("1 where a figure is hidden (%(mark)s on the crosstab sheet): its count and "
                     "percents are left empty.", mark=HIDDEN)),
        ("unreliable", _("1 where the group has fewer than %(n)d respondents (%(mark)s on the "
                         "crosstab sheet).", n=int(MIN_RELIABLE_N_EFF), mark=UNRELIABLE)),
        (_("Intervals"), _("percent_low and percent_high are a Wilson score interval (95%%), "
                           "modelled: respondents chose to take part, so this is not a random "
                           "sample and the intervals are not a sampling margin of error.")),
    ]


# --- the codebook -----------------------------------------------------------------------

#: What a question's column holds, by how its answers are counted.
TYPE_NOTES = {
    SummaryKind.MANY: _l("Codes from the list below, separated by semicolons"),
    SummaryKind.ONE: _l("One code from the list below"),
    SummaryKind.SCALE: _l("A number from 1 to 5"),
    SummaryKind.NUMBER: _l("A number"),
    SummaryKind.TEXT: _l("Written answer, with phone numbers and e-mail addresses removed"),
}


def _code_labels(q: QuestionSpec, locale: str, default: str) -> dict[str, str]:
    """A question's codes as residents read them in ``locale`` (yes and no in the UI's
    words for that language; a rating's ends with the survey's words for them)."""
    with force_locale(locale):
        labels = dict(choice_labels(q, locale, default))
    if question_type(q).summary is SummaryKind.SCALE:
        low, *_middle, high = labels
        ends = {low: resolve(q.low_label, locale, default), high: resolve(q.high_label, locale, default)}
        labels.update({code: f"{code}: {word}" for code, word in ends.items() if word})
    return labels


def _question_lines(spec: SurveySpec, q: QuestionSpec) -> Iterator[list[object]]:
    locales, default = spec.locales, spec.default_locale
    note = TYPE_NOTES[question_type(q).summary]
    yield [q.key, q.type, "", str(note), *(resolve(q.prompt, loc, default) for loc in locales)]
    if question_type(q).options(q):
        by_locale = [_code_labels(q, loc, default) for loc in locales]
        for code in by_locale[0]:
            yield [q.key, "", code, "", *(labels[code] for labels in by_locale)]


def _response_lines(spec: SurveySpec) -> Iterator[list[object]]:
    """The columns every response has, and their codes, explained in the UI's language."""
    codes: dict[str, list[tuple[str, str]]] = {
        "channel": [(c.value, str(label)) for c, label in CHANNEL_LABELS.items()],
        "language": [(code, language_name(code)) for code in spec.locales],
        "status": [(ResponseStatus.COMPLETE.value, _("Complete")),
                   (ResponseStatus.IN_PROGRESS.value, _("In progress"))],
        "synthetic": [("0", _("A resident's response")),
                      ("1", _("A demo or simulator response"))],
    }
    notes = {
        "response_id": _("The response's number: responses are numbered in the order they started"),
        "channel": _("How the resident answered"),
        "language": _("The language the resident answered in"),
        "status": _("Whether the resident reached the end of the survey"),
        "started_at": _("When the response started (ISO 8601, UTC)"),
        "completed_at": _("When the resident reached the end (ISO 8601, UTC); empty if not"),
        "synthetic": _("Whether the response is real"),
    }
    blank = [""] * len(spec.locales)
    for column in RESPONSE_COLUMNS:
        yield [column, "response", "", notes[column], *blank]
        for code, label in codes.get(column, []):
            yield [column, "", code, label, *blank]


def codebook_rows(spec: SurveySpec) -> Iterator[list[object]]:
    """What each column of the responses export holds: the response's own columns, then
    per question its type, prompt and codes, worded in every language of the survey
    (one column each)."""
    yield ["column", "type", "code", "notes", *spec.locales]
    yield from _response_lines(spec)
    for q in response_questions(spec):
        yield from _question_lines(spec, q)


# --- individual responses -------------------------------------------------------------

def scrub(text: str, region: str) -> str:
    """``text`` without phone numbers and e-mail addresses. Phone numbers are matched
    leniently (any possible number, local seven-digit ones included): a long figure
    lost now and then is the price of never letting a number through."""
    text = EMAIL_RE.sub(REMOVED, text)
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE))
    for match in reversed(matches):
        text = text[:match.start] + REMOVED + text[match.end:]
    return text


@dataclass(frozen=True)
class ResponsesExport:
    """What one download covers: the responses matching ``conditions`` up to ``last_id``,
    fixed when the download is recorded, so the audit's row count is what is sent."""

    conditions: tuple[ColumnElement[bool], ...]
    last_id: int
    rows: int


def plan_responses_export(conditions: Sequence[ColumnElement[bool]]) -> ResponsesExport:
    rows, last_id = db.session.execute(
        select(func.count(Response.id), func.max(Response.id)).where(*conditions)).one()
    return ResponsesExport(tuple(conditions), last_id or 0, rows)


def response_questions(spec: SurveySpec) -> list[QuestionSpec]:
    return [q for q in spec.questions if question_type(q).asks]


def responses_header(spec: SurveySpec) -> list[str]:
    return RESPONSE_COLUMNS + [q.key for q in response_questions(spec)]


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _answers(ids: Sequence[int], questions: Sequence[QuestionSpec],
             region: str) -> dict[int, dict[str, object]]:
    """The batch's answers in one query, as cells: {response id: {question key: cell}}."""
    by_id = {q.id: q for q in questions}
    rows = db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.number, Answer.text, AnswerChoice.value)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == Answer.id)
        .where(Answer.response_id.in_(ids), Answer.question_id.in_(list(by_id))))
    parts: dict[tuple[int, int], list[tuple[float | None, str | None, str | None]]] = {}
    for response_id, question_id, number, text, choice in rows:
        parts.setdefault((response_id, question_id), []).append((number, text, choice))
    cells: dict[int, dict[str, object]] = {}
    for (response_id, question_id), answer in parts.items():
        q = by_id[question_id]
        value = question_type(q).load(q, Stored.gather(answer))
        if value is not None:
            cells.setdefault(response_id, {})[q.key] = _answer_cell(q, value, region)
    return cells


def _answer_cell(q: QuestionSpec, value: Value, region: str) -> object:
    """Chosen codes joined with semicolons, words scrubbed, a code or number as it is."""
    if isinstance(value, tuple):
        return ";".join(value)
    return scrub(str(value), region) if question_type(q).summary is SummaryKind.TEXT else value


def _response_batches(export: ResponsesExport, spec: SurveySpec, region: str,
                      batch_size: int) -> Iterator[list[list[object]]]:
    """The header, then one line per response in id order, a batch at a time (two queries
    each). Never a respondent, a phone hash or a number."""
    questions = response_questions(spec)
    yield [responses_header(spec)]
    after = 0
    while after < export.last_id:
        batch = db.session.execute(
            select(Response.id, Response.channel, Response.locale, Response.status,
                   Response.started_at, Response.completed_at, Response.synthetic)
            .where(*export.conditions, Response.id > after, Response.id <= export.last_id)
            .order_by(Response.id).limit(batch_size)).all()
        if not batch:
            return
        answers = _answers([r.id for r in batch], questions, region)
        yield [[r.id, r.channel, r.locale, r.status, _when(r.started_at), _when(r.completed_at),
                int(r.synthetic), *(answers.get(r.id, {}).get(q.key, "") for q in questions)]
               for r in batch]
        after = batch[-1].id


def responses_csv(export: ResponsesExport, spec: SurveySpec, region: str,
                  batch_size: int | None = None) -> Iterator[str]:
    """The responses CSV, streamed: one piece of text per batch of responses."""
    return csv_chunks(_response_batches(export, spec, region, batch_size or BATCH_SIZE))
