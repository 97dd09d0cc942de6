#!/usr/bin/env python
"""Benchmark: residents answering a survey by text, through Twilio's webhook.

One run, one gunicorn server (``bench.bench_app:app``, sync workers), three endpoints
measured one after another with the same load, every request a correctly signed
Twilio webhook POST with its own MessageSid, from one of ``--phones`` phones:

* fixed:  POST /bench/sms/fixed, a fixed TwiML reply, nothing checked or stored;
* store:  POST /bench/sms/store, signature check + INSERT keyed by MessageSid +
          commit + fixed TwiML (the minimal correct webhook);
* engage: POST /sms/inbound, the app's real path: a phone mid-conversation answers
          its next question and gets the following one back.

Before anything is timed, every phone texts the survey keyword through the same server,
so that all of them are mid-conversation. Afterwards, every answer acknowledged with a
200 and its reply is looked for in the database, phone by phone.

    .venv/bin/python bench/sms_webhook.py
    .venv/bin/python bench/sms_webhook.py --database-url postgresql://127.0.0.1/engage_bench

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
from bench.bench_app import FIXED_TWIML  # noqa: E402
from bench.harness import HttpError, ResidentWorker, phone_number  # noqa: E402

SLUG = "bench-sms"
KEYWORD = "BENCH"
TITLE = "Bench"
THANKS = "Thank you!"
AIM = 0.6  # engage throughput at least 0.6x store
AIM_P99_MS = 50.0  # engage p99 at most 50 ms (at 16 concurrent requests)
KINDS = ("fixed", "store", "engage")
PATHS = {"fixed": "/bench/sms/fixed", "store": "/bench/sms/store", "engage": "/sms/inbound"}
FIXED_REPLY = ET.fromstring(FIXED_TWIML).findtext("Message")
COUNTS = ("sent", "status_200", "unexpected_200", "keyword_200")


# -- database ------------------------------------------------------------------------

def prepare_database(url: str, questions: int) -> None:
    """A fresh schema from the migrations, the bench tables, and a published survey
    open by text under the keyword BENCH, one language."""
    from engage.extensions import db
    from engage.surveys import operations
    from engage.surveys.operations import QuestionData, SurveyData

    app = harness.bench_app(url)
    with app.app_context():
        harness.fresh_schema()
        survey = operations.create_survey(SurveyData(
            slug=SLUG, title={"en": TITLE}, intro={"en": "i"}, thanks={"en": THANKS},
            default_locale="en", locales=["en"], channels=["web", "sms"], sms_keyword=KEYWORD,
        ))
        for i in range(1, questions + 1):
            operations.add_question(survey, QuestionData("rating", {"en": f"Q{i}"}, key=f"q{i}"))
        operations.publish_survey(survey)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def count_stored(url: str, phones: dict[int, PhoneState]) -> dict:
    """What the database holds after the run: texts in and out, the bench survey's
    responses and answers (distinct response, question), per phone too (respondents are
    found by the keyed hash of their number, as the app finds them), and bench_sms rows."""
    import sqlalchemy as sa

    from engage.extensions import db
    from engage.responses.phones import phone_hash

    app = harness.bench_app(url)
    with app.app_context():
        scalar = lambda sql, **kw: int(db.session.scalar(sa.text(sql), kw) or 0)  # noqa: E731
        figures = {
            "inbound_messages": scalar("SELECT COUNT(*) FROM message WHERE direction = 'in'"),
            "outbound_messages": scalar("SELECT COUNT(*) FROM message WHERE direction = 'out'"),
            "answers": scalar(
                "SELECT COUNT(*) FROM (SELECT DISTINCT a.response_id, a.question_id"
                " FROM answer a JOIN response r ON r.id = a.response_id"
                " JOIN survey s ON s.id = r.survey_id WHERE s.slug = :slug) AS x", slug=SLUG),
            "answer_rows": scalar(
                "SELECT COUNT(*) FROM answer a JOIN response r ON r.id = a.response_id"
                " JOIN survey s ON s.id = r.survey_id WHERE s.slug = :slug", slug=SLUG),
            "responses": scalar(
                "SELECT COUNT(*) FROM response r JOIN survey s ON s.id = r.survey_id"
                " WHERE s.slug = :slug", slug=SLUG),
            "bench_sms_rows": scalar("SELECT COUNT(*) FROM bench_sms"),
        }
        rows = db.session.execute(sa.text(
            "SELECT p.phone_hash, COUNT(DISTINCT a.question_id) FROM respondent p"
            " JOIN response r ON r.respondent_id = p.id"
            " JOIN survey s ON s.id = r.survey_id AND s.slug = :slug"
            " LEFT JOIN answer a ON a.response_id = r.id GROUP BY p.phone_hash"), {"slug": SLUG})
        by_hash = {h: int(n) for h, n in rows}
        lost = extra = missing_phones = 0
        for phone in phones.values():
            stored = by_hash.get(phone_hash(phone_number(phone.index)))
            if stored is None:
                missing_phones += 1
                lost += phone.answered
                continue
            lost += max(0, phone.answered - stored)
            # A text that failed on our side (timeout...) may still have been stored.
            extra += max(0, stored - phone.answered - (1 if phone.broken else 0))
        figures.update(lost_by_phone=lost, unexplained_by_phone=extra,
                       phones_without_response=missing_phones)
        db.session.remove()
        db.engine.dispose()
    return figures


# -- client --------------------------------------------------------------------------

@dataclass
class PhoneState:
    """One phone's place in the survey, as its replies told it."""
    index: int
    answered: int = 0      # answers acknowledged with a 200 and the expected reply
    broken: bool = False   # a text failed: its state is unknown, it texts no more


def signed_post(conn: http.client.HTTPConnection, path: str, number: str,
                body: str) -> tuple[int, str | None]:
    """One text from ``number``, signed as Twilio signs: (status, reply text or None)."""
    params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": harness.TWILIO_ACCOUNT_SID,
              "From": number, "To": harness.TWILIO_TO_NUMBER, "Body": body, "NumMedia": "0"}
    status, data = harness.twilio_post(conn, path, params)
    if status != 200:
        return status, None
    try:
        return 200, ET.fromstring(data).findtext("Message")
    except ET.ParseError:
        return 200, None


def start_conversation(conn: http.client.HTTPConnection, phone: PhoneState) -> None:
    """The keyword: the reply is the title and the first question."""
    status, reply = signed_post(conn, PATHS["engage"], phone_number(phone.index), KEYWORD)
    lines = (reply or "").split("\n")
    if status != 200 or lines[:2] != [TITLE, "Q1"]:
        phone.broken = True
        raise HttpError(f"{KEYWORD} from phone {phone.index} -> {status} {reply!r}")


class SmsWorker(ResidentWorker[PhoneState]):
    """One connection, texting from its own phones in turn; for engage, phones with
    questions left and a known state, else a spare phone that texts the keyword first
    (untimed)."""

    def __init__(self, kind: str, port: int, seed: int, phones: list[PhoneState],
                 spares: list[int], questions: int) -> None:
        super().__init__(kind, port, seed, phones, spares, COUNTS)
        self.path = PATHS[kind]
        self.questions = questions

    def new(self, index: int) -> PhoneState:
        return PhoneState(index)

    def can_go_on(self, phone: PhoneState) -> bool:
        return not phone.broken and phone.answered < self.questions

    def start(self, phone: PhoneState) -> None:
        start_conversation(self.conn, phone)
        self.counts["keyword_200"] += 1

    def one(self) -> tuple[bool, str]:
        phone = self.take()
        if self.kind != "engage":
            self.counts["sent"] += 1
            status, reply = signed_post(self.conn, self.path, phone_number(phone.index),
                                        str(self.rng.randint(1, 5)))
            if status == 200:
                self.counts["status_200"] += 1
            return status == 200 and reply == FIXED_REPLY, f"{self.kind} -> {status} {reply!r}"
        q = phone.answered + 1
        self.counts["sent"] += 1
        phone.broken = True  # until the reply says where it stands
        status, reply = signed_post(self.conn, self.path, phone_number(phone.index),
                                    str(self.rng.randint(1, 5)))
        if status != 200:
            return False, f"engage q{q} -> {status}"
        self.counts["status_200"] += 1
        expected = f"Q{q + 1}" if q < self.questions else THANKS
        if reply is None or reply.split("\n", 1)[0] != expected:
            self.counts["unexpected_200"] += 1
            return False, f"engage q{q} -> 200 {reply!r}, expected {expected!r} first"
        phone.broken = False
        phone.answered = q
        return True, ""


Phones = harness.Residents[PhoneState]


def start_all(phones: Phones, port: int, log: Callable[..., None]) -> dict:
    """Every phone texts the keyword, untimed, through the server: ``concurrency``
    connections, each sending from its own phones one after another."""
    done, elapsed = phones.start_all(port, start_conversation)
    log(f"{done} phones texted {KEYWORD} in {elapsed:.1f} s "
        f"({done / elapsed:.0f} texts/s, untimed setup)")
    return {"phones": done, "seconds": elapsed}


def run_phase(kind: str, args: argparse.Namespace, port: int, phones: Phones,
              procs: list[mp.Process], probes: dict[str, harness.CpuProbe] | None = None) -> dict:
    def make_worker(kind: str, seed: int, mine: list[PhoneState], spares: list[int]) -> SmsWorker:
        return SmsWorker(kind, port, seed, mine, spares, args.questions)

    return harness.run_residents_phase(kind, args, phones, make_worker, procs, probes)


# -- report --------------------------------------------------------------------------

def report(args: argparse.Namespace, url: str, phases: dict[str, dict], raw: dict[str, list[dict]],
           setup: dict, stored: dict, phones: Phones, load_before: float,
           busy_before: float | None) -> tuple[dict, int]:
    e = phases["engage"]
    total = lambda kind, name: sum(r[name] for r in raw[kind])  # noqa: E731
    keyword_texts = setup["phones"] + total("engage", "keyword_200")
    figures = {
        **harness.run_figures(args, url, load_before, busy_before,
                              questions=args.questions, phones=args.phones),
        "setup": setup,
        "endpoints": phases,
        **harness.webhook_aims(phases, AIM, AIM_P99_MS),
        "answers_sent": total("engage", "sent"),
        "answers_200": total("engage", "status_200"),
        "answers_200_unexpected_reply": total("engage", "unexpected_200"),
        "answers_acknowledged": e["ok_total"],
        "answers_stored": stored["answers"],
        "answer_rows": stored["answer_rows"],
        "answers_lost": stored["lost_by_phone"],
        "answers_unexplained": stored["unexplained_by_phone"],
        "phones_without_response": stored["phones_without_response"],
        "phones_broken": sum(p.broken for p in phones.states.values()),
        "phones_used": len(phones.states),
        "phones_finished": sum(p.answered >= args.questions for p in phones.states.values()),
        "keyword_texts_200": keyword_texts,
        "inbound_200": keyword_texts + total("engage", "status_200"),
        "inbound_messages": stored["inbound_messages"],
        "outbound_messages": stored["outbound_messages"],
        "responses": stored["responses"],
        "store_200": total("store", "status_200"),
        "bench_sms_rows": stored["bench_sms_rows"],
    }
    lost = (figures["answers_lost"] != 0
            or figures["answers_stored"] < figures["answers_200"] - figures["answers_200_unexpected_reply"]
            or figures["inbound_messages"] < figures["inbound_200"]
            or figures["bench_sms_rows"] != figures["store_200"])
    figures["nothing_lost"] = not lost
    summary = (f"{harness.webhook_summary('sms_webhook', figures, phases, 'texts')}; answers "
               f"{figures['answers_stored']} stored / {figures['answers_acknowledged']} acknowledged")
    figures["summary"] = summary
    figures["ratios"] = [harness.answer_path_ratio("sms_webhook", phases, args.quick)]
    if args.json:
        print(json.dumps(harness.finite(figures), indent=2))
        harness.print_ratio_lines(figures["ratios"], json_mode=True)
        return figures, 1 if lost else 0
    harness.print_run_header("Engage SMS webhook benchmark", figures, args, f"{args.phones} phones")
    print(f"setup: {setup['phones']} phones texted {KEYWORD} (untimed, through the same server) "
          f"in {setup['seconds']:.1f} s\n")
    harness.print_phases(phases, KINDS, {"engage/store": figures["engage_over_store_by_round"]})
    harness.print_webhook_aims(figures, phases, args, "text")
    if e["inline_setup"]:
        print(f"note: {e['inline_setup']} spare phones had to text {KEYWORD} during the timed "
              f"window (untimed, not counted in latencies): phones finished the survey")
    other = figures["answers_200_unexpected_reply"]
    print(f"answers: {figures['answers_sent']} answer texts sent (warm-up included), "
          f"{figures['answers_acknowledged']} answered 200 with the next question"
          f"{f', {other} with another reply' if other else ''}, "
          f"{figures['answers_stored']} stored (distinct response, question; "
          f"{figures['answer_rows']} rows) in {figures['responses']} responses")
    print(f"         phone by phone: {figures['answers_lost']} acknowledged answers missing, "
          f"{figures['answers_unexplained']} unexplained extra, "
          f"{figures['phones_without_response']} phones without a response: "
          f"{'OK' if figures['answers_lost'] == 0 else 'LOST'}")
    print(f"texts:   {figures['inbound_200']} texts answered 200 ({figures['keyword_texts_200']} "
          f"keyword + {figures['answers_200']} answers), {figures['inbound_messages']} inbound "
          f"message rows, {figures['outbound_messages']} outbound: "
          f"{'OK' if figures['inbound_messages'] >= figures['inbound_200'] else 'MISSING'}")
    rows = "OK" if figures["bench_sms_rows"] == figures["store_200"] else "MISMATCH"
    print(f"store:   {figures['store_200']} store texts answered 200, "
          f"{figures['bench_sms_rows']} bench_sms rows: {rows}")
    print(summary)
    harness.print_ratio_lines(figures["ratios"])
    return figures, 1 if lost else 0


# -- main ----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    return harness.resident_webhook_main(
        "sms_webhook", __doc__, argv, unit="phones",
        unit_help="distinct phones, all mid-conversation before the clock starts (1000)",
        state_cls=PhoneState, start_all=start_all, run_phase=run_phase, count_stored=count_stored,
        report=report, prepare_database=prepare_database,
        describe=f"migrations, bench tables, SMS survey {KEYWORD} of {{questions}} questions")


if __name__ == "__main__":
    sys.exit(main())
