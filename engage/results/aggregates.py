"""Results counted once and kept current, so a page reads a few thousand aggregated rows
instead of grouping every raw answer again (issue 16).

Upkeep is by response and never touches the answer path: every change to a response's
answers, tags or status moves ``response.updated_at`` (pinned by
tests/responses/test_updated_at.py). :func:`refresh` takes the survey's responses updated
since its watermark (minus :data:`OVERLAP`, for a transaction that commits after a later
one's timestamp), works out what each counts now (its *snapshot*: profile and answer
items), subtracts what it counted last time (``result_seen``) and adds the new. A response
whose snapshot did not change costs nothing, so reprocessing is idempotent; a deleted
response (survey deletion cascades everything; any other delete) is found because its
snapshot outlives it. Two refreshers take turns on the survey's ``result_state`` row
(PostgreSQL: ``FOR UPDATE``, pages ``SKIP LOCKED``; SQLite: its single writer, a page's
stale write fails and is skipped). The worker refreshes once a minute (one pass) and a results
page refreshes before it counts; :func:`rebuild` starts over (after bulk loads) and
:func:`differences` compares the rows with a count from scratch (tests, the bench).

Reading (:class:`Counted`): the rows of one breakdown family, with the filters and the
raking cells as columns, grouped in SQL to what the page needs, then regrouped in Python
(small: groups x cells x answers). Date filters (``since``/``until``) are not kept: a day
column would multiply the rows by the survey's days, so those pages count the raw answers
(:func:`serves` says which).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, bindparam, delete, func, select, text, update
from sqlalchemy.exc import OperationalError

from engage.core.clock import utcnow
from engage.core.models import insert_for
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response, ResponseStatus, ResponseTag
from engage.results.filters import ALL, BREAKDOWNS, MULTIRACIAL, NO_ANSWER, RACE_ALONE, Filters
from engage.results.models import ResultCount, ResultSeen, ResultState
from engage.surveys.models import Question

RACE = "race_ethnicity"
#: Breakdowns every row carries (as a filter or raking column): no family rows of their own.
PROFILE = {"channel": "channel", "locale": "locale", RACE_ALONE: "race", RACE: "race",
           "age_band": "age", "area": "area"}
#: Items: respondents who answered (every answer), a number answered.
ANSWERED, NUMBER = "#n", "#num"
#: The channel and language of the rows adding every channel and language up.
EVERY = "*"
#: Responses reprocessed per statement batch.
BATCH = 2000
KEY = ("survey_id", "dim", "channel", "question_id", "locale", "synthetic", "area", "race",
       "age", "atom", "item", "number")
Key = tuple


def overlap() -> timedelta:
    """How far before its watermark a refresh looks again: longer than a transaction that
    changes answers stays open between writing ``updated_at`` and committing."""
    return timedelta(seconds=float(current_app.config.get("RESULTS_REFRESH_OVERLAP", 60)))


# -- what one response counts ----------------------------------------------------------------

def family_dimensions(survey_id: int) -> tuple[str, ...]:
    """The breakdowns with rows of their own: the survey's dimensions not in the profile."""
    asked = set(db.session.scalars(select(Question.dimension).where(
        Question.survey_id == survey_id, Question.dimension.is_not(None))))
    return tuple(sorted(d for d in asked if d in BREAKDOWNS and d not in PROFILE))


def _joined(values: Iterable[str]) -> str:
    return ",".join(sorted(values))


def snapshots(ids: Sequence[int], dims: Sequence[str]) -> dict[int, str]:
    """Each response's snapshot (JSON, canonical, so equal means unchanged): channel,
    language, synthetic, status, race answers, age band, neighbourhood, the family
    dimensions' answers, and its answers as (question, item, number)."""
    tags: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for rid, dimension, value in db.session.execute(
            select(ResponseTag.response_id, ResponseTag.dimension, ResponseTag.value)
            .where(ResponseTag.response_id.in_(ids))):
        tags[rid][dimension].append(value)
    items: dict[int, set[tuple[int, str, float]]] = defaultdict(set)
    for rid, qid, number, choice in db.session.execute(
            select(Answer.response_id, Answer.question_id, Answer.number, AnswerChoice.value)
            .outerjoin(AnswerChoice, AnswerChoice.answer_id == Answer.id)
            .where(Answer.response_id.in_(ids))):
        items[rid].add((qid, ANSWERED, 0.0))
        if choice is not None:
            items[rid].add((qid, choice, 0.0))
        if number is not None:
            items[rid].add((qid, NUMBER, float(number)))
    out = {}
    for rid, channel, locale, synthetic, status in db.session.execute(
            select(Response.id, Response.channel, Response.locale, Response.synthetic,
                   Response.status).where(Response.id.in_(ids))):
        own = tags.get(rid, {})
        out[rid] = json.dumps(
            [channel, locale, bool(synthetic), status, _joined(own.get(RACE, ())),
             _joined(own.get("age_band", ())), _joined(own.get("area", ())),
             {d: _joined(own.get(d, ())) for d in dims}, sorted(items.get(rid, ()))],
            separators=(",", ":"), ensure_ascii=False)
    return out


def keys(survey_id: int, snapshot: str) -> Iterator[Key]:
    """The rows a snapshot counts one respondent in: its status (question 0, every
    response) and, unless set aside, each answer item once per breakdown family; each
    both under its channel and language and under every channel and language (``*``)."""
    channel, locale, synthetic, status, race, age, area, families, items = json.loads(snapshot)
    for c, lang in ((channel, locale), (EVERY, EVERY)):
        yield (survey_id, "", c, 0, lang, synthetic, area, race, age, "", status, 0.0)
        if status == ResponseStatus.ABANDONED:
            continue
        for dim, atom in (("", ""), *families.items()):
            for qid, item, number in items:
                yield (survey_id, dim, c, qid, lang, synthetic, area, race, age, atom, item, number)


# -- keeping them current ---------------------------------------------------------------------

@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: responses whose counts changed, and as of when."""

    changed: int
    refreshed_at: datetime


def _lock(survey_id: int, wait: bool) -> ResultState | None:
    """The survey's state row, held until the transaction ends; None if another refresher
    holds it and ``wait`` is false (a page then reads the figures as they are)."""
    db.session.execute(insert_for(ResultState).values(survey_id=survey_id, dimensions="")
                       .on_conflict_do_nothing(index_elements=["survey_id"]))
    query = select(ResultState).where(ResultState.survey_id == survey_id) \
        .execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=not wait)
    return db.session.scalars(query).one_or_none()


def refresh(survey_id: int, *, wait: bool = True) -> Refreshed | None:
    """Bring the survey's aggregates up to date (flushes; the caller commits). None when
    another refresher is at it and ``wait`` is false, or SQLite refused the write."""
    if wait:
        return _refresh(survey_id, wait)
    try:
        with db.session.begin_nested():
            return _refresh(survey_id, wait)
    except OperationalError:  # SQLite: a page's read snapshot went stale (another writer)
        return None


def _refresh(survey_id: int, wait: bool) -> Refreshed | None:
    state = _lock(survey_id, wait)
    if state is None:
        return None
    dims = family_dimensions(survey_id)
    if state.dimensions != ",".join(dims) and state.watermark is not None:
        # a breakdown added: count everything again
        _clear(survey_id)
        state.watermark = None
    state.dimensions = ",".join(dims)
    query = select(Response.id, Response.updated_at).where(Response.survey_id == survey_id)
    if state.watermark is not None:
        query = query.where(Response.updated_at >= state.watermark - overlap())
    touched = list(db.session.execute(query))
    changed = 0
    delta: Counter[Key] = Counter()
    fresh = state.watermark is None
    if fresh:  # counted in SQL from the raw tables; the snapshots only kept for later
        _count_in_sql(survey_id, dims)
    for start in range(0, len(touched), BATCH):
        ids = [rid for rid, _at in touched[start:start + BATCH]]
        changed += _apply_batch(survey_id, ids, dims, delta, fresh=fresh)
    if not fresh:
        changed += _forget_deleted(survey_id, delta)
        _write(delta, fresh=False)
    if touched:
        newest = max(at for _rid, at in touched)
        state.watermark = max(newest, state.watermark) if state.watermark else newest
    state.refreshed_at = utcnow()
    db.session.flush()
    return Refreshed(changed, state.refreshed_at)


def _apply_batch(survey_id: int, ids: list[int], dims: Sequence[str], delta: Counter[Key],
                 fresh: bool) -> int:
    """Add the batch's change to ``delta`` and store the new snapshots: the number changed."""
    now = snapshots(ids, dims)
    before = {} if fresh else dict(db.session.execute(
        select(ResultSeen.response_id, ResultSeen.snapshot)
        .where(ResultSeen.response_id.in_(ids))).all())
    rows = []
    for rid, snapshot in now.items():
        old = before.get(rid)
        if old == snapshot:
            continue
        if not fresh:
            if old is not None:
                delta.subtract(keys(survey_id, old))
            delta.update(keys(survey_id, snapshot))
        rows.append({"response_id": rid, "survey_id": survey_id, "snapshot": snapshot})
    if rows:
        statement = insert_for(ResultSeen)
        if not fresh:
            statement = statement.on_conflict_do_update(
                index_elements=["response_id"], set_={"snapshot": statement.excluded.snapshot})
        db.session.execute(statement, rows)
    return len(rows)


def _forget_deleted(survey_id: int, delta: Counter[Key]) -> int:
    """Subtract responses deleted since their snapshot: looked for only when the survey
    has more snapshots than responses (every live response has one by now)."""
    seen = db.session.scalar(select(func.count()).select_from(ResultSeen)
                             .where(ResultSeen.survey_id == survey_id))
    live = db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.survey_id == survey_id))
    if seen == live:
        return 0
    gone = list(db.session.execute(
        select(ResultSeen.response_id, ResultSeen.snapshot).where(
            ResultSeen.survey_id == survey_id,
            ~select(Response.id).where(Response.id == ResultSeen.response_id).exists())))
    for _rid, snapshot in gone:
        delta.subtract(keys(survey_id, snapshot))
    for start in range(0, len(gone), BATCH):
        db.session.execute(delete(ResultSeen).where(
            ResultSeen.response_id.in_([rid for rid, _s in gone[start:start + BATCH]])))
    return len(gone)


def _write(delta: Counter[Key], fresh: bool) -> None:
    """Apply ``delta`` to ``result_count``: plain inserts on a fresh count, else upserts
    adding to the stored ``n``; rows counting nobody any more are deleted."""
    changes = [dict(zip(KEY, key, strict=True), n=n) for key, n in delta.items() if n]
    if not changes:
        return
    statement = insert_for(ResultCount)
    if not fresh:
        statement = statement.on_conflict_do_update(
            index_elements=list(KEY), set_={"n": ResultCount.n + statement.excluded.n})
    for start in range(0, len(changes), 10 * BATCH):
        db.session.execute(statement, changes[start:start + 10 * BATCH])
    emptied = [{f"k_{k}": c[k] for k in KEY} for c in changes if c["n"] < 0]
    if emptied:  # by primary key, one executemany (a row-value IN over 12 columns scans)
        table = ResultCount.__table__
        db.session.execute(delete(table).where(
            *(table.c[k] == bindparam(f"k_{k}") for k in KEY), table.c.n == 0), emptied)


def _tags(param: str, dialect: str) -> str:
    """SQL for a response's answers of the dimension bound to ``:param`` as
    :func:`_joined` joins them (sorted by code point: SQLite's BINARY collation,
    PostgreSQL's "C"), '' for none."""
    if dialect == "postgresql":
        return ("coalesce((SELECT string_agg(t.value, ',' ORDER BY t.value COLLATE \"C\")"  # noqa: S608
                f" FROM response_tag t WHERE t.response_id = r.id AND t.dimension = :{param}), '')")
    # SQLite (3.40 has no ORDER BY in group_concat): the primary key index returns one
    # response's values of a dimension in order
    return ("coalesce((SELECT group_concat(value, ',') FROM (SELECT t.value FROM response_tag t"  # noqa: S608
            f" WHERE t.response_id = r.id AND t.dimension = :{param} ORDER BY t.value)), '')")


_COLUMNS = "survey_id, dim, channel, question_id, locale, synthetic, area, race, age, atom, item, number, n"


def _count_in_sql(survey_id: int, dims: Sequence[str]) -> None:
    """What :func:`keys` counts for every response of the survey, in two statements:
    the rows per channel and language grouped from the raw tables, then the rows adding
    every channel and language up grouped from those. The survey's rows must be empty.
    (Every value is bound; the text is put together from fixed fragments only.)"""
    dialect = db.session.get_bind().dialect.name
    params: dict[str, object] = {"s": survey_id, "abandoned": ResponseStatus.ABANDONED.value,
                                 "answered": ANSWERED, "num": NUMBER, "race": RACE, "age": "age_band",
                                 "area": "area"}
    families = ["SELECT '' AS dim, p.rid AS rid, '' AS atom FROM p WHERE p.status <> :abandoned"]
    for k, dim in enumerate(dims):
        params[f"d{k}"] = dim
        families.append(f"SELECT CAST(:d{k} AS VARCHAR(32)), r.id, {_tags(f'd{k}', dialect)} FROM response r"  # noqa: S608
                        " WHERE r.survey_id = :s AND r.status <> :abandoned")
    statement = f"""
        INSERT INTO result_count ({_COLUMNS})
        WITH p AS MATERIALIZED (
            SELECT r.id AS rid, r.channel AS channel, r.locale AS locale, r.synthetic AS synthetic,
                   r.status AS status, {_tags("race", dialect)} AS race,
                   {_tags("age", dialect)} AS age, {_tags("area", dialect)} AS area
            FROM response r WHERE r.survey_id = :s),
        f AS MATERIALIZED ({" UNION ALL ".join(families)}),
        i AS (
            SELECT a.response_id AS rid, a.question_id AS q, CAST(:answered AS VARCHAR(64)) AS item,
                   0.0 AS number
            FROM answer a JOIN response r ON r.id = a.response_id WHERE r.survey_id = :s
            UNION ALL
            SELECT a.response_id, a.question_id, c.value, 0.0
            FROM answer a JOIN response r ON r.id = a.response_id
            JOIN answer_choice c ON c.answer_id = a.id WHERE r.survey_id = :s
            UNION ALL
            SELECT a.response_id, a.question_id, CAST(:num AS VARCHAR(64)), a.number
            FROM answer a JOIN response r ON r.id = a.response_id
            WHERE r.survey_id = :s AND a.number IS NOT NULL)
        SELECT :s, f.dim, p.channel, i.q, p.locale, p.synthetic, p.area, p.race, p.age, f.atom,
               i.item, i.number, count(*)
        FROM p JOIN f ON f.rid = p.rid JOIN i ON i.rid = p.rid
        GROUP BY f.dim, p.channel, i.q, p.locale, p.synthetic, p.area, p.race, p.age, f.atom,
                 i.item, i.number
        UNION ALL
        SELECT :s, '', p.channel, 0, p.locale, p.synthetic, p.area, p.race, p.age, '',
               p.status, 0.0, count(*)
        FROM p GROUP BY p.channel, p.locale, p.synthetic, p.area, p.race, p.age, p.status"""  # noqa: S608
    db.session.execute(text(statement), params)
    db.session.execute(text(f"""
        INSERT INTO result_count ({_COLUMNS})
        SELECT survey_id, dim, CAST(:every AS VARCHAR(8)), question_id, CAST(:every AS VARCHAR(16)),
               synthetic, area, race, age, atom, item, number, sum(n)
        FROM result_count WHERE survey_id = :s AND channel <> :every
        GROUP BY survey_id, dim, question_id, synthetic, area, race, age, atom, item, number"""),  # noqa: S608
        {"s": survey_id, "every": EVERY})


def _clear(survey_id: int) -> None:
    db.session.execute(delete(ResultCount).where(ResultCount.survey_id == survey_id))
    db.session.execute(delete(ResultSeen).where(ResultSeen.survey_id == survey_id))


def rebuild(survey_id: int) -> Refreshed:
    """Count the survey's responses again from scratch (after a bulk load, or to repair)."""
    _lock(survey_id, wait=True)
    _clear(survey_id)
    db.session.execute(update(ResultState).where(ResultState.survey_id == survey_id)
                       .values(watermark=None))
    refreshed = refresh(survey_id)
    assert refreshed is not None
    return refreshed


def refreshed_at(survey_id: int) -> datetime | None:
    """When the survey's figures were last brought up to date (None: never)."""
    return db.session.scalar(select(ResultState.refreshed_at)
                             .where(ResultState.survey_id == survey_id))


def stale_surveys() -> list[int]:
    """Surveys with a response updated after their watermark (or never counted): what
    the worker refreshes."""
    newest = select(Response.survey_id, func.max(Response.updated_at).label("at")) \
        .group_by(Response.survey_id).subquery()
    return list(db.session.scalars(
        select(newest.c.survey_id).outerjoin(ResultState, ResultState.survey_id == newest.c.survey_id)
        .where((ResultState.watermark.is_(None)) | (newest.c.at > ResultState.watermark))))


def refresh_stale() -> int:
    """One pass: refresh each survey with changed responses, one commit each (the
    worker's per-minute task; pages refresh the survey they show before counting, so
    this only keeps unviewed surveys from falling far behind). The responses refreshed."""
    refreshed = 0
    for survey_id in stale_surveys():
        done = refresh(survey_id)
        db.session.commit()
        refreshed += done.changed if done else 0
    db.session.commit()
    return refreshed


def differences(survey_id: int) -> dict[Key, tuple[int, int]]:
    """Rows whose stored count differs from one counted from scratch: (stored, recounted).
    Empty when the aggregates are right."""
    dims = family_dimensions(survey_id)
    ids = list(db.session.scalars(select(Response.id).where(Response.survey_id == survey_id)))
    expected: Counter[Key] = Counter()
    for start in range(0, len(ids), BATCH):
        for snapshot in snapshots(ids[start:start + BATCH], dims).values():
            expected.update(keys(survey_id, snapshot))
    stored = {tuple(row[:-1]): row[-1] for row in db.session.execute(
        select(*(getattr(ResultCount, k) for k in KEY), ResultCount.n)
        .where(ResultCount.survey_id == survey_id, ResultCount.n != 0))}
    return {key: (stored.get(key, 0), expected.get(key, 0))
            for key in stored.keys() | expected.keys() if stored.get(key, 0) != expected.get(key, 0)}


# -- reading them -----------------------------------------------------------------------------

def serves(filters: Filters) -> bool:
    """Whether the aggregates can answer for ``filters``: all but date ranges."""
    return filters.since is None and filters.until is None


def race_alone_group(races: Iterable[str]) -> str:
    """The race-alone tabulation's group of a resident's race answers."""
    chosen = [r for r in races if r and r != "prefer_not"]
    if not chosen:
        return NO_ANSWER
    return chosen[0] if len(chosen) == 1 else MULTIRACIAL


def groups_of(by: str | None, atom: str) -> list[str]:
    """The groups of ``by`` a respondent with these answers (``atom``: the family's
    answers joined by commas, or the channel or language) is counted in."""
    if by is None:
        return [ALL]
    if by in ("channel", "locale"):
        return [atom]
    if by == RACE_ALONE:
        return [race_alone_group(atom.split(","))]
    return [v for v in atom.split(",") if v] or [NO_ANSWER]


def _conditions(survey_id: int, filters: Filters, rolled: bool) -> list[ColumnElement[bool]]:
    if filters.include_synthetic is None:
        raise ValueError("settle include_synthetic first (engage.results.queries.resolved)")
    conds = [ResultCount.survey_id == survey_id, ResultCount.n != 0]
    if rolled:
        conds.append(ResultCount.channel == EVERY)
    else:
        conds.append(ResultCount.channel != EVERY)
        if filters.channel:
            conds.append(ResultCount.channel == filters.channel)
        if filters.locale:
            conds.append(ResultCount.locale == filters.locale)
    if not filters.include_synthetic:
        conds.append(ResultCount.synthetic.is_(False))
    if filters.area:
        conds.append(ResultCount.area == filters.area)
    return conds


def _rolled(by: str | None, filters: Filters) -> bool:
    """Whether the rows adding up every channel and language will do."""
    return not (filters.channel or filters.locale or by in ("channel", "locale"))


class Counted:
    """One breakdown's aggregate rows for a page (or one question): respondents per
    (question, the breakdown's answers, raking cell if ``cells``, item), read in one
    statement and grouped by question. Stands in for the scope table of
    engage.results.scope: the query functions take either."""

    def __init__(self, survey_id: int, by: str | None, filters: Filters, *, cells: bool = False,
                 question_ids: Sequence[int] | None = None) -> None:
        self.by, self.cells = by, cells
        dim = "" if by is None or by in PROFILE else by
        atom = getattr(ResultCount, PROFILE.get(by or "", "atom"))
        cell = [ResultCount.race, ResultCount.age, ResultCount.area] if cells else []
        columns = [ResultCount.question_id, atom, *cell, ResultCount.item, ResultCount.number]
        where = [*_conditions(survey_id, filters, _rolled(by, filters)), ResultCount.dim == dim,
                 ResultCount.question_id != 0]
        if question_ids is not None:
            where.append(ResultCount.question_id.in_(question_ids))
        self.rows: dict[int, list[tuple]] = defaultdict(list)
        for row in db.session.execute(select(*columns, func.sum(ResultCount.n))
                                      .where(*where).group_by(*columns)):
            qid, atom_text, *rest = row
            if not cells:
                rest = ["", "", "", *rest]
            self.rows[qid].append((atom_text, *rest))

    def of(self, question_id: int) -> list[tuple]:
        """(atom, race, age, area, item, number, n) rows of one question."""
        return self.rows.get(question_id, [])


def respondent_cells(survey_id: int, filters: Filters) -> list[tuple[str, str, str, int]]:
    """(race answers, age band, area, respondents) over the responses ``filters``
    select, set-aside ones left out: what weighting rakes."""
    cells = (ResultCount.race, ResultCount.age, ResultCount.area)
    return [tuple(row) for row in db.session.execute(
        select(*cells, func.sum(ResultCount.n)).where(
            *_conditions(survey_id, filters, _rolled(None, filters)), ResultCount.dim == "",
            ResultCount.question_id == 0, ResultCount.item != ResponseStatus.ABANDONED.value)
        .group_by(*cells))]


def status_counts(survey_id: int, filters: Filters) -> dict[tuple[bool, str], int]:
    """Responses per (synthetic, status) that ``filters`` select, set-aside ones included."""
    return {(bool(s), status): int(n) for s, status, n in db.session.execute(
        select(ResultCount.synthetic, ResultCount.item, func.sum(ResultCount.n)).where(
            *_conditions(survey_id, filters, _rolled(None, filters)), ResultCount.dim == "",
            ResultCount.question_id == 0).group_by(ResultCount.synthetic, ResultCount.item))}


def aggregated(survey_id: int, filters: Filters) -> bool:
    """Whether a count for ``filters`` reads the aggregates: they serve the filters and
    have been counted for this survey (before its first refresh, the raw answers)."""
    return serves(filters) and refreshed_at(survey_id) is not None
