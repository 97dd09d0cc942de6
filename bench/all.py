#!/usr/bin/env python
"""Every benchmark, one after another, then their RATIO lines together.

Each benchmark runs as a subprocess (its own output shown as it comes); the RATIO lines
it prints (``bench/harness.py``, :func:`~bench.harness.ratio_line`) are collected and
printed again at the end, with each benchmark's exit status and time.

    .venv/bin/python bench/all.py                  # make bench
    .venv/bin/python bench/all.py --quick          # make bench-quick (what CI runs)
    .venv/bin/python bench/all.py --quick --database-url postgresql://127.0.0.1/engage_bench_ci

A PostgreSQL database given with --database-url is WIPED by every benchmark: give them
a database of their own, never ``test`` (the test suite's) and never a real one.

Exit status: 0 if every benchmark exited 0 and printed its RATIO lines; 1 if one of them
failed a check, failed to run, or printed no RATIO line (aims never change it); 130 on
Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import QUICK_NOTE, parse_ratio_line  # noqa: E402

BENCHMARKS = ("web_submit", "sms_webhook", "voice_webhook", "results", "campaign",
              "import_contacts")
#: What an exit status means (every benchmark's docstring says the same).
EXITS = {0: "OK", 1: "a check FAILED", 2: "the run FAILED", 130: "interrupted"}
#: Databases the benchmarks must never wipe: the test suite's.
PROTECTED = {"test"}


@dataclass
class Outcome:
    name: str
    code: int
    seconds: float
    ratios: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == 0 and bool(self.ratios)

    def status(self) -> str:
        what = EXITS.get(self.code, "the run FAILED")
        if self.code == 0 and not self.ratios:
            what = "FAILED: no RATIO line"
        return f"{self.name}: exit {self.code} ({what}), {self.seconds:.1f} s"


def run_one(name: str, extra: list[str], timeout: float | None) -> Outcome:
    """One benchmark as a subprocess, its output passed on line by line. After
    ``timeout`` seconds it gets a Ctrl-C (it stops its server and cleans up), then a
    kill 30 s later."""
    cmd = [sys.executable, str(ROOT / "bench" / f"{name}.py"), *extra]
    print(f"\n== {name}: {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    timers: list[threading.Timer] = []
    if timeout:
        timers = [threading.Timer(timeout, proc.send_signal, (signal.SIGINT,)),
                  threading.Timer(timeout + 30, proc.kill)]
        for t in timers:
            t.daemon = True
            t.start()
    ratios = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if parse_ratio_line(line):
                ratios.append(line.rstrip("\n"))
        code = proc.wait()
    except KeyboardInterrupt:  # the benchmark got the Ctrl-C too: let it clean up
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    finally:
        for t in timers:
            t.cancel()
    seconds = time.monotonic() - started
    if timeout and seconds >= timeout:
        print(f"{name}: stopped after {timeout:g} s", flush=True)
    return Outcome(name, code, seconds, ratios)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="each benchmark with --quick: tiny sizes, checks only (what CI runs)")
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or None,
                    help="passed to each benchmark (default: $BENCH_DATABASE_URL, else a "
                         "temporary SQLite file each); a PostgreSQL database is WIPED")
    ap.add_argument("--only", nargs="+", choices=BENCHMARKS, metavar="NAME",
                    help=f"run only these ({', '.join(BENCHMARKS)})")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds allowed per benchmark (default: 300 with --quick, else none)")
    args = ap.parse_args(argv)
    if args.database_url:
        name = urlsplit(args.database_url).path.lstrip("/")
        if name in PROTECTED or args.database_url == os.environ.get("ENGAGE_TEST_DATABASE_URL"):
            ap.error(f"not wiping database {name!r}: the benchmarks need a database of their own")
    if args.timeout is None and args.quick:
        args.timeout = 300.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    extra = (["--quick"] if args.quick else []) + (
        ["--database-url", args.database_url] if args.database_url else [])
    outcomes: list[Outcome] = []
    started = time.monotonic()
    try:
        for name in args.only or BENCHMARKS:
            outcomes.append(run_one(name, extra, args.timeout))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    where = args.database_url or "SQLite (a temporary file each)"
    print(f"\n== summary: {len(outcomes)} benchmarks on {where}"
          f"{f' ({QUICK_NOTE})' if args.quick else ''}, {time.monotonic() - started:.0f} s")
    for o in outcomes:
        for line in o.ratios:
            print(line)
    for o in outcomes:
        print(o.status())
    failed = [o.name for o in outcomes if not o.ok]
    print(f"FAILED: {', '.join(failed)}" if failed else "all benchmarks ran, every check OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
