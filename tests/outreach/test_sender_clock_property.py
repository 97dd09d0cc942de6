"""Property: however two workers' claims interleave (each at its own moment, texts of
one to three parts), the slots the claim statement hands out keep the sender's pace.
The claim moves the sender's clock in SQL on PostgreSQL (and in Python on SQLite);
:func:`engage.outreach.schedule.pace`, applied claim after claim, is the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.outreach import outbox
from engage.outreach.schedule import pace
from engage.responses.operations import respondent_for_phone

NOON = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 12:00 in Seattle: not quiet
BODIES = {1: "Your code is 1234", 2: "x" * 200, 3: "y" * 400}  # GSM-7: 1, 2, 3 parts
claim = st.tuples(st.sampled_from(("a", "b")), st.integers(0, 3000), st.sampled_from((1, 2, 3)))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(claims=st.lists(claim, min_size=2, max_size=8), per_second=st.sampled_from((0.5, 3.0, 20.0)))
def test_slots_keep_the_senders_pace(app, db, example, claims, per_second) -> None:
    saved = app.config["SMS_SENDER_PER_SECOND"]
    app.config["SMS_SENDER_PER_SECOND"] = per_second
    try:
        with example():
            clocks = {"a": NOON, "b": NOON}  # each worker's own clock, moving on
            for n, (_worker, _ms, parts) in enumerate(claims):
                resident = respondent_for_phone(f"+1206555{7000 + n:04d}")
                outbox.queue_text(resident.id, BODIES[parts], send_after=NOON - timedelta(hours=1))
            db.commit()
            free: datetime | None = None
            for worker, ms, parts in claims:
                clocks[worker] += timedelta(milliseconds=ms)
                got = outbox.claim_next(clocks[worker])
                db.commit()
                assert got is not None
                expected, free = pace(free, clocks[worker], per_second, parts)
                assert abs(got.at - expected) < timedelta(milliseconds=1), (got.at, expected)
                assert got.at >= clocks[worker] - timedelta(milliseconds=1)
    finally:
        app.config["SMS_SENDER_PER_SECOND"] = saved
