"""What the benchmarks share: a fresh database, gunicorn started and stopped, load
generator processes driving one endpoint at a time, percentiles and the report's
common parts.

Used by ``bench/web_submit.py`` (web answers), ``bench/sms_webhook.py`` (texts) and
``bench/voice_webhook.py`` (keys pressed in a call). A benchmark supplies a
:class:`Worker` subclass (one connection: what one request is, what to prepare before
the clock starts) and a factory for it; :func:`run_phase` runs ``--concurrency`` of them
in ``--processes`` client processes, a warm-up then a fixed measured window, and pools
what they measured.

The Twilio webhook benchmarks also share signed requests (:func:`twilio_post`), the
phones (:func:`phone_number`), the residents kept mid-survey between phases
(:class:`Residents`, :class:`ResidentWorker`, :func:`run_residents_phase`) and the
report's aims against the ``fixed`` and ``store`` baselines.
"""

from __future__ import annotations

import argparse
import copy
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SECRET = "engage-bench-secret-not-for-production"  # bench only
SOCKET_TIMEOUT = 30.0
MAX_SAMPLES_PER_THREAD = 500_000  # bound on memory, far above what a run produces


# -- database ------------------------------------------------------------------------

def bench_app(url: str):  # type: ignore[no-untyped-def]
    """The served app (``bench.bench_app``) on ``url``, for work done in-process."""
    from bench.bench_app import make_app

    return make_app(url, SECRET)


def fresh_schema() -> None:
    """Inside an app context: PostgreSQL's schema public dropped and recreated, then
    ``flask_migrate.upgrade()`` (the schema comes from the migrations only), then the
    bench-only tables from their own ``MetaData``."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from bench.bench_app import bench_metadata
    from engage.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()
    bench_metadata.create_all(db.engine)


def temp_database(url: str | None) -> tuple[str, str | None]:
    """``url``, or a SQLite file in a new temporary directory (returned, to remove)."""
    if url:
        return url, None
    tmpdir = tempfile.mkdtemp(prefix="engage-bench-")
    return f"sqlite:///{Path(tmpdir) / 'bench.db'}", tmpdir


def database_name(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).scheme.split("+")[0] or "sqlite"


def _cpu_sample() -> tuple[int, int]:
    """(all, idle) clock ticks of every CPU since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values), idle


def machine_busy_seconds() -> float | None:
    """CPU time every program on the machine has used so far (all CPUs, busy only)."""
    try:
        total, idle = _cpu_sample()
    except (OSError, ValueError, IndexError):
        return None
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Share of the machine's CPU time spent busy over ``seconds`` (Linux /proc/stat):
    what other programs use before we start, since they skew every figure."""
    try:
        total1, idle1 = _cpu_sample()
        time.sleep(seconds)
        total2, idle2 = _cpu_sample()
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


def _proc_stat(pid: int | str) -> list[str] | None:
    """/proc/<pid>/stat after the command name: [state, ppid, ...]; utime and stime
    (fields 14 and 15) are items 11 and 12."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None  # gone meanwhile, or no /proc


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by process ``pid`` and its children
    (gunicorn's master and workers), from /proc; None where /proc is not readable."""
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    total, found = 0, False
    for entry in entries:
        fields = _proc_stat(entry)
        if fields is not None and (int(entry) == pid or int(fields[1]) == pid):
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def postgres_backend_pids(url: str) -> list[int]:
    """The server processes of the other connections to ``url``'s database (gunicorn's
    pooled connections, while it runs), if the server is on this machine."""
    import psycopg

    from config import _normalise_db_url

    conninfo = _normalise_db_url(url).replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, connect_timeout=5) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        return [int(pid) for (pid,) in rows]


def pids_cpu_seconds(pids: list[int]) -> float | None:
    """CPU time used so far by these processes; None if one of them is not readable."""
    total = 0
    for pid in pids:
        fields = _proc_stat(pid)
        if fields is None:
            return None
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_probes(server: subprocess.Popen, url: str) -> dict[str, Callable[[], float | None]]:
    """For one phase: gunicorn's CPU time and, for a PostgreSQL server on this machine,
    its backends' serving gunicorn (found at the first reading, kept for the second)."""
    probes: dict[str, Callable[[], float | None]] = {
        "gunicorn": lambda: tree_cpu_seconds(server.pid), MACHINE: machine_busy_seconds}
    if database_name(url) == "postgresql":
        pids: list[int] = []

        def postgres() -> float | None:
            if not pids:
                try:
                    pids.extend(postgres_backend_pids(url))
                except Exception:
                    return None
            return pids_cpu_seconds(pids) if pids else None

        probes["postgres"] = postgres
    return probes


def cleanup(procs: list[mp.Process], server: subprocess.Popen | None, tmpdir: str | None) -> None:
    """Client processes, then gunicorn, then the temporary SQLite directory."""
    import shutil

    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
    stop_server(server)
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


# -- client --------------------------------------------------------------------------

class HttpError(Exception):
    pass


@dataclass
class ThreadStats:
    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    ok: int = 0          # in the measured window
    errors: int = 0      # in the measured window
    ok_total: int = 0    # warm-up + window + the tail after it
    errors_total: int = 0
    setup: int = 0           # untimed requests made before the start or on the way
    inline_setup: int = 0    # setups made during the run (their time is not counted)
    error_samples: list[str] = field(default_factory=list)

    def note_error(self, text: str) -> None:
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


COUNTERS = ("ok", "errors", "ok_total", "errors_total", "setup", "inline_setup")


class Worker:
    """One connection driving one endpoint. Subclasses define :meth:`one` (one timed
    request: ``(success, what went wrong)``) and, if they need them, :meth:`prepare`
    (before the start signal), :meth:`ensure_ready` (untimed work before a request,
    e.g. a new resident), :meth:`after_failure` and :meth:`result` (anything to send
    back to the parent process, which must pickle)."""

    #: How :meth:`ensure_ready`'s failures are labelled in the error samples.
    setup_label = "setup"

    def __init__(self, kind: str, port: int, seed: int) -> None:
        self.kind = kind
        self.conn = http.client.HTTPConnection(HOST, port, timeout=SOCKET_TIMEOUT)
        self.rng = random.Random(seed)
        self.stats = ThreadStats()

    def prepare(self) -> None:
        pass

    def ensure_ready(self, timed: bool) -> bool:
        """Untimed work before the next request; True if some was done (the clock is
        read again)."""
        return False

    def one(self) -> tuple[bool, str]:
        raise NotImplementedError

    def after_failure(self) -> None:
        pass

    def result(self) -> Any:
        return None

    def run(self, t0: float, warm_end: float, end: float) -> None:
        stats = self.stats
        while True:
            now = time.monotonic()
            if now >= end:
                break
            try:
                did_setup = self.ensure_ready(timed=now >= warm_end)
            except Exception as exc:  # counted, and the run goes on
                stats.note_error(f"{self.setup_label}: {exc!r}")
                self.after_failure()
                time.sleep(0.05)
                continue
            # Setup took time: read the clock again.
            if did_setup and time.monotonic() >= end:
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
                self.after_failure()
                time.sleep(0.01)  # do not spin on a failing server


#: ``make_worker(connection index 0..concurrency-1, seed)`` -> a Worker. Client
#: processes are forked, so it may be a closure.
WorkerFactory = Callable[[int, int], Worker]


def client_process(make_worker: WorkerFactory, first_conn: int, threads: int, seed: int,
                   warmup: float, duration: float, go: mp.Event, t0_value: mp.Value,
                   messages: mp.Queue) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    try:
        workers = [make_worker(first_conn + i, seed * 1000 + i) for i in range(threads)]
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
            for name in COUNTERS:
                setattr(merged, name, getattr(merged, name) + getattr(s, name))
            for e in s.error_samples:
                merged.note_error(e)
            w.conn.close()
        messages.put(("result", os.getpid(), dict(merged.__dict__, cpu=cpu,
                                                   results=[w.result() for w in workers])))
    except Exception:
        messages.put(("failed", os.getpid(), traceback.format_exc()))


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


#: A reading of some CPU time counter in seconds (None: not available).
CpuProbe = Callable[[], float | None]
#: The probe of the whole machine's busy CPU time: what the others probes and the
#: load generator did not use of it was used by other programs.
MACHINE = "machine"


def run_phase(kind: str, args: argparse.Namespace, make_worker: WorkerFactory,
              procs: list[mp.Process], probes: dict[str, CpuProbe] | None = None) -> dict:
    """``args.concurrency`` workers in ``args.processes`` client processes: all prepared,
    then started together, ``args.warmup`` s not counted, ``args.duration`` s measured.
    Returns the pooled figures, and ``results``: every worker's :meth:`Worker.result`.
    ``probes`` (e.g. gunicorn's CPU time) are read at the start signal and once every
    client has finished: ``cpu`` holds what each used meanwhile."""
    ctx = mp.get_context("fork")
    n_proc = max(1, min(args.processes, args.concurrency))
    per = [args.concurrency // n_proc + (1 if i < args.concurrency % n_proc else 0)
           for i in range(n_proc)]
    go, t0_value, messages = ctx.Event(), ctx.Value("d", 0.0), ctx.Queue()
    mine: list[mp.Process] = []
    first = 0
    for i, threads in enumerate(per):
        p = ctx.Process(target=client_process, daemon=True, args=(
            make_worker, first, threads, args.seed * 100 + i, args.warmup, args.duration,
            go, t0_value, messages))
        first += threads
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
    probes = probes or {}
    cpu_before = {name: probe() for name, probe in probes.items()}
    probe_start = time.monotonic()
    t0_value.value = time.monotonic() + 0.05
    go.set()
    deadline = time.monotonic() + args.warmup + args.duration + SOCKET_TIMEOUT + 30
    while len(results) + len(failures) < n_proc:
        try:
            what, _pid, payload = messages.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"{kind}: clients did not finish in time") from None
        (results if what == "result" else failures).append(payload)
    cpu_after = {name: probe() for name, probe in probes.items()}
    probe_seconds = time.monotonic() - probe_start
    for p in mine:
        p.join(timeout=10)
    if failures:
        raise RuntimeError(f"{kind}: a client failed: {failures[0]}")
    total = lambda name: sum(r[name] for r in results)  # noqa: E731
    cpu = {name: None if cpu_before[name] is None or cpu_after[name] is None
           else cpu_after[name] - cpu_before[name] for name in probes}
    return {
        "latencies": [x for r in results for x in r["latencies"]],
        **{name: total(name) for name in COUNTERS},
        "error_samples": [e for r in results for e in r["error_samples"]][:5],
        # Load generator CPU over warm-up + window, as a share of the whole machine.
        "client_cpu": total("cpu") / ((args.warmup + args.duration) * (os.cpu_count() or 1)),
        "results": [x for r in results for x in r["results"]],
        # CPU seconds of each probe over warm-up + window + tail, and the requests made
        # in that time.
        "cpu": cpu,
        "probe_seconds": probe_seconds,
        "client_cpu_s": total("cpu"),
        "all_requests": total("ok_total") + total("errors_total"),
    }


def summarise(kind: str, rounds: list[dict], duration: float) -> dict:
    """One endpoint over every round: pooled requests and latencies."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    total = lambda name: sum(r[name] for r in rounds)  # noqa: E731
    served = total("all_requests")
    cpu_ms: dict[str, float | None] = {}
    for name in rounds[0]["cpu"]:
        used = [r["cpu"][name] for r in rounds]
        cpu_ms[name] = 1000 * sum(used) / served if served and None not in used else None
    others = None  # share of the machine used by other programs meanwhile
    if MACHINE in rounds[0]["cpu"] and all(None not in r["cpu"].values() for r in rounds):
        ours = sum(v for r in rounds for k, v in r["cpu"].items() if k != MACHINE)
        ours += total("client_cpu_s")
        capacity = total("probe_seconds") * (os.cpu_count() or 1)
        others = max(0.0, (sum(r["cpu"][MACHINE] for r in rounds) - ours) / capacity)
    return {
        "endpoint": kind,
        "requests": total("ok"),
        "throughput_rps": total("ok") / (duration * len(rounds)),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": total("errors"),
        "rounds_rps": [r["ok"] / duration for r in rounds],
        "client_cpu_share": sum(r["client_cpu"] for r in rounds) / len(rounds),
        #: CPU milliseconds per request (warm-up included) of each probe.
        "cpu_ms_per_request": cpu_ms,
        "others_cpu_share": others,
        "ok_total": total("ok_total"),
        "errors_total": total("errors_total"),
        "setup_requests": total("setup"),
        "inline_setup": total("inline_setup"),
        "error_samples": [e for r in rounds for e in r["error_samples"]][:5],
    }


def ratio(x: dict, y: dict) -> float:
    """Throughput of summary ``x`` over summary ``y``."""
    return x["throughput_rps"] / y["throughput_rps"] if y["throughput_rps"] else float("nan")


# -- Twilio webhooks: signed requests, phones, residents kept between phases ---------

#: What Twilio sends as ``To`` and ``AccountSid`` (bench only, never real ones).
TWILIO_TO_NUMBER = "+15005550006"
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
MAX_PHONES = 10_000  # +1 206 555 0000 .. 9999: the phones and the spare ones


def phone_number(index: int) -> str:
    """+1 206 555 0000 .. 9999: possible (and valid) US numbers, one per phone."""
    return f"+1206555{index:04d}"


_validator = None


def twilio_post(conn: http.client.HTTPConnection, path: str,
                params: dict[str, str]) -> tuple[int, bytes]:
    """One webhook request as Twilio makes it: ``params`` form-encoded, POSTed to
    ``path`` (its query string included) and signed over the app's public URL of it,
    as the app checks. (status, body)."""
    global _validator
    if _validator is None:
        from twilio.request_validator import RequestValidator

        from bench.bench_app import BENCH_TWILIO_TOKEN

        _validator = RequestValidator(BENCH_TWILIO_TOKEN)
    from bench.bench_app import BENCH_PUBLIC_BASE_URL

    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": _validator.compute_signature(BENCH_PUBLIC_BASE_URL + path, params),
    }
    try:
        conn.request("POST", path, body=urlencode(params), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    except Exception:
        conn.close()
        raise
    return resp.status, data


def owned(conn_index: int, concurrency: int, indices: list[int]) -> list[int]:
    """Each phone belongs to one connection, which makes its requests one at a time."""
    return [i for i in indices if i % concurrency == conn_index]


#: A resident's state: a dataclass with the phone's ``index`` (it must pickle).
ResidentT = TypeVar("ResidentT")


class Residents(Generic[ResidentT]):
    """Every resident's state (a phone mid-conversation, a caller mid-call) by phone
    index, kept by the parent between phases: client processes are forked with it and
    send back their connection's states (:func:`run_residents_phase`)."""

    def __init__(self, count: int, concurrency: int, new: Callable[[int], ResidentT]) -> None:
        self.count = count
        self.concurrency = concurrency
        self.states: dict[int, ResidentT] = {i: new(i) for i in range(count)}
        self.spares = list(range(count, MAX_PHONES))

    def for_connection(self, conn_index: int) -> tuple[list[ResidentT], list[int]]:
        """Copies of the connection's residents' states, and its spare phones."""
        mine = owned(conn_index, self.concurrency, sorted(self.states))
        spares = owned(conn_index, self.concurrency, self.spares)
        return [copy.copy(self.states[i]) for i in mine], spares

    def merge(self, states: list[ResidentT]) -> None:
        for state in states:
            self.states[state.index] = state  # type: ignore[attr-defined]
        used = {state.index for state in states}  # type: ignore[attr-defined]
        self.spares = [i for i in self.spares if i not in used]

    def start_all(self, port: int,
                  start: Callable[[http.client.HTTPConnection, ResidentT], None]) -> tuple[int, float]:
        """``start`` for every resident, untimed, through the server: ``concurrency``
        connections, each starting its own residents one after another. (How many,
        seconds.)"""
        errors: list[str] = []
        done = [0] * self.concurrency

        def run(conn_index: int) -> None:
            conn = http.client.HTTPConnection(HOST, port, timeout=SOCKET_TIMEOUT)
            try:
                for i in owned(conn_index, self.concurrency, list(range(self.count))):
                    start(conn, self.states[i])
                    done[conn_index] += 1
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                conn.close()

        started = time.monotonic()
        threads = [threading.Thread(target=run, args=(c,)) for c in range(self.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        if errors:
            raise RuntimeError(f"starting the residents: {errors[0]}")
        return sum(done), elapsed


class ResidentWorker(Worker, Generic[ResidentT]):
    """One connection making its own residents' requests in turn. For the app's path
    (kind ``engage``) only residents who can go on (:meth:`can_go_on`); when none can, a
    spare phone's resident is made (:meth:`new`) and started (:meth:`start`: untimed,
    counted as setup) first. The baselines take any resident. :meth:`take` gives the
    resident of the next request; :attr:`counts` go back to the parent, summed."""

    setup_label = "new phone"

    def __init__(self, kind: str, port: int, seed: int, residents: list[ResidentT],
                 spares: list[int], counts: tuple[str, ...]) -> None:
        super().__init__(kind, port, seed)
        self.residents = residents
        self.spares = spares
        self.cursor = -1
        self.current: ResidentT | None = None
        self.counts = dict.fromkeys(counts, 0)

    def new(self, index: int) -> ResidentT:
        raise NotImplementedError

    def can_go_on(self, resident: ResidentT) -> bool:
        raise NotImplementedError

    def start(self, resident: ResidentT) -> None:
        """The resident's first request; raises if it did not go as expected."""
        raise NotImplementedError

    def ensure_ready(self, timed: bool) -> bool:
        n = len(self.residents)
        for step in range(1, n + 1):
            resident = self.residents[(self.cursor + step) % n]
            if self.kind != "engage" or self.can_go_on(resident):
                self.cursor = (self.cursor + step) % n
                self.current = resident
                return False
        if not self.spares:
            raise HttpError("every phone of this connection has finished the survey")
        resident = self.new(self.spares.pop(0))
        self.residents.append(resident)
        self.cursor, self.current = len(self.residents) - 1, resident
        self.start(resident)
        self.stats.setup += 1
        if timed:
            self.stats.inline_setup += 1
        return True

    def take(self) -> ResidentT:
        resident = self.current
        assert resident is not None
        self.current = None
        return resident

    def result(self) -> dict:
        return {"residents": self.residents, "counts": self.counts}


def run_residents_phase(kind: str, args: argparse.Namespace, residents: Residents,
                        make_worker: Callable[[str, int, list, list[int]], ResidentWorker],
                        procs: list[mp.Process], probes: dict[str, CpuProbe] | None = None) -> dict:
    """:func:`run_phase` with ``make_worker(kind, seed, states, spares)`` given each
    connection's residents; their states are merged back, and the workers' counts are
    summed into the phase's figures (instead of ``results``)."""
    def factory(conn_index: int, seed: int) -> ResidentWorker:
        mine, spares = residents.for_connection(conn_index)
        return make_worker(kind, seed, mine, spares)

    result = run_phase(kind, args, factory, procs, probes)
    results = result.pop("results")
    residents.merge([state for r in results for state in r["residents"]])
    for name in results[0]["counts"] if results else ():
        result[name] = sum(r["counts"][name] for r in results)
    return result


# -- report --------------------------------------------------------------------------

def finite(value: object) -> object:
    """NaN (no samples) as null, so the JSON is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def busy_warning(busy_before: float | None) -> None:
    if busy_before is not None and busy_before > 0.25:
        print(f"warning: the CPUs were {busy_before:.0%} busy with other work just before the "
              f"run; figures may be noisy (--rounds 3 helps)\n")


def machine_note(load_before: float, busy_before: float | None) -> str:
    return (f"{os.cpu_count() or 0} CPUs, before the run: load average {load_before:.2f}, CPUs "
            f"{'?' if busy_before is None else f'{busy_before:.0%}'} busy")


def print_table(phases: dict[str, dict], kinds: tuple[str, ...]) -> None:
    """Requests, throughput, latencies, errors, client CPU (share of the machine) and
    the CPU milliseconds per request of each probe (e.g. gunicorn), per endpoint."""
    width = max(8, *(len(k) for k in kinds))
    probes = [k for k in phases[kinds[0]].get("cpu_ms_per_request", {}) if k != MACHINE]
    heads = "".join(f" {f'{name} CPU ms':>14}" for name in probes)
    print(f"{'endpoint':<{width}} {'requests':>9} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
          f"{'errors':>7} {'client CPU':>11}{heads}")
    for kind in kinds:
        r = phases[kind]
        cells = ""
        for name in probes:
            ms = r["cpu_ms_per_request"][name]
            cells += f" {'?' if ms is None else f'{ms:.2f}':>14}"
        print(f"{kind:<{width}} {r['requests']:>9} {r['throughput_rps']:>9.1f} {r['p50_ms']:>9.2f} "
              f"{r['p99_ms']:>9.2f} {r['errors']:>7} {r['client_cpu_share']:>10.0%}{cells}")


def print_others(phases: dict[str, dict], kinds: tuple[str, ...]) -> None:
    """How much of the machine other programs used while each endpoint was measured
    (the machine's busy time less gunicorn's, PostgreSQL's backends' and the load
    generator's; interrupts and PostgreSQL's background processes count as others)."""
    shares = [(k, phases[k].get("others_cpu_share")) for k in kinds]
    if all(v is None for _k, v in shares):
        return
    text = ", ".join(f"{k} {'?' if v is None else f'{v:.0%}'}" for k, v in shares)
    print(f"  CPU used by other programs while measuring (share of the machine): {text}")


def print_rounds(phases: dict[str, dict], kinds: tuple[str, ...],
                 ratios: dict[str, list[float]]) -> None:
    """Throughput of each round, and the given ratios by round."""
    for kind in kinds:
        spread = ", ".join(f"{x:.1f}" for x in phases[kind]["rounds_rps"])
        print(f"  {kind} req/s by round: {spread}")
    for name, values in ratios.items():
        print(f"  {name} by round: {', '.join(f'{x:.2f}' for x in values)}")


def print_error_samples(phases: dict[str, dict], kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        for sample in phases[kind]["error_samples"]:
            print(f"  {kind} error: {sample}")


def run_figures(args: argparse.Namespace, url: str, load_before: float,
                busy_before: float | None, **extra: object) -> dict:
    """The report's first figures: the run's settings (``extra`` among them) and the
    machine's load."""
    return {
        "database": database_name(url),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "client_processes": max(1, min(args.processes, args.concurrency)),
        "duration_s": args.duration,
        "rounds": args.rounds,
        "warmup_s": args.warmup,
        **extra,
        "cpus": os.cpu_count() or 0,
        "loadavg_before": load_before,
        "cpu_busy_before": busy_before,
        "loadavg_after": os.getloadavg()[0],
    }


def print_run_header(title: str, figures: dict, args: argparse.Namespace, what: str) -> None:
    """The run in one line (``what``: e.g. "1000 phones"), and a warning if the
    machine was busy."""
    print(f"\n{title}: {figures['database']}, gunicorn {args.workers} sync workers, "
          f"{args.concurrency} connections in {figures['client_processes']} client processes, "
          f"{what}, {args.warmup:g} s warm-up + {args.duration:g} s per endpoint"
          f"{f' x {args.rounds} rounds' if args.rounds > 1 else ''}, "
          f"{machine_note(figures['loadavg_before'], figures['cpu_busy_before'])}\n")
    busy_warning(figures["cpu_busy_before"])


def print_phases(phases: dict[str, dict], kinds: tuple[str, ...],
                 ratios: dict[str, list[float]]) -> None:
    """The table, the others' CPU, each round (with ``ratios``) and the error samples."""
    print_table(phases, kinds)
    print_others(phases, kinds)
    if len(phases[kinds[0]]["rounds_rps"]) > 1:
        print_rounds(phases, kinds, ratios)
    print_error_samples(phases, kinds)
    print()


# -- the Twilio webhooks' aims: engage against fixed and store -----------------------

def webhook_aims(phases: dict[str, dict], aim: float, aim_p99_ms: float) -> dict:
    """engage's throughput over store's and fixed's (overall and by round), the aims
    (at least ``aim`` x store, p99 at most ``aim_p99_ms``) and whether both are met."""
    e, s, f = phases["engage"], phases["store"], phases["fixed"]
    return {
        "engage_over_store": ratio(e, s),
        "engage_over_fixed": ratio(e, f),
        "engage_over_store_by_round": [x / y if y else float("nan")
                                       for x, y in zip(e["rounds_rps"], s["rounds_rps"], strict=True)],
        "aim_engage_over_store": aim,
        "aim_p99_ms": aim_p99_ms,
        "aim_met": ratio(e, s) >= aim and e["p99_ms"] <= aim_p99_ms,
    }


def print_webhook_aims(figures: dict, phases: dict[str, dict], args: argparse.Namespace,
                       unit: str) -> None:
    """The ratios against the aims; ``unit``: what one request is ("text")."""
    e = phases["engage"]
    aim, aim_p99 = figures["aim_engage_over_store"], figures["aim_p99_ms"]
    ratio_ok = verdict(figures["engage_over_store"] >= aim, args.quick)
    p99_ok = verdict(e["p99_ms"] <= aim_p99, args.quick)
    print(f"engage/store {figures['engage_over_store']:.2f}x  (aim >= {aim:.1f}x: {ratio_ok})")
    print(f"engage/fixed {figures['engage_over_fixed']:.2f}x  (informative: a commit per {unit} "
          f"caps any correct webhook well below fixed)")
    print(f"engage p99   {e['p99_ms']:.1f} ms at {args.concurrency} concurrent requests "
          f"(aim <= {aim_p99:.0f} ms: {p99_ok})")


def webhook_summary(name: str, figures: dict, phases: dict[str, dict], unit: str) -> str:
    """The run in one line, up to engage's latencies (``unit``: "texts")."""
    e, s, f = phases["engage"], phases["store"], phases["fixed"]
    return (f"{name} ({figures['database']}): engage {e['throughput_rps']:.1f} {unit}/s = "
            f"{figures['engage_over_store']:.2f}x store ({s['throughput_rps']:.1f}), "
            f"{figures['engage_over_fixed']:.2f}x fixed ({f['throughput_rps']:.1f}); "
            f"engage p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms")


# -- quick mode and the RATIO lines -------------------------------------------------

#: What every verdict says in quick mode: tiny sizes, short windows, aims never judged.
QUICK_NOTE = "quick: figures not meaningful"
#: --quick for the gunicorn benchmarks (web, SMS, voice): a second per endpoint.
GUNICORN_QUICK = {"duration": 1.0, "warmup": 0.3, "concurrency": 4, "processes": 2, "rounds": 1}


def add_quick_argument(ap: argparse.ArgumentParser, quick: dict[str, object]) -> None:
    """``--quick``: the ``quick`` option values replace the defaults (see :func:`parse_quick`)."""
    sizes = " ".join(f"--{k.replace('_', '-')} {v:g}" if isinstance(v, float) else
                     f"--{k.replace('_', '-')} {v}" for k, v in quick.items())
    ap.add_argument("--quick", action="store_true",
                    help=f"tiny sizes and short windows ({sizes}; options given still win), for CI: "
                         "every check still runs and sets the exit status, no aim is judged")


def parse_quick(ap: argparse.ArgumentParser, argv: list[str] | None,
                quick: dict[str, object]) -> argparse.Namespace:
    """``argv`` parsed; with ``--quick``, parsed again with ``quick`` as the defaults, so
    an option given on the command line keeps its value."""
    args = ap.parse_args(argv)
    if args.quick:  # argparse leaves what the namespace holds unless an option is given
        args = ap.parse_args(argv, namespace=argparse.Namespace(**quick))
    return args


def verdict(met: bool, quick: bool) -> str:
    """An aim's verdict: "met", "NOT met", or :data:`QUICK_NOTE` in quick mode."""
    if quick:
        return QUICK_NOTE
    return "met" if met else "NOT met"


#: ``RATIO <benchmark> <name> <value> (<aim>: <verdict>) <details>``: one per ratio, the
#: last lines a benchmark prints; ``bench/all.py`` collects them.
RATIO_RE = re.compile(r"^RATIO (?P<bench>\S+) (?P<name>\S+) (?P<value>\S+) "
                      r"\((?P<aim>[^:()]+): (?P<verdict>[^()]+)\)(?: (?P<details>.*))?$")


def ratio_line(bench: str, name: str, value: float, aim: str, met: bool, quick: bool,
               details: str = "") -> str:
    """The one format of a benchmark's summary line per ratio, e.g. ``RATIO web_submit
    engage/store 0.41 (aim >= 0.6: NOT met) p99 engage 88.1 ms store 31.2 ms``."""
    line = f"RATIO {bench} {name} {value:.2f} ({aim}: {verdict(met, quick)})"
    return f"{line} {details}" if details else line


def parse_ratio_line(line: str) -> dict[str, str] | None:
    """A RATIO line's fields (bench, name, value, aim, verdict, details), or None."""
    match = RATIO_RE.match(line.rstrip("\n"))
    return match.groupdict() if match else None


def print_ratio_lines(lines: list[str], json_mode: bool = False) -> None:
    """The RATIO lines, last: on stdout, or on stderr with --json (stdout is the JSON)."""
    for line in lines:
        print(line, file=sys.stderr if json_mode else sys.stdout, flush=True)


#: The issue's aims for the answer paths (web, SMS, voice): engage at least 0.6x store,
#: and engage's p99 at most 50 ms where store's own p99 is under 25 ms.
ANSWER_AIM = 0.6
ANSWER_AIM_P99_MS = 50.0
ANSWER_STORE_P99_MS = 25.0


def answer_path_ratio(bench: str, phases: dict[str, dict], quick: bool) -> str:
    """The RATIO line of an answer path: engage/store, both p99s, the issue's aims."""
    e, s = phases["engage"], phases["store"]
    value = ratio(e, s)
    p99s = f"p99 engage {e['p99_ms']:.1f} ms store {s['p99_ms']:.1f} ms"
    if s["p99_ms"] < ANSWER_STORE_P99_MS:
        aim = f"aim >= {ANSWER_AIM:g} and p99 <= {ANSWER_AIM_P99_MS:g} ms"
        met = value >= ANSWER_AIM and e["p99_ms"] <= ANSWER_AIM_P99_MS
        return ratio_line(bench, "engage/store", value, aim, met, quick, p99s)
    note = f"(p99 aim not applicable: store p99 >= {ANSWER_STORE_P99_MS:g} ms)"
    return ratio_line(bench, "engage/store", value, f"aim >= {ANSWER_AIM:g}", value >= ANSWER_AIM,
                      quick, f"{p99s} {note}")


# -- command line --------------------------------------------------------------------

def add_common_arguments(ap: argparse.ArgumentParser, endpoints: str,
                         quick: dict[str, object] | None = None) -> None:
    """The options every benchmark takes; ``endpoints`` names them for --rounds, ``quick``
    (default :data:`GUNICORN_QUICK`) is what --quick sets."""
    ap.add_argument("--database-url", default=None,
                    help="default: a SQLite file in a temporary directory. A PostgreSQL "
                         "database is WIPED (e.g. postgresql://127.0.0.1/engage_bench)")
    ap.add_argument("--concurrency", type=int, default=16, help="connections in all (16)")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds measured per endpoint (8)")
    ap.add_argument("--warmup", type=float, default=1.5, help="seconds not counted, before (1.5)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    ap.add_argument("--processes", type=int, default=4,
                    help="client processes sharing the connections (4)")
    ap.add_argument("--rounds", type=int, default=1,
                    help=f"measure {endpoints} this many times in turn, pooled (1); "
                         "more rounds even out a machine whose load changes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    add_quick_argument(ap, GUNICORN_QUICK if quick is None else quick)


def check_common_arguments(ap: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not (1 <= args.concurrency <= 256):
        ap.error("--concurrency must be 1..256")
    if not (0.5 <= args.duration <= 600) or not (0 <= args.warmup <= 60):
        ap.error("--duration must be 0.5..600 s and --warmup 0..60 s")
    if not (1 <= args.workers <= 32) or not (1 <= args.processes <= 64):
        ap.error("--workers must be 1..32 and --processes 1..64")
    if not (1 <= args.rounds <= 20):
        ap.error("--rounds must be 1..20")


def logger(args: argparse.Namespace) -> Callable[..., None]:
    """Progress lines: on stderr with --json (stdout is the JSON), else on stdout."""
    if args.json:
        return lambda *a: print(*a, file=sys.stderr, flush=True)
    return lambda *a: print(*a, flush=True)


# -- the run every gunicorn benchmark makes ------------------------------------------

@dataclass
class Run:
    """What a benchmark's own steps get from :func:`run_benchmark`."""

    args: argparse.Namespace
    url: str
    port: int
    server: subprocess.Popen
    procs: list[mp.Process]
    log: Callable[[str], None]
    raw: dict[str, list[dict]]
    load_before: float
    busy_before: float | None


def run_benchmark(name: str, args: argparse.Namespace, kinds: tuple[str, ...], *,
                  prepare: Callable[[str], None], describe: str,
                  before: Callable[[Run], object],
                  measure: Callable[[Run, str, object, dict], dict],
                  finish: Callable[[Run, dict[str, Any], object], int]) -> int:
    """Fresh database, gunicorn, ``before`` (untimed setup), then each endpoint in turn for
    every round in the same server, then ``finish`` with the summarised phases. Whatever
    happens, gunicorn, the client processes and a temporary database are cleaned up."""
    log = logger(args)
    url, tmpdir = temp_database(args.database_url)
    server = None
    procs: list[mp.Process] = []
    try:
        load_before, busy_before = os.getloadavg()[0], cpu_busy()
        log(f"preparing {url} ({describe})")
        prepare(url)
        port = free_port()
        server = start_server(url, port, args.workers)
        wait_until_up(server, port, args.workers)
        log(f"gunicorn: {' '.join(gunicorn_command(port, args.workers))}")
        run = Run(args, url, port, server, procs, log, {kind: [] for kind in kinds},
                  load_before, busy_before)
        context = before(run)
        for round_no in range(1, args.rounds + 1):
            for kind in kinds:
                where = f" (round {round_no}/{args.rounds})" if args.rounds > 1 else ""
                log(f"measuring {kind}{where}: {args.warmup:g} s warm-up + {args.duration:g} s")
                run.raw[kind].append(measure(run, kind, context, cpu_probes(server, url)))
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn exited (code {server.returncode}) during {kind}")
                time.sleep(0.5)
        phases = {kind: summarise(kind, run.raw[kind], args.duration) for kind in kinds}
        stop_server(server)
        server = None
        return finish(run, phases, context)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line after the traceback
        traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"{name}: FAILED: {type(exc).__name__}: {first}", file=sys.stderr)
        return 2
    finally:
        cleanup(procs, server, tmpdir)


def resident_webhook_main(name: str, doc: str, argv: list[str] | None, *, unit: str,
                          unit_help: str, state_cls: type, start_all: Callable,
                          run_phase: Callable, count_stored: Callable, report: Callable,
                          prepare_database: Callable, describe: str) -> int:
    """The driver the webhook benchmarks share: arguments, residents mid-survey before
    the clock, the three endpoints measured, then every acknowledged answer looked for.
    ``unit`` names the residents ("phones", "calls")."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    quick = {**GUNICORN_QUICK, unit: 40}
    add_common_arguments(ap, "fixed, store, engage", quick)
    ap.add_argument(f"--{unit}", type=int, default=1000, help=unit_help)
    ap.add_argument("--questions", type=int, default=30, help="questions in the bench survey (30)")
    args = parse_quick(ap, argv, quick)
    check_common_arguments(ap, args)
    count = getattr(args, unit)
    if not (args.concurrency <= count <= MAX_PHONES // 2):
        ap.error(f"--{unit} must be --concurrency..{MAX_PHONES // 2}")
    if not (2 <= args.questions <= 200):
        ap.error("--questions must be 2..200")

    def before(run: Run) -> tuple[Residents, dict]:
        residents = Residents(count, args.concurrency, state_cls)
        return residents, start_all(residents, run.port, run.log)

    def measure(run: Run, kind: str, context: tuple[Residents, dict], probes: dict) -> dict:
        return run_phase(kind, args, run.port, context[0], run.procs, probes)

    def finish(run: Run, phases: dict, context: tuple[Residents, dict]) -> int:
        residents, setup = context
        stored = count_stored(run.url, residents.states)
        _figures, code = report(args, run.url, phases, run.raw, setup, stored, residents,
                                run.load_before, run.busy_before)
        return code

    return run_benchmark(
        name, args, ("fixed", "store", "engage"),
        prepare=lambda url: prepare_database(url, args.questions),
        describe=describe.format(questions=args.questions),
        before=before, measure=measure, finish=finish)


def other_connections(url: str) -> int:
    """Other sessions on the PostgreSQL database about to be wiped (another benchmark?)."""
    import sqlalchemy as sa

    from config import _normalise_db_url

    engine = sa.create_engine(_normalise_db_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()")) or 0)
    finally:
        engine.dispose()


def guarded_main(name: str, args: argparse.Namespace, url: str,
                 body: Callable[[], tuple[dict, int]], report: Callable[[dict], None],
                 remove: list[str | None]) -> int:
    """The end every database benchmark's main shares: leave a PostgreSQL database others
    are connected to alone (unless --force), run ``body``, print its figures as JSON or
    with ``report``, and remove ``remove`` whatever happens. Exit 0/1 as ``body`` says,
    2 if refused or failed, 130 on Ctrl-C."""
    try:
        if database_name(url) == "postgresql" and not args.force:
            others = other_connections(url)
            if others:
                print(f"{others} other session(s) are connected to {url}: another benchmark may "
                      "be using it. Not wiping it (use --force to wipe anyway).",
                      file=sys.stderr if args.json else sys.stdout)
                return 2
        figures, code = body()
        if args.json:
            print(json.dumps(finite(figures), indent=2, default=str))
        else:
            report(figures)
        print_ratio_lines(figures.get("ratios", []), args.json)
        return code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"{name}: FAILED: {type(exc).__name__}: {first}", file=sys.stderr)
        return 2
    finally:
        for path in remove:
            if path:
                shutil.rmtree(path, ignore_errors=True)


def database_parser(doc: str, quick: dict[str, object]) -> argparse.ArgumentParser:
    """A database benchmark's arguments: which database, --force to wipe one in use,
    --json, --quick (``quick``: what it sets, see :func:`parse_quick`); the benchmark adds
    its own."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None,
                    help="default: a SQLite file in a temporary directory. A PostgreSQL "
                         "database is WIPED (e.g. postgresql://127.0.0.1/engage_bench)")
    ap.add_argument("--force", action="store_true",
                    help="wipe PostgreSQL even with other sessions on it")
    ap.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    add_quick_argument(ap, quick)
    return ap

