"""When an outreach text may go: quiet hours in the city's time zone, and pacing.
Pure functions of the clock, so tests fix the time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_hhmm(text: str) -> time:
    """"21:00" -> time(21, 0); ValueError otherwise."""
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, tz: str, start: str, end: str) -> datetime | None:
    """If ``now`` (aware, any zone) falls in the quiet hours ``start``–``end`` (local,
    may span midnight), the UTC moment they end; else None. Equal bounds: never quiet."""
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    if begin == finish:
        return None
    local = now.astimezone(ZoneInfo(tz))
    clock = local.time().replace(tzinfo=None)
    if begin < finish:
        quiet = begin <= clock < finish
        end_day = local.date()
    else:  # overnight, e.g. 21:00-08:00
        quiet = clock >= begin or clock < finish
        end_day = local.date() + timedelta(days=1) if clock >= begin else local.date()
    if not quiet:
        return None
    # Built from the local date and wall time, so a DST change in between is honoured.
    local_end = datetime.combine(end_day, finish, tzinfo=ZoneInfo(tz))
    return local_end.astimezone(UTC)


def quiet_starts(now: datetime, tz: str, start: str, end: str) -> datetime | None:
    """The next UTC moment after ``now`` when the quiet hours ``start``–``end`` begin
    (None: never quiet): until then, a decision that it is not quiet holds."""
    if parse_hhmm(start) == parse_hhmm(end):
        return None
    local = now.astimezone(ZoneInfo(tz))
    begins = datetime.combine(local.date(), parse_hhmm(start), tzinfo=ZoneInfo(tz))
    if begins <= local:
        begins = datetime.combine(local.date() + timedelta(days=1), parse_hhmm(start),
                                  tzinfo=ZoneInfo(tz))
    return begins.astimezone(UTC)


def pace(next_free: datetime | None, now: datetime, per_second: float,
         parts: int = 1) -> tuple[datetime, datetime]:
    """(when this text may go, when the sender is free again) for a sender allowed
    ``per_second`` parts a second (0: no limit)."""
    start = max(next_free, now) if next_free else now
    if per_second <= 0:
        return start, start
    return start, start + timedelta(seconds=parts / per_second)


def backoff(attempts: int) -> timedelta:
    """Wait before retrying after a 429 or a server error: 30 s doubling, at most 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
