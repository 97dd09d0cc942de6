"""Files staff download: the suppressed results table as a workbook, and the individual
responses as a CSV written in batches, so memory stays flat however many there are.

Neither carries a phone number: the responses export never reads respondents, and the
words residents wrote are scrubbed of phone numbers and e-mail addresses."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import phonenumbers
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import ColumnElement, func, select

from engage.core.i18n import _
from engage.engine import QuestionSpec, question_type
from engage.engine.spec import SurveySpec
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response
from engage.results.filters import Filters
from engage.results.summary import QuestionSummary

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REMOVED = "[removed]"
BATCH_SIZE = 1000
RESPONSE_COLUMNS = ["response_id", "channel", "language", "status", "started_at", "completed_at",
                    "synthetic"]

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table_rows(summaries: list[QuestionSummary]) -> Iterator[list[object]]:
    """One line per question, group and answer: what a spreadsheet user expects."""
    for s in summaries:
        for col_index, col in enumerate(s.columns):
            for row in s.rows:
                fig = row.figures[col_index]
                share = fig.share if fig.share is not None and fig.share.defined else None
                yield [s.key, s.prompt, col.group, col.label, col.n, row.value, row.label, fig.count,
                       round(share.estimate, 4) if share else None,
                       round(share.low, 4) if share else None, round(share.high, 4) if share else None]
            for number in s.numbers:
                if number.column.group == col.group:
                    yield [s.key, s.prompt, col.group, col.label, col.n, "mean", "", None,
                           number.mean, None, None]


CSV_HEADER = ["question", "prompt", "group", "group_label", "n", "answer", "answer_label", "count",
              "share", "share_low", "share_high"]



def scrub(text: str, region: str) -> str:
    """``text`` without phone numbers and e-mail addresses. Phone numbers are matched
    leniently (any possible number, local seven-digit ones included): a long figure
    lost now and then is the price of never letting a number through."""
    text = EMAIL_RE.sub(REMOVED, text)
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE))
    for match in reversed(matches):
        text = text[:match.start] + REMOVED + text[match.end:]
    return text


# --- the results workbook -------------------------------------------------------------

def _cell(value: object) -> object:
    """Strings without the control characters xlsx refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _append(sheet, values: Iterable[object]) -> None:  # type: ignore[no-untyped-def]
    sheet.append([_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl reads "=..." as a formula: keep it text
            cell.data_type = "s"


def results_workbook(summaries: Sequence[QuestionSummary], about: Sequence[tuple[str, object]]) -> bytes:
    """The suppressed table of the CSV export (hidden counts stay empty cells), and what
    a reader needs to know about it on a sheet of its own."""
    book = Workbook()
    results = book.active
    results.title = "results"
    _append(results, CSV_HEADER)
    for row in table_rows(list(summaries)):
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


def about_lines(slug: str, by_label: str | None, filters: Filters, limit: int,
                exported_at: datetime) -> list[tuple[str, object]]:
    chosen = [f"{f.name}={getattr(filters, f.name)}" for f in fields(filters)
              if getattr(filters, f.name) is not None]
    return [
        (_("Survey"), slug),
        (_("Broken down by"), by_label or _("Not broken down: all respondents together")),
        (_("Filters"), ", ".join(chosen) or _("None")),
        (_("Exported"), exported_at.isoformat(timespec="seconds")),
        (_("Suppression threshold"), limit),
        (_("Small groups"), _("Groups and answers with fewer than %(n)d respondents are left empty, "
                              "and so is at least one more cell beside each, so that they cannot be "
                              "worked out from the totals.", n=limit)),
        (_("Intervals"), _("The low and high shares are Wilson score intervals (95%), modelled: "
                           "respondents chose to take part, so this is not a random sample and the "
                           "intervals are not a sampling margin of error.")),
    ]


# --- individual responses -------------------------------------------------------------

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
    return [q for q in spec.questions if question_type(q).storage in ("choices", "number", "text")]


def responses_header(spec: SurveySpec) -> list[str]:
    return RESPONSE_COLUMNS + [q.key for q in response_questions(spec)]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _text(value: str, region: str) -> str:
    cleaned = scrub(value, region)
    return "'" + cleaned if cleaned.startswith(FORMULA_START) else cleaned


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _answers(ids: Sequence[int], questions: Sequence[QuestionSpec],
             region: str) -> dict[int, dict[str, object]]:
    """The batch's answers in one query, as cells: {response id: {question key: cell}}."""
    by_id = {q.id: q for q in questions}
    order = {q.key: {c.value: i for i, c in enumerate(question_type(q).choices(q))}
             for q in questions if question_type(q).storage == "choices"}
    rows = db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.number, Answer.text, AnswerChoice.value)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == Answer.id)
        .where(Answer.response_id.in_(ids), Answer.question_id.in_(list(by_id))))
    cells: dict[int, dict[str, object]] = {}
    picked: dict[tuple[int, str], list[str]] = {}
    for response_id, question_id, number, text, choice in rows:
        q = by_id[question_id]
        storage = question_type(q).storage
        if storage == "choices":
            if choice is not None:
                picked.setdefault((response_id, q.key), []).append(choice)
        elif storage == "number" and number is not None:
            cells.setdefault(response_id, {})[q.key] = _number(number)
        elif storage == "text" and text is not None:
            cells.setdefault(response_id, {})[q.key] = _text(text, region)
    for (response_id, key), values in picked.items():
        rank = order[key]
        values.sort(key=lambda v: (rank.get(v, len(rank)), v))
        cells.setdefault(response_id, {})[key] = ";".join(values)
    return cells


def responses_csv(export: ResponsesExport, spec: SurveySpec, region: str,
                  batch_size: int | None = None) -> Iterator[str]:
    """The CSV, a batch of responses at a time (two queries each): the header, then one
    line per response in id order. Never a respondent, a phone hash or a number."""
    questions = response_questions(spec)
    batch_size = batch_size or BATCH_SIZE
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(responses_header(spec))
    yield buffer.getvalue()
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
        buffer.seek(0)
        buffer.truncate()
        for r in batch:
            cells = answers.get(r.id, {})
            writer.writerow([r.id, r.channel, r.locale, r.status, _when(r.started_at),
                             _when(r.completed_at), int(r.synthetic),
                             *(cells.get(q.key, "") for q in questions)])
        yield buffer.getvalue()
        after = batch[-1].id
