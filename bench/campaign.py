#!/usr/bin/env python
"""Benchmark: an outreach campaign queued to the outbox and sent through Twilio's client.

One run, one database, in-process (no web server), two measurements:

1. Queueing: ``start_campaign`` + commit writing one outbox row per contact (``--contacts``,
   100,000, in three languages) for an invitation campaign, against a baseline: one
   plain ``INSERT INTO message (...) SELECT ... FROM contact`` of the same rows (same
   columns, same values) + commit, on the same database. Aim: engage at most 3x the
   baseline's time.
2. Sending: ``outbox.pump`` in ``--threads`` threads of one process (each with its own app
   context and session, as the huey worker's thread workers run it) sending ``--send``
   due texts of that campaign through the real ``twilio.rest.Client`` to a fake Twilio
   API (its own process, 127.0.0.1), against raw ``Client(...).messages.create(to=...,
   from_=..., body=...)`` calls of the same texts from the same number of threads to
   the same fake (``--api-delay-ms``: each answer that late, as over the internet).
   Aim: engage at least 0.5x raw's throughput.

Checked: every queue run wrote ``--contacts`` rows (one per resident); the fake Twilio got
each text exactly once (counted per ``To``) and every sent message ends in a sent status
with its own sid.

    .venv/bin/python bench/campaign.py
    .venv/bin/python bench/campaign.py --database-url postgresql://127.0.0.1/engage_bench

A PostgreSQL database given with --database-url is wiped (schema public is dropped and
rebuilt from the migrations): use a database of its own, never a real one. It is left
alone if another session is connected to it (another benchmark running?), unless --force.

Exit status: 0 after a run (missing an aim does not change it), 1 if a check failed
(rows missing or doubled, a text sent twice or not at all), 2 if the run failed or was
refused, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

SLUG = "bench-campaign"
KEYWORD = "BENCHC"
LANGUAGES = ("en", "es", "vi")
MESSAGES = {"en": "Housing survey: tell us what you think at {link}",
            "es": "Encuesta de vivienda: díganos lo que piensa en {link}",
            "vi": "Khảo sát nhà ở: cho chúng tôi biết ý kiến tại {link}"}
ACCOUNT_SID = "AC" + "0" * 32
FROM_NUMBER = "+15005550006"
AIM_QUEUE = 3.0  # engage's queueing time at most 3x the plain INSERT ... SELECT
AIM_SEND = 0.5  # engage's sending throughput at least 0.5x raw Twilio client calls
QUICK = {"contacts": 500, "send": 100, "rounds": 1}
FAR_FUTURE = timedelta(days=3650)
MESSAGE_COLUMNS = ("direction, status, body, respondent_id, survey_id, campaign_id, priority, "
                   "topic, send_after, parts, attempts, created_at, updated_at")


def phone(i: int) -> str:
    return f"+1206{2_000_000 + i:07d}"


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr if ARGS_JSON else sys.stdout, flush=True)


ARGS_JSON = False


# -- the fake Twilio API (a process of its own) ----------------------------------------

def fake_twilio_main(conn: Any, delay: float) -> None:
    """Twilio's ``POST /2010-04-01/Accounts/<sid>/Messages.json`` answered 201 with a new
    sid and status "queued", over HTTP/1.1 keep-alive as Twilio's API is;
    ``GET /stats`` (``?reset=1``): the requests received, counted per ``To``."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs

    lock = threading.Lock()
    per_to: Counter[str] = Counter()
    sids = itertools.count(1)
    connections = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on kept-alive connections

        def log_message(self, *args: object) -> None:  # quiet
            return

        def setup(self) -> None:
            super().setup()
            with lock:
                connections[0] += 1

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if not self.path.endswith("/Messages.json"):
                self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                return
            if delay:
                time.sleep(delay)
            with lock:
                sid = f"SMbe{next(sids):030d}"
                per_to[form.get("To", "")] += 1
            self._answer(201, {"sid": sid, "status": "queued", "to": form.get("To"),
                               "from": form.get("From"), "body": form.get("Body"),
                               "num_segments": "1", "account_sid": ACCOUNT_SID})

        def do_GET(self) -> None:
            if not self.path.startswith("/stats"):
                self._answer(404, {})
                return
            with lock:
                payload = {"requests": sum(per_to.values()), "per_to": dict(per_to),
                           "connections": connections[0]}
                if "reset=1" in self.path:
                    per_to.clear()
                    connections[0] = 0
            self._answer(200, payload)

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer((harness.HOST, 0), Handler)
    server.daemon_threads = True
    conn.send(server.server_port)
    server.serve_forever()


class FakeTwilio:
    def __init__(self, delay: float) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=fake_twilio_main, args=(child, delay), daemon=True)
        self.proc.start()
        if not parent.poll(30):
            raise RuntimeError("the fake Twilio did not start within 30 s")
        self.url = f"http://{harness.HOST}:{parent.recv()}"

    def stats(self, reset: bool = False) -> dict:
        import http.client

        conn = http.client.HTTPConnection(harness.HOST, int(self.url.rsplit(":", 1)[1]),
                                          timeout=harness.SOCKET_TIMEOUT)
        try:
            conn.request("GET", "/stats?reset=1" if reset else "/stats")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(timeout=5)


# -- database ----------------------------------------------------------------------------

def make_app(url: str, fake_url: str):  # type: ignore[no-untyped-def]
    """The bench app, with Twilio pointed at the fake and no sender rate limit."""
    app = harness.bench_app(url)
    app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_FROM_NUMBER=FROM_NUMBER,
                      TWILIO_API_BASE_URL=fake_url, SMS_SENDER_PER_SECOND=0.0)
    return app


def prepare(app, contacts: int) -> dict:  # type: ignore[no-untyped-def]
    """Fresh schema, a published survey in en/es/vi open by text, and ``contacts``
    respondents with their contacts (consent, an encrypted number each, the languages in
    turn), written in bulk. Returns {respondent id: number} and timings."""
    import sqlalchemy as sa

    from engage.core.models import utcnow
    from engage.extensions import db
    from engage.outreach.models import Contact
    from engage.responses.models import Respondent
    from engage.responses.phones import encrypt, phone_hash
    from engage.surveys import operations
    from engage.surveys.operations import QuestionData, SurveyData

    started = time.perf_counter()
    with app.app_context():
        harness.fresh_schema()
        survey = operations.create_survey(SurveyData(
            slug=SLUG, title=dict.fromkeys(LANGUAGES, "Housing"), intro=dict.fromkeys(LANGUAGES, "Tell us"),
            thanks=dict.fromkeys(LANGUAGES, "Thanks"), default_locale="en",
            locales=list(LANGUAGES), channels=["web", "sms"], sms_keyword=KEYWORD))
        operations.add_question(survey, QuestionData("rating", {"en": "Repairs?", "es": "¿Arreglos?",
                                                                "vi": "Sửa chữa?"}, key="q1"))
        operations.publish_survey(survey)
        db.session.commit()
        survey_id = survey.id
        schema_s = time.perf_counter() - started

        now = utcnow()
        numbers = [phone(i) for i in range(contacts)]
        hashes = [phone_hash(n) for n in numbers]
        t0 = time.perf_counter()
        batch = 10_000
        for lo in range(0, contacts, batch):
            db.session.execute(sa.insert(Respondent.__table__), [
                {"phone_hash": hashes[i], "locale": LANGUAGES[i % 3], "followup_consent": False,
                 "opted_out": False, "created_at": now} for i in range(lo, min(lo + batch, contacts))])
        ids = dict(db.session.execute(sa.select(Respondent.phone_hash, Respondent.id)).all())
        encrypt_s = 0.0
        for lo in range(0, contacts, batch):
            t1 = time.perf_counter()
            rows = [{"respondent_id": ids[hashes[i]], "phone_encrypted": encrypt(numbers[i]),
                     "language": LANGUAGES[i % 3], "consent_source": "Bench partner",
                     "consent_date": date(2026, 1, 1), "created_at": now, "updated_at": now}
                    for i in range(lo, min(lo + batch, contacts))]
            encrypt_s += time.perf_counter() - t1
            db.session.execute(sa.insert(Contact.__table__), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        numbers_by_id = {ids[h]: n for h, n in zip(hashes, numbers, strict=True)}
        db.session.remove()
    return {"survey_id": survey_id, "numbers": numbers_by_id, "schema_s": schema_s,
            "contacts_s": time.perf_counter() - t0, "encrypt_s": encrypt_s,
            "seconds": time.perf_counter() - started}


def new_campaign(survey_id: int, name: str):  # type: ignore[no-untyped-def]
    """A draft invitation in the three languages, no quiet hours (untimed)."""
    from engage.extensions import db
    from engage.outreach import campaigns
    from engage.surveys.models import Survey

    survey = db.session.get(Survey, survey_id)
    made = campaigns.save_campaign(survey, campaigns.CampaignData(
        name=name, messages=MESSAGES, rate_per_minute=6000, quiet_start="00:00", quiet_end="00:00"))
    db.session.commit()
    return made


def clear_outbox() -> None:
    """Between queue runs: the outbox emptied, as it was before the first."""
    import sqlalchemy as sa

    from engage.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("TRUNCATE message"))
    else:
        db.session.execute(sa.text("DELETE FROM message"))
    db.session.execute(sa.text("DELETE FROM conversation"))
    db.session.commit()


def outbox_rows(campaign_id: int) -> tuple[int, int]:
    import sqlalchemy as sa

    from engage.extensions import db

    row = db.session.execute(sa.text(
        "SELECT count(*), count(DISTINCT respondent_id) FROM message WHERE campaign_id = :c"),
        {"c": campaign_id}).one()
    db.session.commit()
    return int(row[0]), int(row[1])


class StatementLog:
    """SQL statements run on an engine while installed, with their time (cursor execute
    only), commits and pool checkouts; per thread where a statement runs."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.local = threading.local()
        self.kinds: Counter[str] = Counter()
        self.samples: dict[str, str] = {}  # the first statement of each kind, shortened
        self.seconds: Counter[str] = Counter()
        self.commits = 0
        self.checkouts = 0
        self.in_send = 0  # statements run inside gateway.post
        self.in_send_seconds = 0.0
        self.in_send_kinds: Counter[str] = Counter()

    def __enter__(self) -> StatementLog:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine.pool, "checkout", self._checkout)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine.pool, "checkout", self._checkout)

    @staticmethod
    def kind(statement: str) -> str:
        words = statement.split()
        head = words[0].upper() if words else "?"
        table = ""
        upper = [w.upper() for w in words[:40]]
        for key in ("INTO", "UPDATE", "FROM"):
            if key in upper:
                at = upper.index(key) + 1
                if at < len(words):
                    table = words[at].strip('"(').lower()
                    break
        if head == "UPDATE" and len(words) > 1:
            table = words[1].strip('"').lower()
        if table.startswith(("select", "(")):
            table = "(subquery)"
        if head == "SELECT" and len(words) > 1 and words[1].upper() == "DISTINCT":
            head = "SELECT DISTINCT"
        return f"{head} {table}".strip()

    def _before(self, conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.local.t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        spent = time.perf_counter() - getattr(self.local, "t0", time.perf_counter())
        kind = self.kind(statement)
        with self.lock:
            self.kinds[kind] += 1
            if kind not in self.samples:
                self.samples[kind] = " ".join(statement.split())[:90]
            self.seconds[kind] += spent
            if getattr(self.local, "sending", False):
                self.in_send += 1
                self.in_send_seconds += spent
                self.in_send_kinds[kind] += 1

    def _commit(self, conn) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            self.commits += 1

    def _checkout(self, *args: object) -> None:
        with self.lock:
            self.checkouts += 1


# -- 1. queueing ----------------------------------------------------------------------------

def baseline_queue(app, survey_id: int) -> dict:  # type: ignore[no-untyped-def]
    """The same rows as ``start_campaign`` writes, by one plain INSERT ... SELECT from
    contact (no audience filter, no conflict clause) and a commit."""
    import sqlalchemy as sa

    from engage.core.models import UTCDateTime, utcnow
    from engage.extensions import db
    from engage.messaging.encoding import sms_cost
    from engage.outreach import campaigns, outbox

    with app.app_context():
        campaign = new_campaign(survey_id, "Baseline")
        texts = campaigns.bodies(campaign)
        params: dict[str, Any] = {"survey": survey_id, "campaign": campaign.id,
                                  "topic": campaigns.invite_topic(survey_id),
                                  "pending": outbox.PENDING, "bulk": outbox.BULK}
        for lang in LANGUAGES:
            params[f"body_{lang}"], params[f"parts_{lang}"] = texts[lang], sms_cost(texts[lang]).parts
        cases = " ".join(f"WHEN '{lang}' THEN :{{0}}_{lang}" for lang in LANGUAGES)
        statement = sa.text(
            f"INSERT INTO message ({MESSAGE_COLUMNS}) "
            f"SELECT 'out', :pending, CASE contact.language {cases.format('body')} END, "
            "contact.respondent_id, :survey, :campaign, :bulk, :topic, :now, "
            f"CASE contact.language {cases.format('parts')} END, 0, :now, :now FROM contact"
        ).bindparams(sa.bindparam("now", type_=UTCDateTime()))
        db.session.commit()
        t0 = time.perf_counter()
        written = db.session.execute(statement, {**params, "now": utcnow()}).rowcount
        db.session.commit()
        seconds = time.perf_counter() - t0
        rows, distinct = outbox_rows(campaign.id)
        db.session.remove()
    return {"seconds": seconds, "rowcount": written, "rows": rows, "residents": distinct}


def engage_queue(app, survey_id: int) -> dict:  # type: ignore[no-untyped-def]
    """``start_campaign`` + commit for a new draft campaign (made untimed), with the
    statements it ran."""
    from engage.extensions import db
    from engage.outreach import campaigns

    with app.app_context():
        campaign = new_campaign(survey_id, "Invitation")
        campaign_id = campaign.id
        _ = campaign.status  # loaded, as the view that starts it has it
        with StatementLog(db.engine) as log:
            t0 = time.perf_counter()
            queued = campaigns.start_campaign(campaign)
            t1 = time.perf_counter()
            db.session.commit()  # nudges the (temporary) task queue after the commit
            t2 = time.perf_counter()
        rows, distinct = outbox_rows(campaign_id)
        db.session.remove()
    return {"seconds": t2 - t0, "start_s": t1 - t0, "commit_s": t2 - t1, "queued": queued,
            "rows": rows, "residents": distinct, "campaign_id": campaign_id,
            "statements": {k: [log.kinds[k], log.seconds[k], log.samples[k]] for k in log.kinds}}


# -- 2. sending -------------------------------------------------------------------------------

def run_threads(threads: int, work: Callable[[int], None]) -> float:
    """``work(i)`` in ``threads`` threads started together; wall seconds from the start
    to the last one done. The first exception is raised."""
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()

    pool = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=60)
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return seconds


def twilio_client(base_url: str):  # type: ignore[no-untyped-def]
    from twilio.rest import Client

    client = Client(ACCOUNT_SID, harness.SECRET)
    client.api.base_url = base_url
    return client


def raw_send(fake: FakeTwilio, jobs: list[tuple[str, str]], threads: int,
             client_per_text: bool = False) -> dict:
    """The texts sent with ``twilio.rest.Client(...).messages.create(to, from_, body)``
    from ``threads`` threads: one client per thread (or a new one per text)."""
    fake.stats(reset=True)
    next_job = itertools.count()
    sids: list[str] = []

    def work(_i: int) -> None:
        client = None if client_per_text else twilio_client(fake.url)
        mine = []
        while (i := next(next_job)) < len(jobs):
            to, body = jobs[i]
            created = (client or twilio_client(fake.url)).messages.create(
                to=to, from_=FROM_NUMBER, body=body)
            mine.append(created.sid)
        sids.extend(mine)

    seconds = run_threads(threads, work)
    stats = fake.stats(reset=True)
    return {"seconds": seconds, "texts": len(jobs), "rate": len(jobs) / seconds,
            "sids": len(set(sids)), **check_fake(stats, [to for to, _ in jobs])}


def check_fake(stats: dict, expected: list[str]) -> dict:
    per_to = stats["per_to"]
    counts = Counter(per_to.values())
    return {"fake_requests": stats["requests"], "fake_numbers": len(per_to),
            "fake_connections": stats["connections"],
            "numbers_twice": sum(n for c, n in counts.items() if c > 1),
            "numbers_missing": len(set(expected) - set(per_to)),
            "numbers_unexpected": len(set(per_to) - set(expected))}


def make_due(campaign_id: int, ids: list[int]) -> None:
    """Only the messages ``ids`` of the campaign are due; the rest wait."""
    import sqlalchemy as sa

    from engage.core.models import utcnow
    from engage.extensions import db
    from engage.messaging.models import Message

    now = utcnow()
    db.session.execute(sa.update(Message).where(Message.campaign_id == campaign_id,
                                                Message.status == "pending")
                       .values(send_after=now + FAR_FUTURE))
    db.session.execute(sa.update(Message).where(Message.id.in_(ids))
                       .values(send_after=now - timedelta(seconds=1)))
    db.session.commit()


def engage_send(app, fake: FakeTwilio, ids: list[int], expected: list[str],
                threads: int) -> dict:  # type: ignore[no-untyped-def]
    """``outbox.pump`` in ``threads`` threads (each its own app context and session) until
    nothing is due; counts of statements, commits and time in the API call."""
    import sqlalchemy as sa

    from engage.extensions import db
    from engage.outreach import gateway, outbox

    fake.stats(reset=True)
    handled: list[int] = []
    errors: list[str] = []
    send_seconds = [0.0]
    with app.app_context():
        engine = db.engine
    real_send = gateway.post
    with StatementLog(engine) as log:
        def timed_send(*a: Any, **kw: Any) -> Any:
            log.local.sending = True
            t0 = time.perf_counter()
            try:
                return real_send(*a, **kw)
            finally:
                spent = time.perf_counter() - t0
                log.local.sending = False
                with log.lock:
                    send_seconds[0] += spent

        def work(_i: int) -> None:
            with app.app_context():
                try:
                    handled.append(outbox.pump(budget_seconds=3600.0))
                except Exception as exc:  # a pump that dies is reported; the others go on
                    errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
                finally:
                    db.session.remove()

        gateway.post = timed_send  # timer from outside; the app's code is unchanged
        try:
            seconds = run_threads(threads, work)
        finally:
            gateway.post = real_send
    stats = fake.stats(reset=True)
    with app.app_context():
        from engage.messaging.models import Message
        from engage.outreach.campaigns import SENT_STATES

        statuses = Counter(dict(db.session.execute(
            sa.select(Message.status, sa.func.count()).where(Message.id.in_(ids))
            .group_by(Message.status)).all()))
        sids = db.session.scalar(sa.select(sa.func.count(sa.distinct(Message.sid)))
                                 .where(Message.id.in_(ids)))
        db.session.remove()
    n = len(ids)
    sql_s = sum(log.seconds.values())
    return {
        "seconds": seconds, "texts": n, "rate": n / seconds, "handled": sum(handled),
        "pump_errors": errors,
        "statuses": dict(statuses), "sent": sum(statuses[s] for s in SENT_STATES),
        "sids": int(sids or 0), **check_fake(stats, expected),
        "per_text": {
            "statements": sum(log.kinds.values()) / n, "commits": log.commits / n,
            "pool_checkouts": log.checkouts / n, "statements_in_send_text": log.in_send / n,
            "statements_in_send_text_by_kind": {k: v / n for k, v in log.in_send_kinds.items()},
            "sql_ms": 1000 * sql_s / n,
            "send_text_ms": 1000 * (send_seconds[0] - log.in_send_seconds) / n,
            "thread_ms": 1000 * seconds * threads / n,
            "by_kind": {k: log.kinds[k] / n for k in sorted(log.kinds, key=lambda k: -log.kinds[k])},
            "sql_ms_by_kind": {k: 1000 * log.seconds[k] / n
                               for k in sorted(log.seconds, key=lambda k: -log.seconds[k])},
        },
    }


def send_batches(app, campaign_id: int, numbers: dict[int, str], send: int,
                 rounds: int) -> list[tuple[list[int], list[tuple[str, str]]]]:  # type: ignore[no-untyped-def]
    """``rounds`` batches of ``send`` messages of the campaign, in the order the pump
    takes them: (message ids, [(number, body)])."""
    import sqlalchemy as sa

    from engage.extensions import db
    from engage.messaging.models import Message

    with app.app_context():
        rows = db.session.execute(sa.select(Message.id, Message.respondent_id, Message.body)
                                  .where(Message.campaign_id == campaign_id)
                                  .order_by(Message.id).limit(send * rounds)).all()
        db.session.remove()
    return [([r.id for r in chunk], [(numbers[r.respondent_id], r.body) for r in chunk])
            for chunk in (rows[i * send:(i + 1) * send] for i in range(rounds))]


# -- report ----------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def report(args: argparse.Namespace, figures: dict) -> None:
    q, s = figures["queue"], figures["send"]
    say(f"\nEngage campaign benchmark: {figures['database']}, {args.contacts:,} contacts "
        f"({'/'.join(LANGUAGES)}), {args.send:,} texts sent with {args.threads} threads"
        f"{f', fake API delay {args.api_delay_ms:g} ms' if args.api_delay_ms else ''}"
        f"{f' x {args.rounds} rounds' if args.rounds > 1 else ''}, "
        f"{harness.machine_note(figures['loadavg_before'], figures['cpu_busy_before'])}\n")
    harness.busy_warning(figures["cpu_busy_before"])
    setup = figures["setup"]
    say(f"setup (untimed): schema + survey {setup['schema_s']:.1f} s; {args.contacts:,} "
        f"respondents + contacts written in bulk in {setup['contacts_s']:.1f} s "
        f"({setup['encrypt_s']:.1f} s of it encrypting every number)\n")

    say(f"1. queueing {args.contacts:,} invitations    seconds (by round)          rows")
    for name, label in (("baseline", "baseline INSERT ... SELECT + commit"),
                        ("engage", "engage start_campaign + commit   ")):
        runs = q[name]
        spread = ", ".join(f"{r['seconds']:.3f}" for r in runs)
        say(f"  {label} {median([r['seconds'] for r in runs]):8.3f}  ({spread})  "
            f"{', '.join(str(r['rows']) for r in runs)}")
    ok = harness.verdict(q["ratio"] <= AIM_QUEUE, args.quick)
    say(f"  engage/baseline {q['ratio']:.2f}x  (median over rounds; aim <= {AIM_QUEUE:g}x: {ok})")
    last = q["engage"][-1]
    say(f"  engage, last round: start_campaign {last['start_s']:.3f} s + commit {last['commit_s']:.3f} s; "
        f"its statements (count, seconds):")
    for count, secs, sample in sorted(last["statements"].values(), key=lambda v: -v[1]):
        say(f"    {count:>3} {secs:7.3f}  {sample}")

    say(f"\n2. sending {args.send:,} due texts of that campaign, {args.threads} threads    "
        "seconds   texts/s (by round)")
    for name, label in (("raw", "raw Client per thread, messages.create"),
                        ("raw_new_client", "raw new Client per text (informative)"),
                        ("engage", f"engage outbox.pump in {args.threads} threads")):
        runs = s[name]
        if not runs:
            continue
        spread = ", ".join(f"{r['rate']:.0f}" for r in runs)
        say(f"  {label:<44} {median([r['seconds'] for r in runs]):7.3f} "
            f"{median([r['rate'] for r in runs]):8.1f}  ({spread})")
    ok = harness.verdict(s["ratio"] >= AIM_SEND, args.quick)
    say(f"  engage/raw {s['ratio']:.2f}x  (median over rounds; aim >= {AIM_SEND:g}x: {ok})")
    if s["raw_new_client"]:
        say(f"  raw with a new Client per text / raw: {s['new_client_ratio']:.2f}x")
    p = s["engage"][-1]["per_text"]
    kinds = ", ".join(f"{k} {v:.2f}" for k, v in p["by_kind"].items())
    say(f"  engage per text (last round): {p['statements']:.2f} SQL statements ({kinds}); "
        f"{p['commits']:.2f} commits; {p['pool_checkouts']:.2f} pool checkouts (each a "
        f"pre-ping)")
    inside = ", ".join(f"{k} {v:.2f}" for k, v in p["statements_in_send_text_by_kind"].items())
    if p["statements_in_send_text"]:
        lock = (" (BEGIN IMMEDIATE: the SQLite write lock is held during the API call)"
                if figures["database"] == "sqlite" else "")
        why = f": a transaction is open during the API call{lock}"
    else:
        why = ": no transaction is open during the API call"
    say(f"  run inside gateway.post, around the API call: {p['statements_in_send_text']:.2f} "
        f"statements ({inside or 'none'}){why}")
    by_time = ", ".join(f"{k} {v:.2f}" for k, v in p["sql_ms_by_kind"].items())
    say(f"  engage SQL ms per text by statement (cursor execute, lock waits included): {by_time}")
    say(f"  engage thread time per text {p['thread_ms']:.2f} ms: SQL (cursor execute) "
        f"{p['sql_ms']:.2f} ms (lock waits included), gateway.post without its SQL (the client "
        f"and the API call) "
        f"{p['send_text_ms']:.2f} ms, the rest {p['thread_ms'] - p['sql_ms'] - p['send_text_ms']:.2f} ms")

    say("\nchecks:")
    rows_ok = all(r["rows"] == args.contacts and r["residents"] == args.contacts
                  for r in q["baseline"] + q["engage"])
    say(f"  queue: every run wrote {args.contacts:,} rows for {args.contacts:,} residents: "
        f"{'OK' if rows_ok else 'NO'} (baseline {[r['rows'] for r in q['baseline']]}, "
        f"engage {[r['rows'] for r in q['engage']]}, start_campaign returned "
        f"{[r['queued'] for r in q['engage']]})")
    for name in ("raw", "raw_new_client", "engage"):
        for r in s[name]:
            extra = (f"; messages {r['sent']} in a sent status {r['statuses']}, {r['sids']} "
                     f"distinct sids, pump handled {r['handled']}" if name == "engage" else "")
            for error in r.get("pump_errors", []):
                say(f"  {name}: a pump thread died: {error}")
            say(f"  {name}: fake Twilio got {r['fake_requests']} requests for {r['fake_numbers']} "
                f"numbers ({r['numbers_twice']} texted twice, {r['numbers_missing']} missing, "
                f"{r['numbers_unexpected']} unexpected) on {r['fake_connections']} connections"
                f"{extra}")
    returned = [r["queued"] for r in q["engage"]]
    if any(x != args.contacts for x in returned):
        say(f"  note: start_campaign returned {returned}, not the {args.contacts:,} rows it wrote "
            "(an app bug, not counted as a failed check: see bench/README.md)")
    say(f"  {'OK' if figures['checks_ok'] else 'FAILED'}")
    say(figures["summary"])


def summary_line(figures: dict) -> str:
    q, s = figures["queue"], figures["send"]
    return (f"campaign ({figures['database']}): queue {figures['contacts']:,} in "
            f"{q['engage_s']:.3f} s = {q['ratio']:.2f}x baseline ({q['baseline_s']:.3f} s, aim <= "
            f"{AIM_QUEUE:g}x); send {s['engage_rate']:.0f} texts/s = {s['ratio']:.2f}x raw "
            f"({s['raw_rate']:.0f}/s, aim >= {AIM_SEND:g}x) with {figures['threads']} threads")


# -- main ------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = harness.database_parser(__doc__, QUICK)
    ap.add_argument("--contacts", type=int, default=100_000, help="contacts, texts queued (100000)")
    ap.add_argument("--send", type=int, default=3000, help="texts sent per round (3000)")
    ap.add_argument("--threads", type=int, default=4, help="sending threads, both sides (4)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="queue (baseline, engage) and send (raw, engage) this many times (1)")
    ap.add_argument("--rate-per-minute", type=int, default=1_000_000,
                    help="the campaign's pace, set in the database past the form's 6000 cap "
                         "(6000 = 100 texts/s; default 1000000: no practical limit)")
    ap.add_argument("--api-delay-ms", type=float, default=0.0,
                    help="the fake Twilio waits this long before answering each send (0)")
    ap.add_argument("--no-new-client", action="store_true",
                    help="skip the informative raw run with a new Client per text")
    args = harness.parse_quick(ap, argv, QUICK)
    if not 1 <= args.contacts <= 1_000_000:
        ap.error("--contacts must be 1..1000000")
    if not 1 <= args.rounds <= 10 or not 1 <= args.threads <= 64:
        ap.error("--rounds must be 1..10 and --threads 1..64")
    if not 1 <= args.send * args.rounds <= args.contacts:
        ap.error("--send x --rounds must be 1..--contacts")
    if args.rate_per_minute < 1 or not 0 <= args.api_delay_ms <= 10_000:
        ap.error("--rate-per-minute must be >= 1 and --api-delay-ms 0..10000")
    return args


def run(args: argparse.Namespace, url: str, queue_dir: str) -> tuple[dict, int]:
    import sqlalchemy as sa

    figures: dict[str, Any] = {"database": harness.database_name(url), "contacts": args.contacts,
                               "send": args.send, "threads": args.threads, "rounds": args.rounds,
                               "rate_per_minute": args.rate_per_minute,
                               "api_delay_ms": args.api_delay_ms, "cpus": os.cpu_count() or 0,
                               "loadavg_before": os.getloadavg()[0], "cpu_busy_before": harness.cpu_busy()}
    fake = FakeTwilio(args.api_delay_ms / 1000)
    try:
        app = make_app(url, fake.url)
        say(f"preparing {url}: migrations, a survey in {'/'.join(LANGUAGES)}, {args.contacts:,} "
            f"contacts (fake Twilio at {fake.url}, task queue {queue_dir})")
        setup = prepare(app, args.contacts)
        figures["setup"] = {k: v for k, v in setup.items() if k != "numbers"}
        survey_id = setup["survey_id"]

        queue: dict[str, list[dict]] = {"baseline": [], "engage": []}
        for r in range(args.rounds):
            say(f"queueing, round {r + 1}/{args.rounds}: baseline, then engage")
            with app.app_context():
                clear_outbox()
            queue["baseline"].append(baseline_queue(app, survey_id))
            with app.app_context():
                clear_outbox()
            queue["engage"].append(engage_queue(app, survey_id))
        base_s = median([x["seconds"] for x in queue["baseline"]])
        eng_s = median([x["seconds"] for x in queue["engage"]])
        figures["queue"] = {**queue, "baseline_s": base_s, "engage_s": eng_s,
                            "ratio": eng_s / base_s, "aim": AIM_QUEUE}

        campaign_id = queue["engage"][-1]["campaign_id"]
        with app.app_context():
            from engage.extensions import db

            db.session.execute(sa.text("UPDATE campaign SET rate_per_minute = :r WHERE id = :c"),
                               {"r": args.rate_per_minute, "c": campaign_id})
            db.session.commit()
            db.session.remove()
        batches = send_batches(app, campaign_id, setup["numbers"], args.send, args.rounds)
        # Warm-up (untimed): the twilio client's modules and a connection or two.
        raw_send(fake, [(f"+1555{i:07d}", "warm-up") for i in range(2 * args.threads)], args.threads)
        send: dict[str, list[dict]] = {"raw": [], "raw_new_client": [], "engage": []}
        for r, (ids, jobs) in enumerate(batches):
            say(f"sending, round {r + 1}/{args.rounds}: raw, "
                f"{'' if args.no_new_client else 'raw with a new client per text, '}engage")
            send["raw"].append(raw_send(fake, jobs, args.threads))
            if not args.no_new_client:
                send["raw_new_client"].append(raw_send(fake, jobs, args.threads, client_per_text=True))
            with app.app_context():
                make_due(campaign_id, ids)
                from engage.extensions import db

                db.session.remove()
            send["engage"].append(engage_send(app, fake, ids, [to for to, _ in jobs], args.threads))
        raw_rate = median([x["rate"] for x in send["raw"]])
        eng_rate = median([x["rate"] for x in send["engage"]])
        figures["send"] = {**send, "raw_rate": raw_rate, "engage_rate": eng_rate,
                           "ratio": eng_rate / raw_rate, "aim": AIM_SEND,
                           "new_client_ratio": (median([x["rate"] for x in send["raw_new_client"]])
                                                / raw_rate) if send["raw_new_client"] else None}
    finally:
        fake.stop()

    n = args.contacts
    ok = all(x["rows"] == n and x["residents"] == n for x in queue["baseline"] + queue["engage"])
    for name, runs in send.items():
        for x in runs:
            ok = ok and x["fake_requests"] == x["texts"] == x["fake_numbers"] and not (
                x["numbers_twice"] or x["numbers_missing"] or x["numbers_unexpected"])
            ok = ok and x["sids"] == x["texts"]
            if name == "engage":
                ok = ok and x["sent"] == x["texts"] == x["handled"] and not x["pump_errors"]
    figures["checks_ok"] = ok
    figures["loadavg_after"] = os.getloadavg()[0]
    figures["summary"] = summary_line(figures)
    q, s = figures["queue"], figures["send"]
    figures["ratios"] = [
        harness.ratio_line("campaign", "queue:engage/baseline", q["ratio"], f"aim <= {AIM_QUEUE:g}",
                           q["ratio"] <= AIM_QUEUE, args.quick,
                           f"seconds engage {q['engage_s']:.3f} baseline {q['baseline_s']:.3f}, "
                           f"{args.contacts:,} texts queued"),
        harness.ratio_line("campaign", "send:engage/raw", s["ratio"], f"aim >= {AIM_SEND:g}",
                           s["ratio"] >= AIM_SEND, args.quick,
                           f"texts/s engage {s['engage_rate']:.0f} raw {s['raw_rate']:.0f}, "
                           f"{args.send:,} texts, {args.threads} threads"),
    ]
    return figures, 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    global ARGS_JSON
    args = parse_args(argv)
    ARGS_JSON = args.json
    # The benchmark's own task queue: starting a campaign nudges workers after the
    # commit, and that must never reach a real queue (read when config is imported).
    queue_dir = tempfile.mkdtemp(prefix="engage-bench-queue-")
    os.environ["ENGAGE_QUEUE_URL"] = f"sqlite:///{Path(queue_dir) / 'queue.sqlite3'}"
    os.environ.pop("ENGAGE_ENV", None)
    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))
    url, tmpdir = harness.temp_database(args.database_url)
    return harness.guarded_main("campaign", args, url, lambda: run(args, url, queue_dir),
                                lambda f: report(args, f), [queue_dir, tmpdir])


if __name__ == "__main__":
    sys.exit(main())
