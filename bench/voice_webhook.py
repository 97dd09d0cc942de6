#!/usr/bin/env python
"""Benchmark: residents answering a survey by phone, a key at a time, through Twilio's
voice webhook.

One run, one gunicorn server (``bench.bench_app:app``, sync workers), three endpoints
measured one after another with the same load, every request a correctly signed
Twilio webhook POST (URL, query string included, signed as Twilio signs it) for one of
``--calls`` calls in progress, each from its own phone:

* fixed:  POST /bench/voice/fixed?s=<n>, a fixed TwiML reply (a one-key ``<Gather>``
          around a ``<Say>``, then a ``<Redirect>``), nothing checked or stored;
* store:  POST /bench/voice/store?s=<n>, signature check + INSERT keyed by (CallSid, n)
          + commit + the same fixed TwiML (the minimal correct webhook);
* engage: POST /voice/gather?s=<step>, the app's real path: a caller mid-call presses a
          key answering the current question and gets the next question's TwiML back.

The bench survey has one language (no language menu) and ``--questions`` questions
answered with one key: rating questions (keys 1-5) and single-choice questions of four
options (keys 1-4) in turn. Each call's next request goes to the ``action`` URL of the
``<Gather>`` in its last reply, so every timed request is progress, never a repeat.

Before anything is timed, every call is started through the same server (``POST
/voice/inbound``: welcome and first question), so that all of them are mid-call. A call
whose reply is the thanks and ``<Hangup/>`` has ended; when all of a connection's calls
have ended, it starts a new call from a spare phone: that first request is not timed
(nor counted in the throughput), and the report says how many there were. Afterwards,
every answer acknowledged with a 200 and the next question is looked for in the
database, call by call, and every call's ``voice_call.step`` against the requests it
made.

    .venv/bin/python bench/voice_webhook.py
    .venv/bin/python bench/voice_webhook.py --database-url postgresql://127.0.0.1/engage_bench

A PostgreSQL database given with --database-url is wiped (schema public is dropped and
rebuilt from the migrations): use a database of its own, never a real one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.bench_app import BENCH_PUBLIC_BASE_URL, FIXED_VOICE_TWIML  # noqa: E402
from bench.harness import HttpError, ResidentWorker, phone_number  # noqa: E402

SLUG = "bench-voice"
TITLE = "Bench"
INTRO = "i"
THANKS = "Thank you!"
CHOICES = ("Bus", "Car", "Bike", "Walk")
AIM = 0.6  # engage throughput at least 0.6x store
AIM_P99_MS = 50.0  # engage p99 at most 50 ms (at 16 concurrent requests)
KINDS = ("fixed", "store", "engage")
PATHS = {"fixed": "/bench/voice/fixed", "store": "/bench/voice/store", "engage": "/voice/gather"}
INBOUND = "/voice/inbound"
COUNTS = ("sent", "status_200", "unexpected_200", "calls_200", "hangups")


def keys_for(q: int) -> int:
    """How many answer keys question ``q`` has: ratings (odd) 5, choices (even) 4."""
    return 5 if q % 2 else len(CHOICES)


# -- database ------------------------------------------------------------------------

def prepare_database(url: str, questions: int) -> None:
    """A fresh schema from the migrations, the bench tables, and a published survey
    open by phone (and web), one language."""
    from engage.extensions import db
    from engage.surveys import operations
    from engage.surveys.operations import ChoiceData, QuestionData, SurveyData

    app = harness.bench_app(url)
    with app.app_context():
        harness.fresh_schema()
        survey = operations.create_survey(SurveyData(
            slug=SLUG, title={"en": TITLE}, intro={"en": INTRO}, thanks={"en": THANKS},
            default_locale="en", locales=["en"], channels=["web", "voice"],
        ))
        for i in range(1, questions + 1):
            if keys_for(i) == 5:
                data = QuestionData("rating", {"en": f"Q{i}"}, key=f"q{i}")
            else:
                data = QuestionData("single_choice", {"en": f"Q{i}"}, key=f"q{i}",
                                    choices=[ChoiceData({"en": c}) for c in CHOICES])
            operations.add_question(survey, data)
        operations.publish_survey(survey)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def count_stored(url: str, calls: dict[int, CallState]) -> dict:
    """What the database holds after the run: the bench survey's voice responses and
    their answers (distinct response, question), call by call too (by CallSid: answers
    of the call's response, and its ``step``), and bench_voice rows."""
    import sqlalchemy as sa

    from engage.extensions import db

    app = harness.bench_app(url)
    with app.app_context():
        scalar = lambda sql, **kw: int(db.session.scalar(sa.text(sql), kw) or 0)  # noqa: E731
        voice = " JOIN survey s ON s.id = r.survey_id WHERE s.slug = :slug AND r.channel = 'voice'"
        figures = {
            "answers": scalar(
                "SELECT COUNT(*) FROM (SELECT DISTINCT a.response_id, a.question_id"
                " FROM answer a JOIN response r ON r.id = a.response_id" + voice + ") AS x",
                slug=SLUG),
            "answer_rows": scalar(
                "SELECT COUNT(*) FROM answer a JOIN response r ON r.id = a.response_id" + voice,
                slug=SLUG),
            "responses": scalar("SELECT COUNT(*) FROM response r" + voice, slug=SLUG),
            "completed_responses": scalar(
                "SELECT COUNT(*) FROM response r" + voice + " AND r.status = 'complete'", slug=SLUG),
            "voice_call_rows": scalar("SELECT COUNT(*) FROM voice_call"),
            "voice_call_steps": scalar("SELECT SUM(step) FROM voice_call"),
            "bench_voice_rows": scalar("SELECT COUNT(*) FROM bench_voice"),
        }
        rows = db.session.execute(sa.text(
            "SELECT c.call_sid, c.step, COUNT(DISTINCT a.question_id) FROM voice_call c"
            " LEFT JOIN answer a ON a.response_id = c.response_id GROUP BY c.call_sid, c.step"))
        by_sid = {sid: (int(step), int(n)) for sid, step, n in rows}
        lost = extra = missing_calls = steps_short = steps_extra = 0
        for call in calls.values():
            if not call.sid:
                continue  # never called
            stored = by_sid.get(call.sid)
            if stored is None:
                missing_calls += 1
                lost += call.answered
                continue
            step, answers = stored
            lost += max(0, call.answered - answers)
            # A request that failed on our side (timeout...) may still have been handled.
            extra += max(0, answers - call.answered - (1 if call.broken else 0))
            expected = call.answered + (0 if call.broken and not call.action else 1)
            steps_short += max(0, expected - step)
            steps_extra += max(0, step - expected - (1 if call.broken else 0))
        figures.update(lost_by_call=lost, unexplained_by_call=extra, calls_without_row=missing_calls,
                       steps_missing=steps_short, steps_unexplained=steps_extra)
        db.session.remove()
        db.engine.dispose()
    return figures


# -- client --------------------------------------------------------------------------

@dataclass
class CallState:
    """One call's place in the survey, as its replies told it; one phone per call."""
    index: int             # the phone's
    sid: str = ""          # CallSid, once the call is started
    action: str = ""       # path and query of the last reply's <Gather> action URL
    answered: int = 0      # answers acknowledged with a 200 and the expected reply
    broken: bool = False   # a request failed: its state is unknown, it calls no more
    store_step: int = 0    # the baselines' ?s=, one more per request with this CallSid


@dataclass
class Reply:
    """What a TwiML reply says: the <Say>s outside and inside the <Gather>, its action."""
    said: list[str]
    asked: str | None
    action: str | None
    hangup: bool


def read_twiml(data: bytes) -> Reply | None:
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    gather = root.find("Gather")
    return Reply(said=[s.text or "" for s in root.findall("Say")],
                 asked=None if gather is None else (gather.findtext("Say") or ""),
                 action=None if gather is None else gather.get("action"),
                 hangup=root.find("Hangup") is not None)


def action_path(url: str | None) -> str | None:
    """The path and query of an action URL the app gave (on its public base)."""
    if not url or not url.startswith(BENCH_PUBLIC_BASE_URL + PATHS["engage"] + "?"):
        return None
    return url[len(BENCH_PUBLIC_BASE_URL):]


def call_post(conn: http.client.HTTPConnection, path: str, call: CallState,
              **extra: str) -> tuple[int, bytes]:
    """One request of ``call``, with what Twilio sends, signed as Twilio signs."""
    params = {"CallSid": call.sid, "AccountSid": harness.TWILIO_ACCOUNT_SID,
              "From": phone_number(call.index), "To": harness.TWILIO_TO_NUMBER,
              "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
              **extra}
    return harness.twilio_post(conn, path, params)


def start_call(conn: http.client.HTTPConnection, call: CallState) -> None:
    """The call's first request: the reply is the welcome and the first question."""
    call.sid, call.broken = f"CA{uuid.uuid4().hex}", True
    status, data = call_post(conn, INBOUND, call, CallStatus="ringing")
    reply = read_twiml(data) if status == 200 else None
    path = action_path(reply.action) if reply else None
    if (reply is None or path is None or reply.said != [f"{TITLE} {INTRO}"]
            or not (reply.asked or "").startswith("Q1 ")):
        raise HttpError(f"{INBOUND} from phone {call.index} -> {status} {data[:300]!r}")
    call.action, call.broken = path, False


class VoiceWorker(ResidentWorker[CallState]):
    """One connection, pressing keys in its own calls in turn; for engage, calls with
    questions left and a known state, else a new call from a spare phone (untimed)."""

    setup_label = "new call"

    def __init__(self, kind: str, port: int, seed: int, calls: list[CallState],
                 spares: list[int], questions: int) -> None:
        super().__init__(kind, port, seed, calls, spares, COUNTS)
        self.questions = questions

    def new(self, index: int) -> CallState:
        return CallState(index)

    def can_go_on(self, call: CallState) -> bool:
        return not call.broken and bool(call.action) and call.answered < self.questions

    def start(self, call: CallState) -> None:
        start_call(self.conn, call)
        self.counts["calls_200"] += 1

    def one(self) -> tuple[bool, str]:
        call = self.take()
        self.counts["sent"] += 1
        if self.kind != "engage":
            call.store_step += 1
            status, data = call_post(self.conn, f"{PATHS[self.kind]}?s={call.store_step}", call,
                                     Digits=str(self.rng.randint(1, 5)))
            if status == 200:
                self.counts["status_200"] += 1
            ok = status == 200 and data.decode() == FIXED_VOICE_TWIML
            return ok, f"{self.kind} -> {status} {data[:200]!r}"
        q = call.answered + 1
        call.broken = True  # until the reply says where it stands
        status, data = call_post(self.conn, call.action, call,
                                 Digits=str(self.rng.randint(1, keys_for(q))))
        if status != 200:
            return False, f"engage q{q} -> {status}"
        self.counts["status_200"] += 1
        reply = read_twiml(data)
        if q < self.questions:
            path = action_path(reply.action) if reply else None
            ok = (reply is not None and path is not None and path != call.action
                  and (reply.asked or "").startswith(f"Q{q + 1} ") and not reply.hangup)
        else:
            path = ""
            ok = reply is not None and reply.said == [THANKS] and reply.hangup and reply.asked is None
        if not ok:
            self.counts["unexpected_200"] += 1
            return False, f"engage q{q} -> 200 {data[:300]!r}, expected Q{q + 1} or the thanks"
        if reply is not None and reply.hangup:
            self.counts["hangups"] += 1
        call.action, call.answered, call.broken = path or "", q, False
        return True, ""


Calls = harness.Residents[CallState]


def start_all(calls: Calls, port: int, log: Callable[..., None]) -> dict:
    """Every call started, untimed, through the server: ``concurrency`` connections,
    each starting its own calls one after another."""
    done, elapsed = calls.start_all(port, start_call)
    log(f"{done} calls started ({INBOUND}) in {elapsed:.1f} s "
        f"({done / elapsed:.0f} calls/s, untimed setup)")
    return {"calls": done, "seconds": elapsed}


def run_phase(kind: str, args: argparse.Namespace, port: int, calls: Calls,
              procs: list[mp.Process], probes: dict[str, harness.CpuProbe] | None = None) -> dict:
    def make_worker(kind: str, seed: int, mine: list[CallState], spares: list[int]) -> VoiceWorker:
        return VoiceWorker(kind, port, seed, mine, spares, args.questions)

    return harness.run_residents_phase(kind, args, calls, make_worker, procs, probes)


# -- report --------------------------------------------------------------------------

def report(args: argparse.Namespace, url: str, phases: dict[str, dict], raw: dict[str, list[dict]],
           setup: dict, stored: dict, calls: Calls, load_before: float,
           busy_before: float | None) -> tuple[dict, int]:
    e = phases["engage"]
    total = lambda kind, name: sum(r[name] for r in raw[kind])  # noqa: E731
    started = [c for c in calls.states.values() if c.sid]
    figures = {
        **harness.run_figures(args, url, load_before, busy_before,
                              questions=args.questions, calls=args.calls),
        "setup": setup,
        "endpoints": phases,
        **harness.webhook_aims(phases, AIM, AIM_P99_MS),
        "answers_sent": total("engage", "sent"),
        "answers_200": total("engage", "status_200"),
        "answers_200_unexpected_reply": total("engage", "unexpected_200"),
        "answers_acknowledged": e["ok_total"],
        "answers_stored": stored["answers"],
        "answer_rows": stored["answer_rows"],
        "answers_lost": stored["lost_by_call"],
        "answers_unexplained": stored["unexplained_by_call"],
        "calls_without_row": stored["calls_without_row"],
        "calls_started_200": setup["calls"] + total("engage", "calls_200"),
        "calls_started_during_run": total("engage", "calls_200"),
        "calls_hung_up": total("engage", "hangups"),
        "calls_broken": sum(c.broken for c in started),
        "calls_used": len(started),
        "voice_call_rows": stored["voice_call_rows"],
        "voice_call_steps": stored["voice_call_steps"],
        "voice_call_steps_expected": sum(c.answered + 1 for c in started if c.action or not c.broken),
        "voice_call_steps_missing": stored["steps_missing"],
        "voice_call_steps_unexplained": stored["steps_unexplained"],
        "responses": stored["responses"],
        "completed_responses": stored["completed_responses"],
        "store_200": total("store", "status_200"),
        "bench_voice_rows": stored["bench_voice_rows"],
    }
    lost = (figures["answers_lost"] != 0
            or figures["answers_stored"] < figures["answers_acknowledged"]
            or figures["voice_call_rows"] < figures["calls_started_200"]
            or figures["voice_call_steps_missing"] != 0
            or figures["bench_voice_rows"] != figures["store_200"])
    figures["nothing_lost"] = not lost
    summary = (f"{harness.webhook_summary('voice_webhook', figures, phases, 'keys')}; answers "
               f"{figures['answers_stored']} stored / {figures['answers_acknowledged']} acknowledged")
    figures["summary"] = summary
    figures["ratios"] = [harness.answer_path_ratio("voice_webhook", phases, args.quick)]
    if args.json:
        print(json.dumps(harness.finite(figures), indent=2))
        harness.print_ratio_lines(figures["ratios"], json_mode=True)
        return figures, 1 if lost else 0
    harness.print_run_header("Engage voice webhook benchmark", figures, args,
                             f"{args.calls} calls")
    print(f"setup: {setup['calls']} calls started with POST {INBOUND} (untimed, through the same "
          f"server) in {setup['seconds']:.1f} s\n")
    harness.print_phases(phases, KINDS, {"engage/store": figures["engage_over_store_by_round"]})
    harness.print_webhook_aims(figures, phases, args, "key pressed")
    if e["inline_setup"]:
        print(f"note: {e['inline_setup']} new calls had to be started during the timed window "
              f"(untimed, not counted in latencies): calls reached the end of the survey")
    other = figures["answers_200_unexpected_reply"]
    print(f"answers: {figures['answers_sent']} keys pressed (warm-up included), "
          f"{figures['answers_acknowledged']} answered 200 with the next question (or the thanks)"
          f"{f', {other} with another reply' if other else ''}, "
          f"{figures['answers_stored']} stored (distinct response, question; "
          f"{figures['answer_rows']} rows) in {figures['responses']} voice responses "
          f"({figures['completed_responses']} complete)")
    print(f"         call by call: {figures['answers_lost']} acknowledged answers missing, "
          f"{figures['answers_unexplained']} unexplained extra, "
          f"{figures['calls_without_row']} calls without a voice_call row: "
          f"{'OK' if figures['answers_lost'] == 0 else 'LOST'}")
    steps_ok = figures["voice_call_steps_missing"] == 0
    print(f"calls:   {figures['calls_started_200']} calls started ({setup['calls']} before the clock, "
          f"{figures['calls_started_during_run']} during the run), {figures['calls_hung_up']} hung up "
          f"after the thanks, {figures['voice_call_rows']} voice_call rows; voice_call.step total "
          f"{figures['voice_call_steps']} for {figures['voice_call_steps_expected']} requests "
          f"acknowledged ({figures['voice_call_steps_missing']} missing, "
          f"{figures['voice_call_steps_unexplained']} unexplained): "
          f"{'OK' if steps_ok and figures['voice_call_rows'] >= figures['calls_started_200'] else 'MISSING'}")
    rows = "OK" if figures["bench_voice_rows"] == figures["store_200"] else "MISMATCH"
    print(f"store:   {figures['store_200']} store requests answered 200, "
          f"{figures['bench_voice_rows']} bench_voice rows: {rows}")
    print(summary)
    harness.print_ratio_lines(figures["ratios"])
    return figures, 1 if lost else 0


# -- main ----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    return harness.resident_webhook_main(
        "voice_webhook", __doc__, argv, unit="calls",
        unit_help="calls (one phone each), all mid-call before the clock starts (1000)",
        state_cls=CallState, start_all=start_all, run_phase=run_phase, count_stored=count_stored,
        report=report, prepare_database=prepare_database,
        describe=f"migrations, bench tables, voice survey {SLUG} of {{questions}} questions")


if __name__ == "__main__":
    sys.exit(main())
