"""Telling a database that cannot take writes (read-only, disk full, gone) from a bug.

Those are the operator's to fix, not the request's fault: residents get a 503 saying to
come back later (not "something went wrong"), operators a log line saying why, and
``/health`` says it to a load balancer or a monitor.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import exc, text

from engage.extensions import db

log = logging.getLogger("engage.availability")

READ_ONLY, FULL, IO_ERROR, BUSY, UNREACHABLE = "read-only", "disk full", "I/O error", "busy", \
    "unreachable"
#: SQLite's primary result codes (extended codes carry them in the low byte).
_SQLITE = {sqlite3.SQLITE_READONLY: READ_ONLY, sqlite3.SQLITE_FULL: FULL,
           sqlite3.SQLITE_IOERR: IO_ERROR, sqlite3.SQLITE_CANTOPEN: UNREACHABLE,
           sqlite3.SQLITE_BUSY: BUSY, sqlite3.SQLITE_LOCKED: BUSY}
#: PostgreSQL SQLSTATEs: read-only transaction (a standby, or default_transaction_read_only),
#: disk full, out of memory/resources, shutting down, cannot connect now; class 08 is
#: a lost or refused connection.
_POSTGRES = {"25006": READ_ONLY, "53100": FULL, "53200": FULL, "53000": FULL,
             "57P01": UNREACHABLE, "57P02": UNREACHABLE, "57P03": UNREACHABLE}


def unavailable_reason(error: BaseException | None) -> str | None:
    """Why the database cannot serve, if ``error`` says it cannot; None for anything else."""
    if not isinstance(error, exc.DBAPIError):
        return None
    if error.connection_invalidated:
        return UNREACHABLE
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return _SQLITE.get(code & 0xFF)
    state = getattr(orig, "sqlstate", None) or ""
    if state in _POSTGRES:
        return _POSTGRES[state]
    return UNREACHABLE if state.startswith("08") else None


def report_unavailable(reason: str, error: BaseException) -> None:
    """One line an operator can alert on: the reason and the driver's error class, never
    the statement's parameters (residents' words)."""
    orig = getattr(error, "orig", None)
    log.error("database unavailable: %s (%s)", reason, type(orig or error).__name__)


def database_health() -> dict[str, object]:
    """Can the database be read and written now? A write that changes nothing is tried
    and committed on a connection of its own."""
    try:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except exc.DBAPIError as error:
        reason = unavailable_reason(error) or "error"
        report_unavailable(reason, error)
        return {"ok": False, "reason": reason}
    return {"ok": True, "reason": None}
