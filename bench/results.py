#!/usr/bin/env python
"""Benchmark: the disaggregated results summary on a large survey, against plain SQL.

One run, one database, in-process (no HTTP server):

1. A fresh schema (``flask_migrate.upgrade()``), two neighbourhoods with census
   baselines (B03002, B01001 from ``tests/demographics/fixtures``), and a published
   survey of 12 questions: 5 ordinary ones (single and multiple choice, rating, number,
   yes/no) and the standard race and ethnicity (3 questions), home language (2), area
   and age questions.
2. ``--responses`` (200,000) generated with a fixed seed and skewed distributions and
   written straight into ``response``, ``answer``, ``answer_choice`` and ``response_tag``
   as ``record_answer`` would write them (Core executemany on SQLite, COPY on
   PostgreSQL), in a child process so that its memory is not counted below. Not timed
   as part of the measurement.
3. In turn, ``--rounds`` times, inside a request context (``GET``, as the API's request):
   (a) the app: ``compute_weights`` + ``summarize(by="race_alone", public=True,
   weights=...)``; (b) the baseline: one plain ``GROUP BY`` per question giving the
   respondents per (race group, answer value), no weights, no suppression. Wall time and
   the process's peak RSS (VmHWM, reset before each run); then one more run of each
   under tracemalloc for the peak of Python allocations. (a)'s figures are checked
   against (b)'s.
4. Where the time of (a) goes: one more run with timers around the app's functions and
   the SQL statements (wrapped from outside, nothing changed in the app).
5. The staff export of individual responses (``GET /staff/surveys/<id>/responses.csv``),
   if the app has it: streamed through the test client chunk by chunk, signed in as
   staff, for the large survey and for a second survey of ``--export-small`` (20,000)
   responses: peak memory should not grow with the number of responses.

    .venv/bin/python bench/results.py
    .venv/bin/python bench/results.py --database-url postgresql://127.0.0.1/engage_bench

A PostgreSQL database given with --database-url is wiped (schema public is dropped and
rebuilt from the migrations): use a database of its own, never a real one. It is left
alone if another session is connected to it (another benchmark running?), unless --force.

Exit status: 0 after a run (missing the aims does not change it), 1 if a figure of (a)
differs from (b)'s, 2 if the run failed or was refused, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import json
import math
import multiprocessing as mp
import os
import queue
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

SLUG = "bench-results"
SMALL_SLUG = "bench-results-small"
BY = "race_alone"
AIM_RATIO = 2.0  # the app at most 2x the plain GROUP BY
AIM_MB = 300.0  # peak memory of the process
QUICK = {"responses": 3000, "rounds": 1, "export_small": 500}
SECRET = "engage-bench-results-secret-not-for-production"  # bench only
PASSWORD = "bench horse battery staple"  # bench only
FIXTURES = ROOT / "tests" / "demographics" / "fixtures"
TRACT_A, TRACT_B = "1400000US53033010001", "1400000US53033010002"
EXPORT_RULE = "/staff/surveys/<int:survey_id>/responses.csv"
BATCH = 5000  # responses generated and written per transaction
MB = 1024 * 1024


# -- the app and the database ---------------------------------------------------------

def make_app(url: str):  # type: ignore[no-untyped-def]
    """The Engage app on ``url`` (production-like Config, a fixed bench secret), with
    the responses export registered if the app has the module but not yet the route."""
    from config import Config, _normalise_db_url
    from engage import create_app

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=_normalise_db_url(url), SECRET_KEY=SECRET,
                     PROPAGATE_EXCEPTIONS=True)  # an export failing says why, not "500"
    app.config["BENCH_EXPORT"] = "registered by the app"
    if not _has_export_route(app):
        try:
            from engage.results.export_views import bp as exports_bp
        except Exception as err:  # absent, or broken mid-edit: reported
            app.config["BENCH_EXPORT"] = None
            app.config["BENCH_EXPORT_WHY"] = f"{type(err).__name__}: {err}"
        else:
            app.register_blueprint(exports_bp)
            app.config["BENCH_EXPORT"] = ("engage/results/export_views.py exists but its blueprint "
                                          "is not registered by create_app: registered by the bench")
            if not _has_export_route(app):
                app.config["BENCH_EXPORT"] = None
                app.config["BENCH_EXPORT_WHY"] = f"no route {EXPORT_RULE} in export_views.bp"
    return app


def _has_export_route(app) -> bool:  # type: ignore[no-untyped-def]
    return any(rule.rule == EXPORT_RULE for rule in app.url_map.iter_rules())


def dialect_of(url: str) -> str:
    return urlsplit(url).scheme.split("+")[0] or "sqlite"


def fresh_schema() -> None:
    """Inside an app context: PostgreSQL's schema public dropped and recreated, then the
    schema from the migrations only."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from engage.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()


def _t(en: str, es: str, vi: str) -> dict[str, str]:
    return {"en": en, "es": es, "vi": vi}


def ordinary_questions():  # type: ignore[no-untyped-def]
    from engage.surveys.operations import ChoiceData, QuestionData

    def c(value: str, en: str, es: str, vi: str) -> ChoiceData:
        return ChoiceData(_t(en, es, vi), value)

    return [
        QuestionData("single_choice", _t("Top priority?", "¿Prioridad?", "Ưu tiên?"), key="priority",
                     choices=[c("housing", "Housing", "Vivienda", "Nhà ở"),
                              c("transit", "Transit", "Tránsito", "Giao thông"),
                              c("parks", "Parks", "Parques", "Công viên"),
                              c("safety", "Safety", "Seguridad", "An toàn"),
                              c("libraries", "Libraries", "Bibliotecas", "Thư viện"),
                              c("other", "Other", "Otra", "Khác")]),
        QuestionData("multiple_choice", _t("How do you get around?", "¿Cómo se mueve?", "Đi lại?"),
                     key="transport",
                     choices=[c("car", "Car", "Carro", "Ô tô"), c("bus", "Bus", "Autobús", "Xe buýt"),
                              c("walk", "Walk", "A pie", "Đi bộ"), c("rail", "Rail", "Tren", "Tàu"),
                              c("bike", "Bike", "Bicicleta", "Xe đạp"),
                              c("other", "Other", "Otro", "Khác")]),
        QuestionData("rating", _t("Rate city services", "Califique", "Đánh giá"), key="satisfaction",
                     low_label=_t("Bad", "Malo", "Tệ"), high_label=_t("Good", "Bueno", "Tốt")),
        QuestionData("number", _t("Years here?", "¿Años aquí?", "Bao nhiêu năm?"), key="years",
                     minimum=0, maximum=100),
        QuestionData("yes_no", _t("Do you feel safe?", "¿Se siente seguro?", "An toàn?"), key="safe"),
    ]


def create_survey(slug: str, area_ids: list[int]) -> int:
    """A published survey of 12 questions, made with the app's operations; flushed."""
    from engage.surveys import operations
    from engage.surveys.operations import SurveyData
    from engage.surveys.standard_questions import add_standard_questions

    survey = operations.create_survey(SurveyData(
        slug=slug, title=_t("City survey", "Encuesta", "Khảo sát"), intro=_t("Tell us", "Cuéntenos",
                                                                             "Hãy cho biết"),
        thanks=_t("Thanks", "Gracias", "Cảm ơn"), default_locale="en", locales=["en", "es", "vi"],
        channels=["web", "sms", "voice"], sms_keyword="BENCH" + str(len(slug)),
        area_ids=area_ids))
    for question in ordinary_questions():
        operations.add_question(survey, question)
    add_standard_questions(survey, ["race_ethnicity", "age_band", "area", "home_language"])
    operations.publish_survey(survey)
    return survey.id


def prepare(app) -> int:  # type: ignore[no-untyped-def]
    """Fresh schema, neighbourhoods, baselines and the large survey: its id."""
    from engage.demographics import baselines
    from engage.extensions import db
    from engage.org.models import Area

    with app.app_context():
        fresh_schema()
        north, south = Area(slug="north", name={"en": "North"}), Area(slug="south", name={"en": "South"})
        db.session.add_all([north, south])
        db.session.flush()
        survey_id = create_survey(SLUG, [north.id, south.id])
        for table in ("B03002", "B01001"):
            name = f"ACSDT5Y2023.{table}-Data.csv"
            baselines.import_baseline((FIXTURES / name).read_bytes(), filename=name)
        baselines.map_geography(TRACT_A, "north")
        baselines.map_geography(TRACT_B, "south")
        db.session.commit()
        db.session.remove()
    return survey_id


def missing_tables(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Tables the app's models declare that the migrations did not create."""
    import sqlalchemy as sa

    from engage.extensions import db

    with app.app_context():
        present = set(sa.inspect(db.engine).get_table_names())
        return sorted(name for name in db.metadata.tables if name not in present)


def create_tables(app, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    from engage.extensions import db

    with app.app_context():
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[n] for n in names])


def add_small_survey(app) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from engage.extensions import db
    from engage.org.models import Area

    with app.app_context():
        areas = list(db.session.scalars(select(Area.id).order_by(Area.slug)))
        survey_id = create_survey(SMALL_SLUG, areas)
        db.session.commit()
        db.session.remove()
    return survey_id


def after_load(app) -> dict[str, Any]:
    """What a database would have done by itself after a bulk load: PostgreSQL's
    autovacuum analyses (and vacuums) freshly inserted tables; SQLite checkpoints its WAL.
    SQLite gets no ANALYZE: the app never runs one. Returns the database's size."""
    import sqlalchemy as sa

    from engage.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("response", "answer", "answer_choice", "response_tag"):
                    conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
                size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
        else:
            raw = engine.raw_connection()  # outside a transaction, or SQLite refuses
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
            path = Path(engine.url.database or "")
            size = path.stat().st_size if path.exists() else None
        with engine.connect() as conn:
            counts = {t: int(conn.scalar(sa.text(f"SELECT count(*) FROM {t}")))
                      for t in ("response", "answer", "answer_choice", "response_tag")}
    return {"database_bytes": size, "rows": counts}


CHANGED = 1000  # responses changed for the incremental refresh's measurement
AIM_P50 = 0.3  # seconds: (a) served from the aggregates (issue 16)
AIM_PAGE = 2.0  # seconds: the whole staff results page


def bring_up_to_date(app, survey_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The rows were written directly, as a bulk load does: the aggregates are rebuilt
    (``flask engage rebuild-results``'s work), then CHANGED responses change an answer (the
    rating turned around, ``updated_at`` moved, as the answer paths do) and an
    incremental refresh brings them up to date. Both timed, with a commit each."""
    import sqlalchemy as sa

    from engage.core.clock import utcnow
    from engage.extensions import db
    from engage.results import aggregates
    from engage.surveys.models import Question

    out: dict[str, Any] = {}
    with app.app_context():
        t0 = time.perf_counter()
        out["rebuilt_responses"] = aggregates.rebuild(survey_id).changed
        db.session.commit()
        out["rebuild_seconds"] = time.perf_counter() - t0
        out["rows"] = db.session.scalar(sa.text("SELECT count(*) FROM result_count"))
        rating = db.session.scalar(sa.select(Question.id).where(
            Question.survey_id == survey_id, Question.type == "rating"))
        ids = list(db.session.scalars(sa.text(
            "SELECT DISTINCT response_id FROM answer WHERE question_id = :q AND number IS NOT NULL"
            " ORDER BY response_id LIMIT :n"), {"q": rating, "n": CHANGED}))
        db.session.execute(sa.text("UPDATE answer SET number = 6 - number WHERE question_id = :q"
                                   " AND response_id = :r"), [{"q": rating, "r": r} for r in ids])
        db.session.execute(sa.update(sa.table("response", sa.column("id"), sa.column("updated_at")))
                           .where(sa.column("id").in_(ids)).values(updated_at=utcnow()))
        db.session.commit()
        t0 = time.perf_counter()
        out["refreshed_responses"] = aggregates.refresh(survey_id).changed
        db.session.commit()
        out["refresh_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out["differences"] = len(aggregates.differences(survey_id))
        out["check_seconds"] = time.perf_counter() - t0
        db.session.remove()
    return out


def staff_page(app, survey_id: int, rounds: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The whole staff results page (GET, signed in, every question, its refresh first)
    at this size, in-process: wall seconds per run."""
    client = staff_client(app)
    seconds = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = client.get(f"/staff/surveys/{survey_id}/results", headers={"Accept-Language": "en"})
        seconds.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"the staff results page answered {response.status_code}")
    return {"runs_seconds": seconds, "median_seconds": statistics.median(seconds)}


# -- generating responses ---------------------------------------------------------------

class Dist:
    """A categorical distribution; ``None`` among the values means "skipped"."""

    def __init__(self, pairs: dict[Any, float]) -> None:
        self.values = list(pairs)
        total, self.cum = 0.0, []
        for weight in pairs.values():
            total += weight
            self.cum.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> Any:
        return self.values[min(bisect.bisect(self.cum, rng.random() * self.total), len(self.values) - 1)]


CHANNEL = Dist({"web": 0.68, "sms": 0.27, "voice": 0.05})
LOCALE = Dist({"en": 0.74, "es": 0.16, "vi": 0.10})
#: Race and ethnicity answers ("select all"): a few large groups, small ones, combinations.
RACE = Dist({("white",): 0.40, ("asian",): 0.15, ("black",): 0.085, ("hispanic",): 0.075,
             ("hispanic", "white"): 0.04, ("mena",): 0.015, ("nhpi",): 0.006, ("aian",): 0.004,
             ("asian", "white"): 0.025, ("black", "white"): 0.012, ("aian", "white"): 0.006,
             ("black", "hispanic"): 0.004, ("asian", "nhpi"): 0.003, ("aian", "black", "white"): 0.001,
             ("prefer_not",): 0.04, None: 0.08})
HOME_LANGUAGE = {
    "en": Dist({"en": 0.72, "es": 0.04, "zh": 0.06, "vi": 0.02, "tl": 0.04, "ar": 0.012, "so": 0.02,
                "ko": 0.02, "other": 0.03, "prefer_not": 0.018, None: 0.02}),
    "es": Dist({"es": 0.82, "en": 0.12, "other": 0.03, None: 0.03}),
    "vi": Dist({"vi": 0.86, "en": 0.08, "zh": 0.02, None: 0.04}),
}
ENGLISH_ABILITY = Dist({"very_well": 0.3, "well": 0.3, "not_well": 0.24, "not_at_all": 0.09,
                        "prefer_not": 0.02, None: 0.05})
AREA = Dist({"north": 0.47, "south": 0.41, "elsewhere": 0.06, "prefer_not": 0.02, None: 0.04})
AGE = Dist({"age_under_18": 0.01, "age_18_24": 0.06, "age_25_34": 0.15, "age_35_44": 0.18,
            "age_45_54": 0.17, "age_55_64": 0.18, "age_65_74": 0.15, "age_75_plus": 0.07,
            "prefer_not": 0.02, None: 0.01})
PRIORITY = {  # skewed by race group, so that groups differ
    "default": Dist({"housing": 0.28, "transit": 0.22, "parks": 0.2, "safety": 0.2, "libraries": 0.085,
                     "other": 0.005, None: 0.04}),
    "renters": Dist({"housing": 0.42, "transit": 0.2, "parks": 0.1, "safety": 0.2, "libraries": 0.035,
                     "other": 0.005, None: 0.04}),
}
TRANSPORT = {"car": 0.55, "bus": 0.35, "walk": 0.45, "rail": 0.15, "bike": 0.08, "other": 0.004}
SATISFACTION = Dist({1: 0.08, 2: 0.14, 3: 0.3, 4: 0.32, 5: 0.11, None: 0.05})
SAFE = Dist({"yes": 0.66, "no": 0.28, None: 0.06})
WRITE_INS = ("Cherokee Nation", "Sami", "Romani", "Hmong", "Tlingit", "Kurdish", "Amazigh",
             "call me at 206-555-0100", "Duwamish")
IN_PROGRESS = 0.08


@dataclass
class Rows:
    response: list[tuple] = field(default_factory=list)
    answer: list[tuple] = field(default_factory=list)
    answer_choice: list[tuple] = field(default_factory=list)
    response_tag: list[tuple] = field(default_factory=list)


RESPONSE_COLUMNS = ("id", "survey_id", "respondent_id", "token", "channel", "locale", "status",
                    "current_key", "history", "misses", "synthetic", "started_at", "updated_at",
                    "completed_at", "version")
ANSWER_COLUMNS = ("id", "response_id", "question_id", "number", "text", "answered_at")
CHOICE_COLUMNS = ("answer_id", "value")
TAG_COLUMNS = ("response_id", "dimension", "value")


class Generator:
    """Residents answering the survey, one after another, written as the app writes
    them: an ``answer`` row per answered question (choices in ``answer_choice``, numbers
    in ``answer.number``, words in ``answer.text``), ``response_tag`` rows for the
    questions carrying a dimension; unanswered questions leave no row."""

    def __init__(self, spec, survey_id: int, seed: int, first_response: int, first_answer: int) -> None:  # type: ignore[no-untyped-def]
        self.spec = spec
        self.survey_id = survey_id
        self.rng = random.Random(seed)
        self.seed = seed
        self.next_response = first_response
        self.next_answer = first_answer
        self.q = {q.key: q for q in spec.questions}
        self.order = [q.key for q in spec.questions]
        self.detail = defaultdict(list)
        for choice in self.q["race_detail"].choices:
            self.detail[choice.group].append(choice.value)
        self.start = datetime(2026, 9, 1, tzinfo=UTC)
        self._check_values()

    def _check_values(self) -> None:
        """Every value drawn is one the survey offers (a typo would count nothing)."""
        from engage.engine import question_type

        def offered(key: str) -> set[str]:
            q = self.q[key]
            return {c.value for c in question_type(q).choices(q)}

        checks = {"race_ethnicity": {v for combo in RACE.values if combo for v in combo},
                  "area": set(AREA.values), "age_band": set(AGE.values), "safe": set(SAFE.values),
                  "english_ability": set(ENGLISH_ABILITY.values), "transport": set(TRANSPORT),
                  "home_language": {v for d in HOME_LANGUAGE.values() for v in d.values},
                  "priority": {v for d in PRIORITY.values() for v in d.values}}
        for key, values in checks.items():
            missing = {v for v in values if v is not None} - offered(key)
            if missing:
                raise RuntimeError(f"{key}: the survey offers no {sorted(missing)}")

    def _value(self, key: str, channel: str, locale: str, answers: dict[str, Any]) -> Any:
        rng = self.rng
        if key == "priority":
            renters = answers.get("_group") in ("black", "hispanic")
            return PRIORITY["renters" if renters else "default"].draw(rng)
        if key == "transport":
            if rng.random() < 0.05:
                return None
            picked = tuple(v for v, p in TRANSPORT.items() if rng.random() < p)
            return picked or ("car",)
        if key == "satisfaction":
            return SATISFACTION.draw(rng)
        if key == "years":
            return None if rng.random() < 0.08 else float(min(100, int(rng.expovariate(1 / 9))))
        if key == "safe":
            return SAFE.draw(rng)
        if key == "race_ethnicity":
            return answers["_race"]
        if key == "race_detail":
            if rng.random() < 0.45:
                return None
            groups = [g for g in answers["race_ethnicity"] if g in self.detail]
            picked = {rng.choice(self.detail[rng.choice(groups)]) for _ in range(1 + (rng.random() < 0.2))}
            return tuple(v for v in self.detail_order if v in picked)
        if key == "race_other":
            return rng.choice(WRITE_INS) if rng.random() < 0.02 else None
        if key == "home_language":
            return HOME_LANGUAGE[locale].draw(rng)
        if key == "english_ability":
            return ENGLISH_ABILITY.draw(rng)
        if key == "area":
            return AREA.draw(rng)
        if key == "age_band":
            return AGE.draw(rng)
        raise KeyError(key)

    @property
    def detail_order(self) -> list[str]:
        return [c.value for c in self.q["race_detail"].choices]

    def _asked(self, key: str, channel: str, answers: dict[str, Any]) -> bool:
        q = self.q[key]
        if key in ("race_detail", "race_other") and channel != "web":
            return False  # the standard questions ask these on the web only
        if key == "race_detail":
            race = answers.get("race_ethnicity") or ()
            return any(g in self.detail for g in race)
        if key == "english_ability":
            return answers.get("home_language") not in (None, "en", "prefer_not")
        return q.condition is None

    def one(self, rows: Rows) -> None:
        from engage.engine import question_type

        rng = self.rng
        rid = self.next_response
        self.next_response += 1
        channel, locale = CHANNEL.draw(rng), LOCALE.draw(rng)
        started = self.start + timedelta(seconds=rng.random() * 60 * 86400)
        race = RACE.draw(rng)  # who the resident is, first: earlier answers depend on it
        alone = [v for v in race or () if v != "prefer_not"]
        answers: dict[str, Any] = {"_race": race, "_group": alone[0] if len(alone) == 1 else None}
        asked: list[str] = []
        for key in self.order:
            if not self._asked(key, channel, answers):
                continue
            asked.append(key)
            value = self._value(key, channel, locale, answers)
            answers[key] = value
        stop = len(asked)
        if rng.random() < IN_PROGRESS:
            stop = rng.randrange(len(asked))
        for position, key in enumerate(asked[:stop]):
            q, value = self.q[key], answers[key]
            when = started + timedelta(seconds=15 * (position + 1))
            if q.dimension:
                values = value if isinstance(value, tuple) else () if value is None else (value,)
                for tag in dict.fromkeys(str(v) for v in values):
                    rows.response_tag.append((rid, q.dimension, tag))
            if value is None:
                continue
            aid = self.next_answer
            self.next_answer += 1
            storage = question_type(q).storage
            number = text = None
            if storage == "choices":
                for v in (value if isinstance(value, tuple) else (value,)):
                    rows.answer_choice.append((aid, str(v)))
            elif storage == "number":
                number = float(value)
            else:
                text = str(value)
            rows.answer.append((aid, rid, q.id, number, text, when))
        done = stop == len(asked)
        finished = started + timedelta(seconds=15 * (stop + 1))
        rows.response.append((
            rid, self.survey_id, None, f"b{self.seed:x}r{rid:x}{rng.getrandbits(64):016x}", channel,
            locale, "complete" if done else "in_progress", None if done else asked[stop],
            asked[:stop], 0, False, started, finished, finished if done else None, 1 + stop))


def _write_sqlite(conn, rows: Rows) -> None:  # type: ignore[no-untyped-def]
    """Core executemany of plain dicts (the column types still process each value)."""
    from engage.responses.models import Answer, AnswerChoice, Response, ResponseTag

    for model, columns, data in ((Response, RESPONSE_COLUMNS, rows.response),
                                 (Answer, ANSWER_COLUMNS, rows.answer),
                                 (AnswerChoice, CHOICE_COLUMNS, rows.answer_choice),
                                 (ResponseTag, TAG_COLUMNS, rows.response_tag)):
        if data:
            conn.execute(model.__table__.insert(), [dict(zip(columns, row, strict=True)) for row in data])


def _write_postgresql(dbapi, rows: Rows) -> None:  # type: ignore[no-untyped-def]
    """COPY ... FROM STDIN through psycopg (history as JSON text for the jsonb column)."""
    with dbapi.cursor() as cur:
        for table, columns, data in (("response", RESPONSE_COLUMNS, rows.response),
                                     ("answer", ANSWER_COLUMNS, rows.answer),
                                     ("answer_choice", CHOICE_COLUMNS, rows.answer_choice),
                                     ("response_tag", TAG_COLUMNS, rows.response_tag)):
            if not data:
                continue
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                if table == "response":
                    for row in data:
                        copy.write_row(row[:8] + (json.dumps(row[8]),) + row[9:])
                else:
                    for row in data:
                        copy.write_row(row)


def generate(url: str, slug: str, count: int, seed: int) -> dict[str, Any]:
    """Write ``count`` responses to survey ``slug``; the figures of the load."""
    import sqlalchemy as sa
    from sqlalchemy import func, select

    from engage.extensions import db
    from engage.responses.models import Answer, Response
    from engage.surveys.models import Survey
    from engage.surveys.queries import survey_spec

    app = make_app(url)
    started = time.perf_counter()
    totals = defaultdict(int)
    with app.app_context():
        survey = db.session.scalar(select(Survey).where(Survey.slug == slug))
        spec = survey_spec(survey)
        first_response = (db.session.scalar(select(func.max(Response.id))) or 0) + 1
        first_answer = (db.session.scalar(select(func.max(Answer.id))) or 0) + 1
        gen = Generator(spec, survey.id, seed, first_response, first_answer)
        db.session.remove()
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        for start in range(0, count, BATCH):
            rows = Rows()
            for _ in range(min(BATCH, count - start)):
                gen.one(rows)
            for name in ("response", "answer", "answer_choice", "response_tag"):
                totals[name] += len(getattr(rows, name))
            if postgres:
                raw = engine.raw_connection()
                try:
                    _write_postgresql(raw.driver_connection, rows)
                    raw.commit()
                finally:
                    raw.close()
            else:
                with engine.begin() as conn:
                    _write_sqlite(conn, rows)
        if postgres:
            with engine.begin() as conn:
                for table in ("response", "answer"):
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))"))
        engine.dispose()
    return {"seconds": time.perf_counter() - started, "rows": dict(totals)}


def _generate_child(url: str, slug: str, count: int, seed: int, out: mp.Queue) -> None:
    try:
        out.put(("ok", generate(url, slug, count, seed)))
    except BaseException:  # sent to the parent, which reports it
        out.put(("error", traceback.format_exc()))


def generate_in_child(url: str, slug: str, count: int, seed: int) -> dict[str, Any]:
    """Generation in a process of its own: its memory never shows in our figures."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_generate_child, args=(url, slug, count, seed, out))
    proc.start()
    try:
        while True:
            try:
                status, payload = out.get(timeout=5)
                break
            except queue.Empty:
                if not proc.is_alive():
                    status, payload = "error", f"the process exited with code {proc.exitcode}"
                    break
    finally:
        proc.join(timeout=60)
        if proc.is_alive():
            proc.terminate()
            proc.join()
    if status != "ok":
        raise RuntimeError(f"generation failed:\n{payload}")
    return payload


# -- measuring ------------------------------------------------------------------------------

def _status_kb(name: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


@dataclass
class Run:
    seconds: float
    rss_start_mb: float | None
    rss_peak_mb: float | None  # VmHWM after a reset at the start: this run's peak RSS


def timed(fn: Callable[[], Any]) -> tuple[Run, Any]:
    gc.collect()
    resettable = _reset_peak_rss()
    start_kb = _status_kb("VmRSS")
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak_kb = _status_kb("VmHWM") if resettable else None
    return Run(seconds, start_kb / 1024 if start_kb else None, peak_kb / 1024 if peak_kb else None), result


def python_peak(fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(peak of Python allocations above the start, seconds under tracemalloc, peak RSS)."""
    gc.collect()
    resettable = _reset_peak_rss()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    try:
        fn()
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    peak_kb = _status_kb("VmHWM") if resettable else None
    return (peak - base) / MB, seconds, (peak_kb / 1024 if peak_kb else math.nan)


def in_request(app, survey_id: int, fn: Callable[[], Any]) -> Any:  # type: ignore[no-untyped-def]
    """As the API's request would: a GET request context (its own app context, so the
    session is removed at the end)."""
    path = f"/api/v1/surveys/{SLUG}/results?by={BY}&weighted=1"
    with app.test_request_context(path, headers={"Accept-Language": "en"}):
        return fn()


def app_path(survey_id: int) -> tuple[list, Any]:
    """(a) What a request for the weighted public results by race does."""
    from engage.extensions import db
    from engage.results.queries import NO_FILTERS
    from engage.results.summary import summarize
    from engage.results.weighting import compute_weights
    from engage.surveys.models import Survey
    from engage.surveys.queries import survey_spec

    survey = db.session.get(Survey, survey_id)
    spec = survey_spec(survey)
    weights = compute_weights(survey.id, NO_FILTERS)
    summaries = summarize(survey.id, spec, BY, spec.locale_for("en"), public=True, filters=NO_FILTERS,
                          weights=weights)
    return summaries, weights


RACE_GROUP = ("SELECT response_id AS rid, CASE WHEN count(*) = 1 THEN min(value) ELSE 'multiracial' END AS g"
              " FROM response_tag WHERE dimension = 'race_ethnicity' AND value <> 'prefer_not'"
              " GROUP BY response_id")
BASELINE = {
    "choices": ("SELECT coalesce(rg.g, 'not_answered') AS g, c.value AS v, count(*) AS n"
                " FROM answer a JOIN response r ON r.id = a.response_id"
                " JOIN answer_choice c ON c.answer_id = a.id"
                f" LEFT JOIN ({RACE_GROUP}) rg ON rg.rid = a.response_id"
                " WHERE a.question_id = :q AND r.survey_id = :s AND r.synthetic = :synthetic"
                " GROUP BY coalesce(rg.g, 'not_answered'), c.value"),
    "number": ("SELECT coalesce(rg.g, 'not_answered') AS g, a.number AS v, count(*) AS n"
               " FROM answer a JOIN response r ON r.id = a.response_id"
               f" LEFT JOIN ({RACE_GROUP}) rg ON rg.rid = a.response_id"
               " WHERE a.question_id = :q AND r.survey_id = :s AND r.synthetic = :synthetic"
               " AND a.number IS NOT NULL GROUP BY coalesce(rg.g, 'not_answered'), a.number"),
    "text": ("SELECT coalesce(rg.g, 'not_answered') AS g, NULL AS v, count(*) AS n"
             " FROM answer a JOIN response r ON r.id = a.response_id"
             f" LEFT JOIN ({RACE_GROUP}) rg ON rg.rid = a.response_id"
             " WHERE a.question_id = :q AND r.survey_id = :s AND r.synthetic = :synthetic"
             " AND a.text IS NOT NULL GROUP BY coalesce(rg.g, 'not_answered')"),
}


ONE_KEY = "priority"  # the question of (c) and (d): single choice, 6 answers
ONE_ROUNDS = 9  # runs of (c) and (d), in turn: their p50 is the aim


def one_question_path(survey_id: int, key: str = ONE_KEY) -> tuple[list, Any]:
    """(c) One question x one breakdown as the app serves it (public, weighted): the
    survey's weights, then that question's summary by race alone with weighted shares."""
    from engage.extensions import db
    from engage.results.queries import NO_FILTERS, resolved
    from engage.results.summary import group_labels, summarize_question, with_weights
    from engage.results.weighting import compute_weights
    from engage.surveys.models import Survey
    from engage.surveys.queries import survey_spec

    survey = db.session.get(Survey, survey_id)
    spec = survey_spec(survey)
    filters = resolved(survey.id, NO_FILTERS)
    weights = compute_weights(survey.id, filters)
    q = spec.question(key)
    locale = spec.locale_for("en")
    summary = summarize_question(survey.id, spec, q, BY, group_labels(spec, BY, locale), locale,
                                 public=True, filters=filters)
    if weights is not None and summary.rows:
        summary = with_weights(summary, survey.id, q, BY, filters, weights)
    return [summary], weights


def one_baseline_path(survey_id: int, key: str = ONE_KEY) -> dict[str, list[tuple]]:
    """(d) The plain GROUP BY of that one question: respondents per (race group, answer)."""
    import sqlalchemy as sa

    from engage.extensions import db
    from engage.surveys.models import Survey
    from engage.surveys.queries import survey_spec

    q = survey_spec(db.session.get(Survey, survey_id)).question(key)
    return {key: [tuple(row) for row in db.session.execute(
        sa.text(BASELINE["choices"]), {"q": q.id, "s": survey_id, "synthetic": False})]}


def baseline_path(survey_id: int) -> dict[str, list[tuple]]:
    """(b) One plain GROUP BY per question: respondents per (race group, answer value)."""
    import sqlalchemy as sa

    from engage.engine import question_type
    from engage.extensions import db
    from engage.surveys.models import Survey
    from engage.surveys.queries import survey_spec

    spec = survey_spec(db.session.get(Survey, survey_id))
    out = {}
    for q in spec.questions:
        storage = question_type(q).storage
        if storage in BASELINE:
            out[q.key] = [tuple(row) for row in db.session.execute(
                sa.text(BASELINE[storage]), {"q": q.id, "s": survey_id, "synthetic": False})]
    return out


def check(summaries: list, cells: dict[str, list[tuple]]) -> dict[str, int]:
    """(a) against (b): every count (a) shows equals (b)'s; hidden ones are counted."""
    result = {"equal": 0, "hidden": 0, "different": 0, "groups": 0, "means_equal": 0}
    for s in summaries:
        by_cell = {(g, v): n for g, v, n in cells.get(s.key, ())}
        per_group: dict[str, int] = defaultdict(int)
        sums: dict[str, float] = defaultdict(float)
        for (g, v), n in by_cell.items():
            per_group[g] += n
            if v is not None and not isinstance(v, str):
                sums[g] += float(v) * n
        result["groups"] = max(result["groups"], len(s.columns))
        for row in s.rows:
            for col, fig in zip(s.columns, row.figures, strict=True):
                if fig.count is None:
                    result["hidden"] += 1
                elif fig.count == by_cell.get((col.group, row.value), 0):
                    result["equal"] += 1
                else:
                    result["different"] += 1
        for number in s.numbers:
            g = number.column.group
            if number.mean is None:
                result["hidden"] += 1
            elif math.isclose(number.mean, sums[g] / per_group[g], rel_tol=1e-9):
                result["means_equal"] += 1
            else:
                result["different"] += 1
        if not s.rows and not s.numbers:  # free text: respondents per group
            for col in s.columns:
                if col.n is None:
                    result["hidden"] += 1
                elif col.n == per_group.get(col.group, 0):
                    result["equal"] += 1
                else:
                    result["different"] += 1
    return result


def breakdown(app, survey_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Where (a)'s time goes, in one more run: timers around the app's functions
    (patched from outside for that run only) and every SQL statement's cursor execute
    time (engine events), counted against the innermost timed function running it."""
    from sqlalchemy import event

    from engage.extensions import db
    from engage.results import queries, summary, weighting

    spent: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(
        ("seconds", "calls", "statements", "sql_seconds"), 0))
    restore: list[tuple[object, str, object]] = []
    stack = ["(outside these functions)"]
    not_found: list[str] = []  # the app moved on: said in the report, not a failure

    def wrap(module: Any, name: str, label: Callable[..., str]) -> None:
        original = getattr(module, name, None)
        if original is None:
            not_found.append(f"{module.__name__}.{name}")
            return

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            stack.append(label(*args, **kwargs))
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                cell = spent[stack.pop()]
                cell["seconds"] += time.perf_counter() - t0
                cell["calls"] += 1

        restore.append((module, name, original))
        setattr(module, name, timed_call)

    def by_label(name: str) -> Callable[..., str]:
        def label(*args: Any, **kwargs: Any) -> str:
            return f"{name}(by={kwargs['by'] if 'by' in kwargs else args[2]})"

        return label

    wrap(weighting, "compute_weights", lambda *a, **k: "compute_weights")
    wrap(weighting, "rake", lambda *a, **k: "  rake (Python)")
    wrap(summary, "question_counts", by_label("question_counts"))
    wrap(summary, "weighted_question_counts", by_label("weighted_question_counts"))
    wrap(summary, "suppress", lambda *a, **k: "suppress (Python)")
    wrap(queries, "counts_synthetic", lambda *a, **k: "counts_synthetic (inside the others)")
    started: list[float] = []
    slowest: list[tuple[float, str, str]] = []

    def before(*_a: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        took = time.perf_counter() - started.pop()
        cell = spent[stack[-1]]
        cell["statements"] += 1
        cell["sql_seconds"] += took
        slowest.append((took, stack[-1], " ".join(statement.split())[:160]))

    def run() -> None:
        from engage.results.queries import NO_FILTERS
        from engage.surveys.models import Survey
        from engage.surveys.queries import survey_spec

        spec = survey_spec(db.session.get(Survey, survey_id))
        weights = weighting.compute_weights(survey_id, NO_FILTERS)
        summary.summarize(survey_id, spec, BY, spec.locale_for("en"), public=True,
                          filters=NO_FILTERS, weights=weights)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        t0 = time.perf_counter()
        in_request(app, survey_id, run)
        total = time.perf_counter() - t0
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        for module, name, original in reversed(restore):
            setattr(module, name, original)
    slowest.sort(reverse=True)
    return {
        "total_seconds": total,
        "functions": dict(spent),
        "sql": {"statements": sum(int(c["statements"]) for c in spent.values()),
                "execute_seconds": sum(c["sql_seconds"] for c in spent.values())},
        "slowest_statements": [{"seconds": t, "in": f, "sql": q} for t, f, q in slowest[:6]],
        "not_found": not_found,
    }


# -- the export -------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def staff_client(app):  # type: ignore[no-untyped-def]
    """A test client signed in as engagement staff through the login form (CSRF)."""
    from engage.accounts.operations import create_user
    from engage.extensions import db

    email = "bench-staff@city.test"
    with app.app_context():
        from engage.accounts.operations import user_by_email

        if user_by_email(email) is None:
            create_user(email, PASSWORD, "staff")
            db.session.commit()
    client = app.test_client()
    page = client.get("/staff/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    match = CSRF_RE.search(page)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    response = client.post("/staff/login", data={"csrf_token": match.group(1), "email": email,
                                                 "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")
    return client


def stream_export(client, survey_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """GET the responses CSV unbuffered and read it chunk by chunk, keeping nothing."""
    response = client.get(f"/staff/surveys/{survey_id}/responses.csv", buffered=False)
    if response.status_code != 200:
        body = response.get_data(as_text=True)[:300]
        response.close()
        raise RuntimeError(f"export answered {response.status_code}: {body}")
    size = chunks = lines = 0
    largest = 0
    try:
        for chunk in response.response:
            data = chunk if isinstance(chunk, bytes) else str(chunk).encode()
            size += len(data)
            chunks += 1
            lines += data.count(b"\n")
            largest = max(largest, len(data))
    finally:
        response.close()
    return {"bytes": size, "chunks": chunks, "lines": lines, "largest_chunk": largest}


def measure_export(app, client, survey_id: int, responses: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    run, stats = timed(lambda: stream_export(client, survey_id))
    py_peak, py_seconds, _ = python_peak(lambda: stream_export(client, survey_id))
    return {"responses": responses, "seconds": run.seconds, "rss_start_mb": run.rss_start_mb,
            "rss_peak_mb": run.rss_peak_mb, "python_peak_mb": py_peak,
            "seconds_under_tracemalloc": py_seconds, **stats}


# -- the report -------------------------------------------------------------------------

def summary_of(runs: list[Run]) -> dict[str, Any]:
    seconds = [r.seconds for r in runs]
    peaks = [r.rss_peak_mb for r in runs if r.rss_peak_mb is not None]
    starts = [r.rss_start_mb for r in runs if r.rss_start_mb is not None]
    return {"runs_seconds": seconds, "best_seconds": min(seconds),
            "median_seconds": statistics.median(seconds), "rss_peak_mb": max(peaks) if peaks else None,
            "rss_start_mb": min(starts) if starts else None}


def cpu_busy(seconds: float = 1.0) -> float | None:
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + (values[4] if len(values) > 4 else 0)

    try:
        t1, i1 = sample()
        time.sleep(seconds)
        t2, i2 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (i2 - i1) / (t2 - t1) if t2 > t1 else None


def finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def mb(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0f} MB"


BREAKDOWN_ORDER = ("compute_weights", "rake", "question_counts(by=race", "question_counts(by=None",
                   "weighted_question_counts", "suppress", "counts_synthetic")


def ratio_lines(f: dict[str, Any], quick: bool) -> list[str]:
    """The RATIO line: (a)'s median over (b)'s, both medians (the p50 of the rounds)."""
    a, b = f["app"], f["baseline"]
    return [harness.ratio_line(
        "results", "engage/groupby", f["ratio_median"], f"aim <= {AIM_RATIO:g}",
        f["ratio_median"] <= AIM_RATIO, quick,
        f"p50 engage {a['median_seconds']:.3f} s groupby {b['median_seconds']:.3f} s, "
        f"{f['questions']} questions by {BY}, {f['responses']:,} responses"),
        harness.ratio_line(
            "results", "one:engage/groupby",
            f["one"]["median_seconds"] / f["one_baseline"]["median_seconds"],
            f"aim p50 < {AIM_P50:g} s", f["aims"]["one_p50_met"], quick,
            f"p50 engage {f['one']['median_seconds']:.3f} s groupby "
            f"{f['one_baseline']['median_seconds']:.3f} s, one question ({ONE_KEY}) by {BY}, "
            f"{f['responses']:,} responses")]


def report(f: dict[str, Any], say: Callable[..., None], quick: bool = False) -> None:
    a, b = f["app"], f["baseline"]
    say(f"\n{f['database']}: {f['responses']:,} responses x {f['questions']} questions "
        f"(rows: {', '.join(f'{k} {v:,}' for k, v in f['load']['rows'].items())}; "
        f"database {f['load']['database_bytes'] / MB:.0f} MB)")
    say(f"generated and written in {f['generation']['seconds']:.1f} s (not part of the measurement)")
    say(f"machine: {f['machine']['cpus']} CPUs, load average {f['machine']['load_before']} before, "
        f"{f['machine']['load_after']} after; CPUs {f['machine']['busy_before_pct']}% busy in the second "
        "before the run")
    say("\n| measured | runs (s) | best s | median s | peak RSS | Python peak (tracemalloc) |")
    say("|---|---|---:|---:|---:|---:|")
    for name, s in (("(a) app: compute_weights + summarize(by=race_alone, public, weighted)", a),
                    ("(b) baseline: one plain GROUP BY per question", b)):
        say(f"| {name} | {', '.join(f'{x:.2f}' for x in s['runs_seconds'])} | {s['best_seconds']:.2f} | "
            f"{s['median_seconds']:.2f} | {mb(s['rss_peak_mb'])} | {s['python_peak_mb']:.1f} MB |")
    say(f"\nratio a/b: best {f['ratio_best']:.1f}x, median {f['ratio_median']:.1f}x "
        f"(aim <= {AIM_RATIO:g}x: {harness.verdict(f['ratio_median'] <= AIM_RATIO, quick)})")
    g, page = f["aggregates"], f["staff_page"]
    say(f"(a) median {a['median_seconds']:.3f} s (aim < {AIM_P50:g} s: "
        f"{harness.verdict(f['aims']['p50_met'], quick)}); the whole staff results page: runs "
        f"{', '.join(f'{x:.2f}' for x in page['runs_seconds'])} s (aim < {AIM_PAGE:g} s: "
        f"{harness.verdict(f['aims']['page_met'], quick)})")
    o, ob, oc = f["one"], f["one_baseline"], f["one_check"]
    say(f"(c) one question ({ONE_KEY}) x {f['by']}, public, weighted, as the app serves it: p50 "
        f"{o['median_seconds']:.3f} s (runs {', '.join(f'{x:.3f}' for x in o['runs_seconds'])}; aim < "
        f"{AIM_P50:g} s: {harness.verdict(f['aims']['one_p50_met'], quick)}); (d) its plain GROUP BY: "
        f"p50 {ob['median_seconds']:.3f} s; ratio {o['median_seconds'] / ob['median_seconds']:.2f}x; "
        f"(c) against (d): {oc['equal']} equal, {oc['hidden']} hidden, {oc['different']} different")
    say(f"aggregates: full rebuild {g['rebuild_seconds']:.1f} s ({g['rebuilt_responses']:,} responses, "
        f"{g['rows']:,} rows); incremental refresh of {g['refreshed_responses']:,} changed responses "
        f"{g['refresh_seconds']:.2f} s; check against a recount: {g['differences']} rows differ "
        f"({g['check_seconds']:.1f} s)")
    say(f"peak RSS of the process during (a): {mb(a['rss_peak_mb'])} (it held {mb(a['rss_start_mb'])} "
        f"before; aim < {AIM_MB:g} MB: {harness.verdict((a['rss_peak_mb'] or 0) < AIM_MB, quick)}); "
        f"peak RSS = VmHWM reset before each run; ru_maxrss for the whole process {f['maxrss_mb']:.0f} MB")
    c = f["check"]
    say(f"check (a) against (b): {c['equal']} counts equal, {c['means_equal']} means equal, "
        f"{c['hidden']} hidden by suppression, {c['different']} different; "
        f"(a) weights: n {f['weights']['n']:.0f}, n_eff {f['weights']['n_eff']:.0f}, "
        f"design effect {f['weights']['design_effect']:.2f}, converged {f['weights']['converged']}")
    if f.get("breakdown"):
        d = f["breakdown"]
        say(f"\nwhere (a)'s {d['total_seconds']:.2f} s go (one run, timers around the app's functions; "
            "nested lines are included in the line above them):")
        say(f"  {'function':<44} {'total s':>8} {'calls':>5}   "
            f"{'its own SQL: statements':>23} {'execute s':>9}")
        for name in sorted(d["functions"], key=lambda n: next(
                (i for i, p in enumerate(BREAKDOWN_ORDER) if n.strip().startswith(p)), 99)):
            v = d["functions"][name]
            total = f"{v['seconds']:8.2f}" if v["calls"] else " " * 8
            say(f"  {name:<44} {total} {int(v['calls']):5d}   "
                f"{int(v['statements']):23d} {v['sql_seconds']:9.2f}")
        sql = d["sql"]
        say(f"  SQL in all: {sql['statements']} statements, cursor execute time "
            f"{sql['execute_seconds']:.2f} s ({100 * sql['execute_seconds'] / d['total_seconds']:.0f}% "
            f"of the run); (b) runs {f['baseline_statements']}")
        if d.get("not_found"):
            say(f"  not timed, the app has no {', '.join(d['not_found'])} any more")
    e = f.get("export")
    say("")
    if not e or not e.get("available"):
        say(f"export of individual responses: skipped: {(e or {}).get('why', 'not run')}")
    else:
        say(f"export GET {EXPORT_RULE} ({e['how']}), streamed chunk by chunk:")
        if e.get("tables_created_by_bench"):
            say(f"(the migrations do not create {', '.join(e['tables_created_by_bench'])} yet; the "
                "export logs each download in audit_event: the bench created the missing tables "
                "from the models, after (a) and (b))")
        say("| responses | seconds | MB sent | chunks | lines | peak RSS | RSS before | Python peak |")
        say("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in e["runs"]:
            say(f"| {r['responses']:,} | {r['seconds']:.1f} | {r['bytes'] / MB:.1f} | {r['chunks']} | "
                f"{r['lines']:,} | {mb(r['rss_peak_mb'])} | {mb(r['rss_start_mb'])} | "
                f"{r['python_peak_mb']:.1f} MB |")
        if e.get("error"):
            say(f"export failed: {e['error']}")


# -- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", help="default: a SQLite file in a temporary directory; a "
                    "PostgreSQL database is WIPED (schema public dropped)")
    ap.add_argument("--responses", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3, help="runs of (a) and (b), in turn (default 3)")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--export-small", type=int, default=20_000,
                    help="responses of the second survey the export is compared with (0: no export)")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the timed breakdown of (a)")
    ap.add_argument("--force", action="store_true", help="wipe PostgreSQL even with other sessions on it")
    ap.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    ap.add_argument("--json", action="store_true", help="figures as JSON on stdout (report on stderr)")
    harness.add_quick_argument(ap, QUICK)
    args = harness.parse_quick(ap, argv, QUICK)
    if args.responses < 1 or args.rounds < 1:
        ap.error("--responses and --rounds must be at least 1")

    out = sys.stderr if args.json else sys.stdout

    def say(*parts: object) -> None:
        print(*parts, file=out, flush=True)

    tmpdir = None
    url = args.database_url
    if not url:
        tmpdir = tempfile.mkdtemp(prefix="engage-bench-results-")
        url = f"sqlite:///{Path(tmpdir) / 'results.db'}"
    database = dialect_of(url)
    try:
        if database == "postgresql" and not args.force:
            others = harness.other_connections(url)
            if others:
                say(f"{others} other session(s) are connected to {url}: another benchmark may be "
                    "using it. Not wiping it (use --force to wipe anyway).")
                return 2
        figures: dict[str, Any] = {"database": database, "responses": args.responses, "seed": args.seed,
                                   "by": BY}
        load_before = [round(x, 2) for x in os.getloadavg()]
        busy = cpu_busy()
        say(f"{database}: preparing {url} ...")
        app = make_app(url)
        survey_id = prepare(app)
        say(f"generating {args.responses:,} responses (child process) ...")
        figures["generation"] = generate_in_child(url, SLUG, args.responses, args.seed)
        figures["load"] = after_load(app)
        say("  rebuilding the results aggregates, then refreshing after changes ...")
        figures["aggregates"] = bring_up_to_date(app, survey_id)
        with app.app_context():
            from engage.extensions import db
            from engage.surveys.models import Survey
            from engage.surveys.queries import survey_spec

            figures["questions"] = len(survey_spec(db.session.get(Survey, survey_id)).questions)
        say(f"  {figures['generation']['seconds']:.1f} s; measuring {args.rounds} rounds of (a) then (b) ...")

        runs_a: list[Run] = []
        runs_b: list[Run] = []
        result_a = result_b = None
        for i in range(args.rounds):
            run, result_a = timed(lambda: in_request(app, survey_id, lambda: app_path(survey_id)))
            runs_a.append(run)
            run, result_b = timed(lambda: in_request(app, survey_id, lambda: baseline_path(survey_id)))
            runs_b.append(run)
            say(f"  round {i + 1}: (a) {runs_a[-1].seconds:.2f} s, peak RSS {mb(runs_a[-1].rss_peak_mb)}; "
                f"(b) {runs_b[-1].seconds:.2f} s, peak RSS {mb(runs_b[-1].rss_peak_mb)}")
        figures["app"], figures["baseline"] = summary_of(runs_a), summary_of(runs_b)
        for key, fn in (("app", lambda: app_path(survey_id)), ("baseline", lambda: baseline_path(survey_id))):
            peak, seconds, rss = python_peak(lambda fn=fn: in_request(app, survey_id, fn))
            figures[key].update(python_peak_mb=peak, seconds_under_tracemalloc=seconds,
                                rss_peak_under_tracemalloc_mb=rss)
        figures["ratio_best"] = figures["app"]["best_seconds"] / figures["baseline"]["best_seconds"]
        figures["ratio_median"] = figures["app"]["median_seconds"] / figures["baseline"]["median_seconds"]
        summaries, weights = result_a
        figures["check"] = check(summaries, result_b)
        figures["baseline_statements"] = len(result_b)
        figures["weights"] = {"n": weights.n, "n_eff": weights.n_eff, "design_effect": weights.design_effect,
                              "converged": weights.result.converged, "iterations": weights.result.iterations,
                              "max_error": weights.result.max_error, "notes": list(weights.result.notes)}
        figures["aims"] = {"ratio_met": figures["ratio_median"] <= AIM_RATIO,
                           "memory_met": (figures["app"]["rss_peak_mb"] or math.inf) < AIM_MB}
        figures["aims"]["p50_met"] = figures["app"]["median_seconds"] < AIM_P50
        figures["staff_page"] = staff_page(app, survey_id, args.rounds)
        say(f"  {ONE_ROUNDS} rounds of (c) then (d): one question ({ONE_KEY}) x {BY} ...")
        runs_c: list[Run] = []
        runs_d: list[Run] = []
        result_c = result_d = None
        for _ in range(ONE_ROUNDS):
            run, result_c = timed(lambda: in_request(app, survey_id, lambda: one_question_path(survey_id)))
            runs_c.append(run)
            run, result_d = timed(lambda: in_request(app, survey_id, lambda: one_baseline_path(survey_id)))
            runs_d.append(run)
        figures["one"], figures["one_baseline"] = summary_of(runs_c), summary_of(runs_d)
        figures["one_check"] = check(result_c[0], result_d)
        figures["aims"]["one_p50_met"] = figures["one"]["median_seconds"] < AIM_P50
        figures["aims"]["page_met"] = figures["staff_page"]["median_seconds"] < AIM_PAGE
        if not args.no_breakdown:
            say("  breakdown of (a) ...")
            figures["breakdown"] = breakdown(app, survey_id)

        export: dict[str, Any] = {"available": bool(app.config.get("BENCH_EXPORT"))}
        figures["export"] = export
        if args.export_small <= 0:
            export.update(available=False, why="--export-small 0")
        elif not export["available"]:
            export["why"] = ("the app has no " + EXPORT_RULE + " (" +
                             app.config.get("BENCH_EXPORT_WHY", "") + ")")
        else:
            export["how"] = app.config["BENCH_EXPORT"]
            export["runs"] = []
            try:
                missing = missing_tables(app)
                if missing:  # the app is being written: measure the streaming all the same
                    say(f"  export: the migrations do not create {', '.join(missing)}: created from "
                        "the models for the export only")
                    create_tables(app, missing)
                    export["tables_created_by_bench"] = missing
                say(f"  export: generating {args.export_small:,} responses for a second survey ...")
                small_id = add_small_survey(app)
                figures["generation_small"] = generate_in_child(url, SMALL_SLUG, args.export_small,
                                                                args.seed + 1)
                figures["load_after_small"] = after_load(app)
                client = staff_client(app)
                for sid, n in ((small_id, args.export_small), (survey_id, args.responses)):
                    say(f"  export: streaming {n:,} responses ...")
                    export["runs"].append(measure_export(app, client, sid, n))
            except Exception as err:  # the export is being written: report it, go on
                export["error"] = f"{type(err).__name__}: {err}"
                export["traceback"] = traceback.format_exc()
        figures["maxrss_mb"] = maxrss_mb()
        figures["machine"] = {"cpus": os.cpu_count(), "load_before": load_before,
                              "load_after": [round(x, 2) for x in os.getloadavg()],
                              "busy_before_pct": None if busy is None else round(100 * busy)}
        figures["ratios"] = ratio_lines(figures, args.quick)
        report(figures, say, args.quick)
        if args.json:
            print(json.dumps(finite(figures), indent=2, default=str))
        harness.print_ratio_lines(figures["ratios"], args.json)
        return 1 if figures["check"]["different"] or figures["one_check"]["different"] else 0
    except KeyboardInterrupt:
        return 130
    except Exception:  # reported, with its traceback: exit status 2
        traceback.print_exc()
        return 2
    finally:
        if tmpdir and not args.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
        elif tmpdir:
            print(f"kept {tmpdir}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
