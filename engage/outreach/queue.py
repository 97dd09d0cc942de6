"""The task queue (huey): SQLite storage by default, so the embedded set-up needs no
server; Redis when ``QUEUE_URL`` (``ENGAGE_QUEUE_URL``) is a ``redis://`` URL, so workers
on many machines share the work.

Tasks only nudge: the database is the record. A pump sends whatever is due; a periodic
sweep recovers after crashes and re-nudges, so a lost task loses no text.

The app factory makes the queue from the app's config and registers the tasks on it,
each run inside that app: the web app enqueues and the worker (engage.worker) consumes,
both made by the same factory, so they know the tasks by the same names.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from engage.core.clock import utcnow
from engage.outreach import outbox
from engage.results import aggregates

log = logging.getLogger(__name__)
PUMP_SECONDS = 20.0
#: Where the app keeps its pump task, for :func:`nudge`.
PUMP = "engage.outreach.pump"


def make_huey(url: str | None, testing: bool = False) -> Huey:
    if testing and not url:
        return MemoryHuey("engage", immediate=False)
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("engage", url=url)
    path = Path(url.removeprefix("sqlite:///")) if url else Path("instance") / "queue.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("engage", filename=str(path))


def register(huey: Huey, app: Flask) -> None:
    """Define the outreach tasks on ``huey``, each run inside ``app``, and keep the pump
    task on the app for :func:`nudge`."""

    @huey.task(retries=0)
    def pump_task() -> int:
        """Send what is due for a while, then hand over to a fresh task: at once if there
        was work, or at the moment held texts become due."""
        with app.app_context():
            handled = outbox.pump(PUMP_SECONDS)
            if handled:
                pump_task()
                return handled
            wake = outbox.next_wake(utcnow())
            if wake is not None:
                pump_task.schedule(eta=wake)
            return handled

    @huey.periodic_task(crontab(minute="*"))
    def sweep_task() -> dict[str, int]:
        """Every minute: recover after crashes, finish campaigns, and nudge if due texts
        are waiting with nobody on them."""
        with app.app_context():
            counts = outbox.sweep()
            if outbox.overdue(utcnow()):
                pump_task()
            return counts

    @huey.periodic_task(crontab(minute="*"))
    def results_task() -> int:
        """One pass over the surveys with changed responses, once a minute: pages refresh
        the survey they show on read, so this holds no worker beyond the pass (see
        engage.results.aggregates.refresh_stale)."""
        with app.app_context():
            return aggregates.refresh_stale()

    @huey.on_startup()
    def _recover_on_start() -> None:
        """A worker starting (perhaps after a crash) recovers and starts sending."""
        with app.app_context():
            outbox.sweep()
            now = utcnow()
            if outbox.overdue(now, grace=timedelta(0)):
                pump_task()
            elif (wake := outbox.next_wake(now)) is not None:
                pump_task.schedule(eta=wake)

    app.extensions[PUMP] = pump_task


def nudge(pumps: int = 1) -> None:
    """Ask workers to send what is due; safe to call when the queue is down (the
    minute sweep nudges anyway)."""
    try:
        pump_task = current_app.extensions[PUMP]
        for _ in range(pumps):
            pump_task()
    except Exception:  # the outbox is the record; the sweep catches up
        log.warning("outreach queue unreachable; the next sweep will send", exc_info=True)


def nudge_after_commit(session: Session, pumps: int = 1) -> None:
    """Nudge once the current transaction has committed (and only if it does): a
    worker must never look for texts that are not yet visible."""
    session.info["outbox_pumps"] = max(session.info.get("outbox_pumps", 0), pumps)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pumps = session.info.pop("outbox_pumps", 0)
    if pumps:
        nudge(pumps)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_pumps", None)
