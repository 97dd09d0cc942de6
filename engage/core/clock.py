"""The one clock domain code reads. Every decision about time (quiet hours, campaign
start, reminders, expiry, resume windows, open and close dates, overdue findings,
consent dates) takes "now" from here, so tests move it (time-machine) or pass an
instant, and no outcome depends on when the suite happens to run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def city_zone() -> ZoneInfo:
    """The city's time zone (``ENGAGE_TIMEZONE``): quiet hours and dates residents and
    staff write are in it."""
    return ZoneInfo(current_app.config["CITY_TIMEZONE"])


def city_today(now: datetime | None = None) -> date:
    """The date it is in the city (not in UTC, which is a day ahead every evening)."""
    return (now or utcnow()).astimezone(city_zone()).date()
