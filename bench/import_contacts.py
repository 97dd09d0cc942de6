#!/usr/bin/env python
"""Benchmark: a partner's contact list of 200,000 lines imported as `flask engage
import-contacts` imports it.

One run, one fresh database, in-process, the same generated CSV file (``--rows`` lines:
distinct valid numbers written four ways, nine languages, neighbourhood names, ZIP codes,
consent sources and dates) read from disk by both:

* engage: ``engage.outreach.contacts.import_contacts(open file, name)`` + commit, the
  function the CLI command and the staff page call.
* baseline: the file read with ``csv``, each number normalised to E.164
  (``phones.normalise``), hashed and encrypted as the app does (``phones.phone_hash``,
  ``phones.encrypt``), the consent date parsed, and the rows inserted ``--batch`` at a
  time with a plain Core ``executemany`` into a bare table of the same columns
  (``bench_contact``) + commit. No checks, no lookups, one table.
* informative: engage again on the same file (every number known: the update path).

Printed: seconds, rows/s, engage/baseline, SQL statements, and the peak memory of each
run: peak RSS above the RSS at its start (Linux VmHWM, reset before each run), or with
``--tracemalloc`` the peak of Python allocations (tracemalloc, which slows both sides).
The issue's aim: 200,000 lines in under a minute on SQLite and on PostgreSQL, in flat
memory.

    .venv/bin/python bench/import_contacts.py
    .venv/bin/python bench/import_contacts.py --database-url postgresql://127.0.0.1/engage_bench

A PostgreSQL database is wiped (schema public dropped, then the migrations): give it a
database of its own. It is left alone while another session is connected to it, unless
--force. Exit status: 0 after a run (missing the aim does not change it), 1 if a check
failed (rows missing, refused or doubled), 2 if the run failed or was refused, 130 on
Ctrl-C.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.results import maxrss_mb, python_peak, timed  # noqa: E402

AIM_SECONDS = 60.0
QUICK = {"rows": 2000}
HEADER = ("phone", "language", "area", "zip", "consent_source", "consent_date", "notes")
LANGUAGES = ("en", "es", "es", "vi", "zh-Hant", "so", "am", "ko", "ru", "tl")
AREAS = {"north": ("North", "98103"), "south": ("South", "98118")}
SOURCES = ("Casa Latina", "Chinese Information and Service Center", "Somali Health Board",
           "Seattle Public Library", "Vietnamese Friendship Association", "Tenants Union")
UNKNOWN_ZIP = "99999"  # 1 line in 100: loaded without an area, noted
#: Explicit keys, as production requires (without them every hash and encryption derives
#: its key from SECRET_KEY first, about 20 us a line more on both sides). Bench only.
PHONE_KEYS = {"PHONE_HASH_KEY": "engage-bench-phone-hash-key-not-for-production",
              "PHONE_ENCRYPTION_KEY": "ZW5nYWdlLWJlbmNoLW5vdC1mb3ItcHJvZHVjdGlvbiE="}
ARGS_JSON = False


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr if ARGS_JSON else sys.stdout, flush=True)


# -- the file ------------------------------------------------------------------------------

def phone(i: int, style: int) -> str:
    """The i-th distinct number (+1 206 2xx xxxx: valid for phonenumbers), as people write it."""
    digits = f"{2_000_000 + i:07d}"
    return (f"(206) {digits[:3]}-{digits[3:]}", f"206-{digits[:3]}-{digits[3:]}",
            f"+1206{digits}", f"206.{digits[:3]}.{digits[3:]}")[style]


def lines(rows: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    first = date(2024, 1, 1)
    for i in range(rows):
        area, zip_code = "", ""
        where = rng.random()
        name, code = AREAS["north" if rng.random() < 0.5 else "south"]
        if where < 0.33:
            area = name if rng.random() < 0.5 else name.lower()
        elif where < 0.66:
            zip_code = code
        elif where < 0.67:
            zip_code = UNKNOWN_ZIP
        consent = first + timedelta(days=rng.randrange(700))
        written = consent.isoformat() if rng.random() < 0.8 else consent.strftime("%m/%d/%Y")
        notes = rng.choice(("", "", "prefers evenings", "met at the fair, table 3", 'said "text me"'))
        yield [phone(i, i % 4), rng.choice(LANGUAGES), area, zip_code, rng.choice(SOURCES),
               written, notes]


def write_file(path: Path, rows: int, seed: int) -> int:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(lines(rows, seed))
    return path.stat().st_size


# -- the database ----------------------------------------------------------------------------

def bare_table():  # type: ignore[no-untyped-def]
    """The baseline's table: a contact's columns and the respondent's hash in one row."""
    from sqlalchemy import Column, Date, Integer, LargeBinary, MetaData, String, Table

    return Table("bench_contact", MetaData(),
                 Column("id", Integer, primary_key=True),
                 Column("phone_hash", String(64), nullable=False, unique=True),
                 Column("phone_encrypted", LargeBinary, nullable=False),
                 Column("language", String(16), nullable=False),
                 Column("area", String(200), nullable=False),
                 Column("zip", String(16), nullable=False),
                 Column("consent_source", String(200), nullable=False),
                 Column("consent_date", Date, nullable=False))


def prepare(app) -> None:  # type: ignore[no-untyped-def]
    """Fresh schema from the migrations, the bare table, two neighbourhoods and their ZIP
    codes (untimed)."""
    from engage.demographics.baselines import map_geography
    from engage.extensions import db
    from engage.org.models import Area

    with app.app_context():
        harness.fresh_schema()
        bare_table().create(db.engine)
        for slug, (name, _zip) in AREAS.items():
            db.session.add(Area(slug=slug, name={"en": name}))
        db.session.flush()
        for slug, (_name, zip_code) in AREAS.items():
            map_geography(zip_code, slug)
        db.session.commit()
        db.session.remove()


class Statements:
    """SQL statements sent while installed (an executemany counts once) and the time spent
    in the driver's execute (rows sent, the database's work, the answer)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.count, self.seconds, self._t0 = engine, 0, 0.0, 0.0

    def _before(self, *args: object) -> None:
        self.count += 1
        self._t0 = time.perf_counter()

    def _after(self, *args: object) -> None:
        self.seconds += time.perf_counter() - self._t0

    def __enter__(self) -> Statements:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def figures(self) -> dict:
        return {"statements": self.count, "sql_seconds": self.seconds}


def measure(fn: Callable[[], Any], trace: bool) -> tuple[dict, Any]:
    """Seconds, this process's CPU seconds and peak memory of ``fn()`` (RSS above its
    start, or tracemalloc's peak)."""
    cpu = time.process_time()
    figures, result = _measure(fn, trace)
    return {**figures, "cpu_seconds": time.process_time() - cpu}, result


def _measure(fn: Callable[[], Any], trace: bool) -> tuple[dict, Any]:
    if trace:
        out: list[Any] = []
        peak_mb, seconds, _rss = python_peak(lambda: out.append(fn()))
        return {"seconds": seconds, "memory_mb": peak_mb}, out[0]
    run, result = timed(fn)
    peak = (run.rss_peak_mb - run.rss_start_mb
            if run.rss_peak_mb is not None and run.rss_start_mb is not None else None)
    return {"seconds": run.seconds, "memory_mb": peak, "rss_start_mb": run.rss_start_mb,
            "rss_peak_mb": run.rss_peak_mb}, result


def baseline(app, path: Path, batch: int, trace: bool) -> dict:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, insert, select

    from engage.extensions import db
    from engage.outreach.contacts import parse_date
    from engage.responses.phones import encrypt, normalise, phone_hash

    table = bare_table()

    def load() -> None:
        with path.open(encoding="utf-8-sig", newline="") as f, db.engine.begin() as conn:
            reader = csv.reader(f)
            col = {name: i for i, name in enumerate(next(reader))}
            chunk: list[dict] = []
            for cells in reader:
                e164 = normalise(cells[col["phone"]])
                chunk.append({"phone_hash": phone_hash(e164), "phone_encrypted": encrypt(e164),
                              "language": cells[col["language"]], "area": cells[col["area"]],
                              "zip": cells[col["zip"]],
                              "consent_source": cells[col["consent_source"]],
                              "consent_date": parse_date(cells[col["consent_date"]])})
                if len(chunk) == batch:
                    conn.execute(insert(table), chunk)
                    chunk = []
            if chunk:
                conn.execute(insert(table), chunk)

    with app.app_context():
        with Statements(db.engine) as statements:
            figures, _ = measure(load, trace)
        figures.update(statements.figures())
        figures["rows_written"] = db.session.scalar(select(func.count()).select_from(table))
        db.session.remove()
    return figures


def engage_import(app, path: Path, trace: bool) -> dict:  # type: ignore[no-untyped-def]
    """``import_contacts`` on the open file and the commit, as the CLI command does."""
    from sqlalchemy import func, select

    from engage.extensions import db
    from engage.outreach.contacts import import_contacts, refused_lines
    from engage.outreach.models import Contact
    from engage.responses.models import Respondent

    def load():  # type: ignore[no-untyped-def]
        with path.open("rb") as fh:
            record = import_contacts(fh, path.name)
        db.session.commit()
        return record

    with app.app_context():
        with Statements(db.engine) as statements:
            figures, record = measure(load, trace)
        notes = [code for _line, code in record.problems]
        figures.update(statements.figures(), rows=record.rows, loaded=record.loaded,
                       refused=len(refused_lines(record)), area_notes=notes.count("area"),
                       opted_out_notes=notes.count("opted_out"),
                       contacts=db.session.scalar(select(func.count()).select_from(Contact)),
                       respondents=db.session.scalar(select(func.count()).select_from(Respondent)))
        db.session.remove()
    return figures


# -- report ------------------------------------------------------------------------------------

def report(args: argparse.Namespace, f: dict) -> None:
    memory = ("Python allocations' peak (tracemalloc; times include its overhead)" if args.tracemalloc
              else "peak RSS above the run's start (VmHWM reset before each run)")
    say(f"\nEngage contact import benchmark: {f['database']}, {args.rows:,} lines "
        f"({f['file_mb']:.1f} MB), {harness.machine_note(f['loadavg_before'], f['cpu_busy_before'])}\n")
    if (f["cpu_busy_before"] or 0) > 0.25:
        say(f"warning: the CPUs were {f['cpu_busy_before']:.0%} busy with other work just before "
            "the run; figures may be noisy\n")
    say(f"{'':<44} {'seconds':>8} {'rows/s':>9} {'CPU s':>7} {'SQL s':>7} {'statements':>11} "
        f"{'memory MB':>10}")
    for key, label in (("baseline", f"baseline: csv + hash/encrypt + executemany/{args.batch}"),
                       ("engage", "engage import_contacts + commit"),
                       ("again", "engage again, every number known (info)")):
        r = f.get(key)
        if r is None:
            continue
        mb = "?" if r["memory_mb"] is None else f"{r['memory_mb']:.1f}"
        say(f"{label:<44} {r['seconds']:8.2f} {args.rows / r['seconds']:9.0f} "
            f"{r['cpu_seconds']:7.1f} {r['sql_seconds']:7.1f} {r['statements']:11d} {mb:>10}")
    ok = harness.verdict(f["engage"]["seconds"] < AIM_SECONDS, args.quick)
    say(f"\nengage/baseline {f['ratio']:.2f}x; engage {f['engage']['seconds']:.1f} s for "
        f"{args.rows:,} lines (aim < {AIM_SECONDS:g} s: {ok})")
    say("CPU s: this process's CPU time (the database server's is not in it); SQL s: time in "
        "the driver's execute calls (an executemany is one)")
    say(f"memory: {memory}; ru_maxrss of the whole process {f['maxrss_mb']:.0f} MB")
    say(f"checks: {'OK' if f['checks_ok'] else 'FAILED'} " + "; ".join(f["checks"]))
    say(f["summary"])


def checks(args: argparse.Namespace, f: dict) -> tuple[bool, list[str]]:
    n = args.rows
    notes = [f"baseline wrote {f['baseline']['rows_written']:,}"]
    ok = f["baseline"]["rows_written"] == n
    for key in ("engage", "again"):
        r = f.get(key)
        if r is None:
            continue
        good = (r["rows"] == r["loaded"] == r["contacts"] == r["respondents"] == n
                and r["refused"] == 0 and r["opted_out_notes"] == 0)
        ok = ok and good
        notes.append(f"{key}: {r['loaded']:,} of {r['rows']:,} loaded, {r['refused']} refused, "
                     f"{r['area_notes']:,} noted for an unknown ZIP, {r['contacts']:,} contacts, "
                     f"{r['respondents']:,} respondents")
    return ok, notes


# -- main ----------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from engage.outreach.contacts import BATCH_ROWS

    ap = harness.database_parser(__doc__, QUICK)
    ap.add_argument("--rows", type=int, default=200_000, help="lines in the file (200000)")
    ap.add_argument("--batch", type=int, default=BATCH_ROWS,
                    help=f"the baseline's rows per executemany (the app's batch: {BATCH_ROWS})")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--no-again", action="store_true", help="skip the informative second import")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="memory as tracemalloc's peak of Python allocations (slower runs)")
    args = harness.parse_quick(ap, argv, QUICK)
    if not 1 <= args.rows <= 1_000_000 or not 1 <= args.batch <= 20_000:
        ap.error("--rows must be 1..1000000 and --batch 1..20000")
    return args


def run(args: argparse.Namespace, url: str, workdir: Path) -> dict:
    figures: dict[str, Any] = {"database": harness.database_name(url), "rows": args.rows,
                               "loadavg_before": os.getloadavg()[0],
                               "cpu_busy_before": harness.cpu_busy()}
    app = harness.bench_app(url)
    app.config.update(PHONE_KEYS)
    say(f"preparing {url}: migrations, two neighbourhoods; writing {args.rows:,} lines")
    prepare(app)
    path = workdir / "contacts.csv"
    figures["file_mb"] = write_file(path, args.rows, args.seed) / (1024 * 1024)
    say("baseline ...")
    figures["baseline"] = baseline(app, path, args.batch, args.tracemalloc)
    say("engage ...")
    figures["engage"] = engage_import(app, path, args.tracemalloc)
    if not args.no_again:
        say("engage again ...")
        figures["again"] = engage_import(app, path, args.tracemalloc)
    figures["ratio"] = figures["engage"]["seconds"] / figures["baseline"]["seconds"]
    figures["maxrss_mb"] = maxrss_mb()
    figures["checks_ok"], figures["checks"] = checks(args, figures)
    e = figures["engage"]
    figures["summary"] = (f"import_contacts ({figures['database']}): {args.rows:,} lines in "
                          f"{e['seconds']:.1f} s = {figures['ratio']:.2f}x baseline "
                          f"({figures['baseline']['seconds']:.1f} s), {args.rows / e['seconds']:,.0f} "
                          f"rows/s, aim < {AIM_SECONDS:g} s")
    figures["ratios"] = [harness.ratio_line(
        "import_contacts", "engage/baseline", figures["ratio"], f"aim engage < {AIM_SECONDS:g} s",
        e["seconds"] < AIM_SECONDS, args.quick,
        f"seconds engage {e['seconds']:.1f} baseline {figures['baseline']['seconds']:.1f}, "
        f"{args.rows:,} lines")]
    return figures


def main(argv: list[str] | None = None) -> int:
    global ARGS_JSON
    args = parse_args(argv)
    ARGS_JSON = args.json
    os.environ.pop("ENGAGE_ENV", None)
    url, tmpdir = harness.temp_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="engage-bench-contacts-"))

    def body() -> tuple[dict, int]:
        figures = run(args, url, workdir)
        return figures, 0 if figures["checks_ok"] else 1

    return harness.guarded_main("import_contacts", args, url, body, lambda f: report(args, f),
                                [str(workdir), tmpdir])


if __name__ == "__main__":
    sys.exit(main())
