#!/usr/bin/env python
"""Benchmark: a resident answering a survey question page on the web.

One run, one gunicorn server (``bench.bench_app:app``, sync workers), three endpoints
measured one after another with the same load:

* bare:   GET /bench/bare, a fixed small page, no database;
* store:  POST /bench/store, CSRF check + one INSERT + commit + fixed page;
* engage: POST /s/bench/q, the real answer path (CSRF, engine step, answer stored,
          303 redirect).

Then checks that every answer POST answered 303 is in the database.

    cd /work/main && .venv/bin/python bench/web_submit.py
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
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SLUG = "bench"
SECRET = "engage-bench-secret-not-for-production"  # bench only
AIM = 0.6  # engage throughput at least 0.6x store
KINDS = ("bare", "store", "engage")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
SOCKET_TIMEOUT = 30.0
MAX_SAMPLES_PER_THREAD = 500_000  # bound on memory, far above what a run produces


# -- database ------------------------------------------------------------------------

def prepare_database(url: str, questions: int) -> None:
    """A fresh schema from the migrations, the bench table, and a published survey."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from bench.bench_app import bench_metadata, make_app
    from engage.extensions import db
    from engage.surveys import operations
    from engage.surveys.operations import QuestionData, SurveyData

    app = make_app(url, SECRET)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        bench_metadata.create_all(db.engine)
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

    from bench.bench_app import make_app
    from engage.extensions import db

    app = make_app(url, SECRET)
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


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Share of the machine's CPU time spent busy over ``seconds`` (Linux /proc/stat):
    what other programs use before we start, since they skew every figure."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle
    try:
        total1, idle1 = sample()
        time.sleep(seconds)
        total2, idle2 = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total2 - total1
    return 1 - (idle2 - idle1) / total if total > 0 else None


# -- server --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def gunicorn_command(port: int, workers: int) -> list[str]:
    exe = ROOT / ".venv" / "bin" / "gunicorn"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "gunicorn"]
    return base + ["-w", str(workers), "-k", "sync", "-b", f"{HOST}:{port}",
                   "--chdir", str(ROOT), "--log-level", "warning", "bench.bench_app:app"]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, BENCH_DATABASE_URL=url, BENCH_SECRET=SECRET)
    # Its own session: a Ctrl-C reaches only us, and we stop it in order.
    return subprocess.Popen(gunicorn_command(port, workers), env=env, cwd=str(ROOT),
                            stdin=subprocess.DEVNULL, start_new_session=True)


def wait_until_up(proc: subprocess.Popen, port: int, workers: int, timeout: float = 30.0) -> None:
    """Until the page answers; then a few more requests so every worker has loaded."""
    deadline = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/bench/bare")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                ok += 1
                if ok >= 4 * workers:
                    return
                continue
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM to the master: graceful stop of its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# -- client --------------------------------------------------------------------------

class HttpError(Exception):
    pass


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


@dataclass
class ThreadStats:
    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    ok: int = 0          # in the measured window
    errors: int = 0      # in the measured window
    ok_total: int = 0    # warm-up + window + the tail after it
    errors_total: int = 0
    setup: int = 0           # untimed requests (tokens, residents) before the start
    inline_setup: int = 0    # residents made during the run (their time is not counted)
    error_samples: list[str] = field(default_factory=list)

    def note_error(self, text: str) -> None:
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


class Worker:
    """One connection driving one endpoint; ``prepare`` runs before the start signal."""

    def __init__(self, kind: str, port: int, questions: int, residents: int, seed: int) -> None:
        self.kind = kind
        self.questions = questions
        self.residents_wanted = residents
        self.conn = http.client.HTTPConnection(HOST, port, timeout=SOCKET_TIMEOUT)
        self.rng = random.Random(seed)
        self.stats = ThreadStats()
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

    def _ensure_resident(self, timed: bool) -> None:
        if self.resident is not None and self.resident.next_q <= self.questions:
            return
        if self.pool:
            self.resident = self.pool.pop()
            return
        self.resident = new_resident(self.conn)
        self.stats.setup += 2
        if timed:
            self.stats.inline_setup += 1

    def run(self, t0: float, warm_end: float, end: float) -> None:
        stats = self.stats
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if self.kind == "engage":
                try:
                    self._ensure_resident(timed=now >= warm_end)
                except Exception as exc:  # counted, and the run goes on
                    stats.note_error(f"new resident: {exc!r}")
                    self.resident = None
                    time.sleep(0.05)
                    continue
                # A resident made now took time: read the clock again.
                if time.monotonic() >= end:
                    break
            started = time.monotonic()
            try:
                ok, what = self.one()
            except Exception as exc:
                ok, what = False, f"{self.kind}: {exc!r}"
            finished = time.monotonic()
            in_window = warm_end <= finished <= end
            if ok:
                stats.ok_total += 1
                if in_window:
                    stats.ok += 1
                    if len(stats.latencies) < MAX_SAMPLES_PER_THREAD:
                        stats.latencies.append(finished - started)
            else:
                stats.errors_total += 1
                if in_window:
                    stats.errors += 1
                stats.note_error(what)
                if self.kind == "engage":
                    self.resident = None  # its state is unknown now: a new resident
                time.sleep(0.01)  # do not spin on a failing server


def client_process(kind: str, port: int, threads: int, questions: int, residents: int,
                   seed: int, warmup: float, duration: float, go: mp.Event,
                   t0_value: mp.Value, messages: mp.Queue) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    try:
        workers = [Worker(kind, port, questions, residents, seed * 1000 + i)
                   for i in range(threads)]
        problems: list[str] = []

        def prepare(w: Worker) -> None:
            try:
                w.prepare()
            except Exception as exc:
                problems.append(repr(exc))

        ts = [threading.Thread(target=prepare, args=(w,)) for w in workers]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if problems:
            messages.put(("failed", os.getpid(), f"prepare: {problems[0]}"))
            return
        messages.put(("ready", os.getpid(), None))
        if not go.wait(timeout=600):
            messages.put(("failed", os.getpid(), "no start signal"))
            return
        t0 = t0_value.value
        warm_end, end = t0 + warmup, t0 + warmup + duration
        while time.monotonic() < t0:
            time.sleep(0.001)
        cpu_start = time.process_time()
        ts = [threading.Thread(target=w.run, args=(t0, warm_end, end)) for w in workers]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        cpu = time.process_time() - cpu_start
        merged = ThreadStats()
        for w in workers:
            s = w.stats
            merged.latencies.extend(s.latencies)
            for name in ("ok", "errors", "ok_total", "errors_total", "setup", "inline_setup"):
                setattr(merged, name, getattr(merged, name) + getattr(s, name))
            for e in s.error_samples:
                merged.note_error(e)
            w.conn.close()
        messages.put(("result", os.getpid(), dict(merged.__dict__, cpu=cpu)))
    except Exception:
        messages.put(("failed", os.getpid(), traceback.format_exc()))


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run_phase(kind: str, args: argparse.Namespace, port: int, residents: int,
              procs: list[mp.Process]) -> dict:
    ctx = mp.get_context("fork")
    n_proc = max(1, min(args.processes, args.concurrency))
    per = [args.concurrency // n_proc + (1 if i < args.concurrency % n_proc else 0)
           for i in range(n_proc)]
    go, t0_value, messages = ctx.Event(), ctx.Value("d", 0.0), ctx.Queue()
    mine: list[mp.Process] = []
    for i, threads in enumerate(per):
        p = ctx.Process(target=client_process, daemon=True, args=(
            kind, port, threads, args.questions, residents, args.seed * 100 + i,
            args.warmup, args.duration, go, t0_value, messages))
        p.start()
        mine.append(p)
        procs.append(p)
    ready, results, failures = 0, [], []
    setup_deadline = time.monotonic() + 300
    while ready + len(failures) < n_proc:
        try:
            what, _pid, payload = messages.get(timeout=max(0.1, setup_deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"{kind}: clients not ready after 300 s") from None
        if what == "ready":
            ready += 1
        else:
            failures.append(payload)
    if failures:
        go.set()
        raise RuntimeError(f"{kind}: a client failed: {failures[0]}")
    t0_value.value = time.monotonic() + 0.05
    go.set()
    deadline = time.monotonic() + args.warmup + args.duration + SOCKET_TIMEOUT + 30
    while len(results) + len(failures) < n_proc:
        try:
            what, _pid, payload = messages.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"{kind}: clients did not finish in time") from None
        (results if what == "result" else failures).append(payload)
    for p in mine:
        p.join(timeout=10)
    if failures:
        raise RuntimeError(f"{kind}: a client failed: {failures[0]}")
    total = lambda name: sum(r[name] for r in results)  # noqa: E731
    return {
        "latencies": [x for r in results for x in r["latencies"]],
        "ok": total("ok"),
        "errors": total("errors"),
        "ok_total": total("ok_total"),
        "errors_total": total("errors_total"),
        "setup": total("setup"),
        "inline_setup": total("inline_setup"),
        "error_samples": [e for r in results for e in r["error_samples"]][:5],
        # Load generator CPU over warm-up + window, as a share of the whole machine.
        "client_cpu": total("cpu") / ((args.warmup + args.duration) * (os.cpu_count() or 1)),
    }


def summarise(kind: str, rounds: list[dict], duration: float) -> dict:
    """One endpoint over every round: pooled requests and latencies."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    total = lambda name: sum(r[name] for r in rounds)  # noqa: E731
    return {
        "endpoint": kind,
        "requests": total("ok"),
        "throughput_rps": total("ok") / (duration * len(rounds)),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": total("errors"),
        "rounds_rps": [r["ok"] / duration for r in rounds],
        "client_cpu_share": sum(r["client_cpu"] for r in rounds) / len(rounds),
        "ok_total": total("ok_total"),
        "errors_total": total("errors_total"),
        "setup_requests": total("setup"),
        "inline_setup": total("inline_setup"),
        "error_samples": [e for r in rounds for e in r["error_samples"]][:5],
    }


# -- report --------------------------------------------------------------------------

def residents_needed(args: argparse.Namespace, store_rps: float) -> int:
    """Residents each engage connection makes before the clock starts, so that the run
    itself is answer POSTs only: enough for 1.5x the store throughput (more are made
    on the way if needed, and reported)."""
    answers = 1.5 * max(store_rps, 10.0) * (args.warmup + args.duration) / args.concurrency
    return min(200, max(1, math.ceil(answers / args.questions)))


def _finite(value: object) -> object:
    """NaN (no samples) as null, so the JSON is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def report(args: argparse.Namespace, url: str, phases: dict[str, dict], stored: dict[str, int],
           workers_cpu: int, load_before: float,
           busy_before: float | None) -> tuple[dict, int]:
    e, s, b = phases["engage"], phases["store"], phases["bare"]
    ratio = lambda x, y: x["throughput_rps"] / y["throughput_rps"] if y["throughput_rps"] else float("nan")  # noqa: E731
    figures = {
        "database": urlsplit(url).scheme.split("+")[0] or "sqlite",
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
    lost = figures["answers_lost"] != 0 or figures["bench_rows"] != figures["store_200"]
    if args.json:
        print(json.dumps(_finite(figures), indent=2))
        return figures, 1 if lost else 0
    print(f"\nEngage web answer benchmark: {figures['database']}, gunicorn {args.workers} sync "
          f"workers, {args.concurrency} connections in {figures['client_processes']} client "
          f"processes, {args.warmup:g} s warm-up + {args.duration:g} s per endpoint"
          f"{f' x {args.rounds} rounds' if args.rounds > 1 else ''}, "
          f"{workers_cpu} CPUs, before the run: load average {load_before:.2f}, CPUs "
          f"{'?' if busy_before is None else f'{busy_before:.0%}'} busy\n")
    if busy_before is not None and busy_before > 0.25:
        print(f"warning: the CPUs were {busy_before:.0%} busy with other work just before the "
              f"run; figures may be noisy (--rounds 3 helps)\n")
    print(f"{'endpoint':<8} {'requests':>9} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}"
          f" {'client CPU':>11}")
    for kind in KINDS:
        r = phases[kind]
        print(f"{kind:<8} {r['requests']:>9} {r['throughput_rps']:>9.1f} {r['p50_ms']:>9.2f} "
              f"{r['p99_ms']:>9.2f} {r['errors']:>7} {r['client_cpu_share']:>10.0%}")
    if args.rounds > 1:
        for kind in KINDS:
            spread = ", ".join(f"{x:.1f}" for x in phases[kind]["rounds_rps"])
            print(f"  {kind} req/s by round: {spread}")
        spread = ", ".join(f"{x:.2f}" for x in figures["engage_over_store_by_round"])
        print(f"  engage/store by round: {spread}")
    for kind in KINDS:
        for sample in phases[kind]["error_samples"]:
            print(f"  {kind} error: {sample}")
    print()
    verdict = "met" if figures["aim_met"] else "NOT met"
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
    return figures, 1 if lost else 0


# -- main ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None,
                    help="default: a SQLite file in a temporary directory. A PostgreSQL "
                         "database is WIPED (e.g. postgresql://127.0.0.1/engage_bench)")
    ap.add_argument("--concurrency", type=int, default=16, help="connections in all (16)")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds measured per endpoint (8)")
    ap.add_argument("--warmup", type=float, default=1.5, help="seconds not counted, before (1.5)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    ap.add_argument("--processes", type=int, default=4,
                    help="client processes sharing the connections (4)")
    ap.add_argument("--questions", type=int, default=30, help="questions in the bench survey (30)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure bare, store, engage this many times in turn, pooled (1); "
                         "more rounds even out a machine whose load changes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if not (1 <= args.concurrency <= 256):
        ap.error("--concurrency must be 1..256")
    if not (0.5 <= args.duration <= 600) or not (0 <= args.warmup <= 60):
        ap.error("--duration must be 0.5..600 s and --warmup 0..60 s")
    if not (1 <= args.workers <= 32) or not (1 <= args.processes <= 64):
        ap.error("--workers must be 1..32 and --processes 1..64")
    if not (1 <= args.rounds <= 20):
        ap.error("--rounds must be 1..20")
    if not (1 <= args.questions <= 200):
        ap.error("--questions must be 1..200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else \
        (lambda *a: print(*a, flush=True))
    tmpdir = None
    url = args.database_url
    if not url:
        tmpdir = tempfile.mkdtemp(prefix="engage-bench-")
        url = f"sqlite:///{Path(tmpdir) / 'bench.db'}"
    server = None
    procs: list[mp.Process] = []
    try:
        load_before = os.getloadavg()[0]
        busy_before = cpu_busy()
        log(f"preparing {url} (migrations, bench table, survey of {args.questions} questions)")
        prepare_database(url, args.questions)
        port = free_port()
        server = start_server(url, port, args.workers)
        wait_until_up(server, port, args.workers)
        log(f"gunicorn: {' '.join(gunicorn_command(port, args.workers))}")
        raw: dict[str, list[dict]] = {kind: [] for kind in KINDS}
        for round_no in range(1, args.rounds + 1):
            for kind in KINDS:
                residents = 0
                if kind == "engage":
                    residents = residents_needed(args, raw["store"][-1]["ok"] / args.duration)
                where = f" (round {round_no}/{args.rounds})" if args.rounds > 1 else ""
                log(f"measuring {kind}{where}: {args.warmup:g} s warm-up + {args.duration:g} s")
                raw[kind].append(run_phase(kind, args, port, residents, procs))
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn exited (code {server.returncode}) during {kind}")
                time.sleep(0.5)
        phases = {kind: summarise(kind, raw[kind], args.duration) for kind in KINDS}
        stop_server(server)
        server = None
        stored = count_stored(url)
        _figures, code = report(args, url, phases, stored, os.cpu_count() or 0, load_before,
                                busy_before)
        return code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line after the traceback
        traceback.print_exc()
        print(f"web_submit: FAILED: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
              file=sys.stderr)
        return 2
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        stop_server(server)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
