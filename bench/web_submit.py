#!/usr/bin/env python
"""Benchmark: a resident answering a survey question page on the web.

One run, one gunicorn server (``bench.bench_app:app``, sync workers), three endpoints
measured one after another with the same load:

* bare:   GET /bench/bare, a fixed small page, no database;
* store:  POST /bench/store, CSRF check + one INSERT + commit + fixed page;
* engage: POST /s/bench/q, the real answer path (CSRF, engine step, answer stored,
          303 redirect).

Then checks that every answer POST answered 303 is in the database.

    .venv/bin/python bench/web_submit.py
    .venv/bin/python bench/web_submit.py --database-url postgresql://127.0.0.1/engage_bench

A PostgreSQL database given with --database-url is wiped (schema public is dropped and
rebuilt from the migrations): use a database of its own, never a real one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing as mp
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import HttpError, Worker  # noqa: E402

SLUG = "bench"
AIM = 0.6  # engage throughput at least 0.6x store
KINDS = ("bare", "store", "engage")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


# -- database ------------------------------------------------------------------------

def prepare_database(url: str, questions: int) -> None:
    """A fresh schema from the migrations, the bench tables, and a published survey."""
    from engage.extensions import db
    from engage.surveys import operations
    from engage.surveys.operations import QuestionData, SurveyData

    app = harness.bench_app(url)
    with app.app_context():
        harness.fresh_schema()
        survey = operations.create_survey(SurveyData(
            slug=SLUG, title={"en": "Bench"}, intro={"en": "i"}, thanks={"en": "t"},
            default_locale="en", locales=["en"], channels=["web"],
        ))
        for i in range(1, questions + 1):
            operations.add_question(survey, QuestionData("rating", {"en": f"Q{i}"}, key=f"q{i}"))
        operations.publish_survey(survey)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def count_stored(url: str) -> dict[str, int]:
    """Answers stored for the bench survey (distinct response, question) and bench rows."""
    import sqlalchemy as sa

    from engage.extensions import db

    app = harness.bench_app(url)
    with app.app_context():
        answers = db.session.scalar(sa.text(
            "SELECT COUNT(*) FROM (SELECT DISTINCT a.response_id, a.question_id"
            " FROM answer a JOIN response r ON r.id = a.response_id"
            " JOIN survey s ON s.id = r.survey_id WHERE s.slug = :slug) AS x"
        ), {"slug": SLUG})
        responses = db.session.scalar(sa.text(
            "SELECT COUNT(*) FROM response r JOIN survey s ON s.id = r.survey_id"
            " WHERE s.slug = :slug"), {"slug": SLUG})
        rows = db.session.scalar(sa.text("SELECT COUNT(*) FROM bench_row"))
        db.session.remove()
        db.engine.dispose()
    return {"answers": int(answers or 0), "responses": int(responses or 0),
            "bench_rows": int(rows or 0)}


# -- client --------------------------------------------------------------------------

class Browser:
    """One cookie jar over one HTTPConnection (kept alive when the server allows it;
    gunicorn's sync workers close every connection, and http.client reconnects)."""

    def __init__(self, conn: http.client.HTTPConnection) -> None:
        self.conn = conn
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str,
                form: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"Accept-Language": "en", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.conn.close()
            raise
        for raw in resp.headers.get_all("Set-Cookie") or ():
            self._remember(raw)
        return resp.status, resp.headers, data

    def _remember(self, raw: str) -> None:
        pair, _, attrs = raw.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = "expires=thu, 01 jan 1970" in attrs.lower() or "max-age=0" in attrs.lower()
        if not value or expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


def location_path(headers: http.client.HTTPMessage) -> str:
    return urlsplit(headers.get("Location", "")).path


@dataclass
class Resident:
    browser: Browser
    token: str
    next_q: int = 1


def new_resident(conn: http.client.HTTPConnection) -> Resident:
    """Landing page (session cookie, CSRF token), then Start: 303 to the first question."""
    browser = Browser(conn)
    status, _h, body = browser.request("GET", f"/s/{SLUG}")
    if status != 200:
        raise HttpError(f"GET /s/{SLUG} -> {status}")
    match = CSRF_RE.search(body.decode("utf-8", "replace"))
    if not match:
        raise HttpError("no csrf_token on the landing page")
    token = match.group(1)
    status, headers, _b = browser.request("POST", f"/s/{SLUG}/start",
                                          {"csrf_token": token, "lang": "en"})
    if status != 303 or location_path(headers) != f"/s/{SLUG}/q":
        raise HttpError(f"POST /s/{SLUG}/start -> {status} {headers.get('Location')}")
    return Resident(browser, token)


class WebWorker(Worker):
    """One connection driving one endpoint; ``prepare`` runs before the start signal."""

    setup_label = "new resident"

    def __init__(self, kind: str, port: int, questions: int, residents: int, seed: int) -> None:
        super().__init__(kind, port, seed)
        self.questions = questions
        self.residents_wanted = residents
        self.pool: list[Resident] = []
        self.resident: Resident | None = None
        self.browser: Browser | None = None
        self.token = ""

    def prepare(self) -> None:
        if self.kind == "store":
            self._fetch_store_token()
        elif self.kind == "engage":
            for _ in range(self.residents_wanted):
                self.pool.append(new_resident(self.conn))
                self.stats.setup += 2

    def _fetch_store_token(self) -> None:
        self.browser = Browser(self.conn)
        status, _h, body = self.browser.request("GET", "/bench/store")
        self.stats.setup += 1
        match = CSRF_RE.search(body.decode("utf-8", "replace"))
        if status != 200 or not match:
            raise HttpError(f"GET /bench/store -> {status}, token found: {bool(match)}")
        self.token = match.group(1)

    def one(self) -> tuple[bool, str]:
        """One timed request: (success, what went wrong)."""
        if self.kind == "bare":
            try:
                self.conn.request("GET", "/bench/bare", headers={"Accept-Language": "en",
                                                                 "Accept": "text/html"})
                resp = self.conn.getresponse()
                resp.read()
            except Exception:
                self.conn.close()
                raise
            return resp.status == 200, f"bare -> {resp.status}"
        if self.kind == "store":
            assert self.browser is not None
            status, _h, _b = self.browser.request(
                "POST", "/bench/store",
                {"csrf_token": self.token, "body": f"answer {self.rng.randint(1, 5)}"})
            return status == 200, f"store -> {status}"
        resident = self.resident
        assert resident is not None
        key = f"q{resident.next_q}"
        status, headers, _b = resident.browser.request("POST", f"/s/{SLUG}/q", {
            "csrf_token": resident.token, "question": key, "action": "next",
            "answer": str(self.rng.randint(1, 5)),
        })
        last = resident.next_q >= self.questions
        expected = f"/s/{SLUG}/done" if last else f"/s/{SLUG}/q"
        if status != 303:
            return False, f"engage {key} -> {status}"
        where = location_path(headers)
        if where != expected:
            # Still a stored-or-not 303: counted as an error, and the DB check tells.
            return False, f"engage {key} -> 303 to {where}, expected {expected}"
        resident.next_q += 1
        return True, ""

    def ensure_ready(self, timed: bool) -> bool:
        """A resident with questions left: from the pool, else a new one (untimed)."""
        if self.kind != "engage":
            return False
        if self.resident is not None and self.resident.next_q <= self.questions:
            return False
        if self.pool:
            self.resident = self.pool.pop()
            return False
        self.resident = new_resident(self.conn)
        self.stats.setup += 2
        if timed:
            self.stats.inline_setup += 1
        return True

    def after_failure(self) -> None:
        if self.kind == "engage":
            self.resident = None  # its state is unknown now: a new resident


def run_phase(kind: str, args: argparse.Namespace, port: int, residents: int,
              procs: list[mp.Process], probes: dict[str, harness.CpuProbe] | None = None) -> dict:
    def make_worker(_conn_index: int, seed: int) -> WebWorker:
        return WebWorker(kind, port, args.questions, residents, seed)

    return harness.run_phase(kind, args, make_worker, procs, probes)


# -- report --------------------------------------------------------------------------

def residents_needed(args: argparse.Namespace, store_rps: float) -> int:
    """Residents each engage connection makes before the clock starts, so that the run
    itself is answer POSTs only: enough for 1.5x the store throughput (more are made
    on the way if needed, and reported)."""
    answers = 1.5 * max(store_rps, 10.0) * (args.warmup + args.duration) / args.concurrency
    return min(200, max(1, math.ceil(answers / args.questions)))


def report(args: argparse.Namespace, url: str, phases: dict[str, dict], stored: dict[str, int],
           workers_cpu: int, load_before: float,
           busy_before: float | None) -> tuple[dict, int]:
    e, s, b = phases["engage"], phases["store"], phases["bare"]
    ratio = harness.ratio
    figures = {
        "database": harness.database_name(url),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "client_processes": max(1, min(args.processes, args.concurrency)),
        "duration_s": args.duration,
        "rounds": args.rounds,
        "warmup_s": args.warmup,
        "questions": args.questions,
        "cpus": workers_cpu,
        "loadavg_before": load_before,
        "cpu_busy_before": busy_before,
        "loadavg_after": os.getloadavg()[0],
        "endpoints": phases,
        "engage_over_store": ratio(e, s),
        "engage_over_bare": ratio(e, b),
        "engage_over_store_by_round": [x / y if y else float("nan")
                                       for x, y in zip(e["rounds_rps"], s["rounds_rps"], strict=True)],
        "aim_engage_over_store": AIM,
        "aim_met": ratio(e, s) >= AIM,
        "answers_303": e["ok_total"],
        "answers_stored": stored["answers"],
        "answers_lost": e["ok_total"] - stored["answers"],
        "responses": stored["responses"],
        "store_200": s["ok_total"],
        "bench_rows": stored["bench_rows"],
    }
    summary = (f"web_submit: engage {e['throughput_rps']:.1f} req/s = "
               f"{figures['engage_over_store']:.2f}x store ({s['throughput_rps']:.1f} req/s), "
               f"{figures['engage_over_bare']:.2f}x bare ({b['throughput_rps']:.1f} req/s); "
               f"p99 engage {e['p99_ms']:.1f} ms")
    figures["summary"] = summary
    figures["ratios"] = [harness.answer_path_ratio("web_submit", phases, args.quick)]
    lost = figures["answers_lost"] != 0 or figures["bench_rows"] != figures["store_200"]
    if args.json:
        print(json.dumps(harness.finite(figures), indent=2))
        harness.print_ratio_lines(figures["ratios"], json_mode=True)
        return figures, 1 if lost else 0
    print(f"\nEngage web answer benchmark: {figures['database']}, gunicorn {args.workers} sync "
          f"workers, {args.concurrency} connections in {figures['client_processes']} client "
          f"processes, {args.warmup:g} s warm-up + {args.duration:g} s per endpoint"
          f"{f' x {args.rounds} rounds' if args.rounds > 1 else ''}, "
          f"{harness.machine_note(load_before, busy_before)}\n")
    harness.busy_warning(busy_before)
    harness.print_table(phases, KINDS)
    harness.print_others(phases, KINDS)
    if args.rounds > 1:
        harness.print_rounds(phases, KINDS,
                             {"engage/store": figures["engage_over_store_by_round"]})
    harness.print_error_samples(phases, KINDS)
    print()
    verdict = harness.verdict(figures["aim_met"], args.quick)
    print(f"engage/store {figures['engage_over_store']:.2f}x  (aim >= {AIM:.1f}x: {verdict})")
    print(f"engage/bare  {figures['engage_over_bare']:.2f}x  (informative: a commit per request "
          f"caps any correct endpoint near 1/4 of bare)")
    if e["inline_setup"]:
        print(f"note: {e['inline_setup']} residents had to be started during the timed window "
              f"(2 untimed requests each, their time not counted in latencies)")
    check = "OK" if figures["answers_lost"] == 0 else f"LOST {figures['answers_lost']}"
    print(f"answers: {figures['answers_303']} answer POSTs answered 303 (warm-up included), "
          f"{figures['answers_stored']} stored (distinct response, question) "
          f"in {figures['responses']} responses: {check}")
    rows = "OK" if figures["bench_rows"] == figures["store_200"] else "MISMATCH"
    print(f"store:   {figures['store_200']} store POSTs answered 200, "
          f"{figures['bench_rows']} bench_row rows: {rows}")
    print(summary)
    harness.print_ratio_lines(figures["ratios"])
    return figures, 1 if lost else 0


# -- main ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    harness.add_common_arguments(ap, "bare, store, engage")
    ap.add_argument("--questions", type=int, default=30, help="questions in the bench survey (30)")
    args = harness.parse_quick(ap, argv, harness.GUNICORN_QUICK)
    harness.check_common_arguments(ap, args)
    if not (1 <= args.questions <= 200):
        ap.error("--questions must be 1..200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def measure(run: harness.Run, kind: str, _context: object, probes: dict) -> dict:
        residents = 0
        if kind == "engage":
            residents = residents_needed(args, run.raw["store"][-1]["ok"] / args.duration)
        return run_phase(kind, args, run.port, residents, run.procs, probes)

    def finish(run: harness.Run, phases: dict, _context: object) -> int:
        _figures, code = report(args, run.url, phases, count_stored(run.url), os.cpu_count() or 0,
                                run.load_before, run.busy_before)
        return code

    return harness.run_benchmark(
        "web_submit", args, KINDS, prepare=lambda url: prepare_database(url, args.questions),
        describe=f"migrations, bench table, survey of {args.questions} questions",
        before=lambda _run: None, measure=measure, finish=finish)


if __name__ == "__main__":
    sys.exit(main())
