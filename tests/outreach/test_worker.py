"""A real worker process (``flask engage worker``: huey, SQLite queue with SQLite, Redis
with PostgreSQL) sends a campaign through the real Twilio client to the fake Twilio;
killed with SIGKILL halfway and replaced, it loses no text and sends none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.messaging.models import Message
from engage.outreach import campaigns as ops
from engage.outreach.contacts import import_contacts
from engage.surveys import operations
from engage.surveys.models import Survey
from tests.factories import QUESTIONS, survey_data
from tests.outreach.helpers import MESSAGES, contacts_csv

ROOT = Path(__file__).resolve().parents[2]
CONTACTS = 60
REDIS_URL = "redis://127.0.0.1:6379/15"


def _setup() -> int:
    survey = operations.create_survey(survey_data("worker", sms_keyword="WORKER"))
    for question in QUESTIONS:
        operations.add_question(survey, question)
    operations.publish_survey(survey)
    import_contacts(contacts_csv(*[f"+1206556{n:04d},es,,Partner,2026-01-01,"
                                   for n in range(CONTACTS)]), "worker.csv")
    made = ops.save_campaign(survey, ops.CampaignData(
        name="Kill test", messages=MESSAGES, quiet_start="00:00", quiet_end="00:00",
        rate_per_minute=6000))
    db.session.flush()
    ops.start_campaign(made)
    return made.id


def _statuses(campaign_id: int) -> Counter:
    return Counter(dict(db.session.execute(
        select(Message.status, func.count()).where(Message.campaign_id == campaign_id)
        .group_by(Message.status)).all()))


@pytest.fixture
def queue_url(app, tmp_path) -> str:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).flushdb()
        except redis.ConnectionError:
            if os.environ.get("CI"):
                raise
            pytest.skip("Redis is not running")
        return REDIS_URL
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


def _worker(app, fake, queue_url: str, log: Path) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = {**os.environ, "ENGAGE_ENV": "testing",
           "ENGAGE_TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ENGAGE_QUEUE_URL": queue_url, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
           "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": fake.url,
           "ENGAGE_SMS_PER_SECOND": "0", "ENGAGE_OUTREACH_STALE_SECONDS": "2",
           "NO_PROXY": "127.0.0.1,localhost"}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "engage", "worker", "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("a"),
        start_new_session=True)


def _wait(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(app, live_server, fake_twilio,
                                                               queue_url, tmp_path) -> None:
    fake_twilio.delay = 0.05
    campaign_id = live_server.run(_setup)
    log = tmp_path / "workers.log"  # a file, not a pipe nobody reads while they run
    first = _worker(app, fake_twilio, queue_url, log)
    try:
        assert _wait(lambda: len(fake_twilio.sent) >= 15, 60), log.read_text()[-3000:]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        halfway = len(fake_twilio.sent)
        assert halfway < CONTACTS, "the worker finished before it could be killed"
        time.sleep(2.5)  # its claims are now stale
        second = _worker(app, fake_twilio, queue_url, log)
        try:
            done = _wait(lambda: live_server.run(
                lambda: _statuses(campaign_id)[("pending")] + _statuses(campaign_id)["claimed"]
                + _statuses(campaign_id)["sending"]) == 0, 90)
        finally:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()
        assert done, log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    received = Counter(m["To"] for m in fake_twilio.sent)
    assert max(received.values()) == 1, "a text was sent twice"
    statuses = live_server.run(lambda: _statuses(campaign_id))
    assert sum(statuses.values()) == CONTACTS
    assert statuses["queued"] + statuses["review"] == CONTACTS, statuses
    assert statuses["review"] <= 2  # at most one per killed thread, flagged, not resent
    assert statuses["queued"] <= len(fake_twilio.sent) <= statuses["queued"] + statuses["review"]
    assert live_server.run(lambda: db.session.scalar(
        select(Survey.slug).where(Survey.slug == "worker"))) == "worker"
