"""Campaigns: the outbox written in one go, sent once each through the real Twilio
client (against a fake Twilio), in each resident's language, never to an opted-out
number, paced, quiet at night, and a reply that enters the survey."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.core.errors import DomainError
from engage.messaging.models import Message
from engage.org.models import Area
from engage.outreach import campaigns as ops
from engage.outreach import outbox
from engage.outreach.contacts import import_contacts
from engage.outreach.models import Campaign, CampaignStatus
from engage.outreach.targeting import under_represented
from engage.responses.models import Respondent, Response
from engage.responses.operations import respondent_for_phone
from tests.channels.sms.phone import Phone
from tests.outreach.helpers import MESSAGES, campaign, load
from tests.results.test_representation import surveyed  # noqa: F401 - a fixture
from tests.results.test_results import answer

ROWS = ("206-555-0201,es,,Casa Latina,2026-03-01,", "206-555-0202,vi,,Pho Partners,2026-03-01,",
        "206-555-0203,en,,Library,2026-03-01,", "206-555-0204,zh-Hant,,CISC,2026-03-01,")


@pytest.fixture
def fast(app):  # type: ignore[no-untyped-def]
    saved = app.config["SMS_SENDER_PER_SECOND"]
    app.config["SMS_SENDER_PER_SECOND"] = 0
    yield
    app.config["SMS_SENDER_PER_SECOND"] = saved


NOON = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 12:00 in Seattle


@pytest.fixture(autouse=True)
def at_noon(time_machine):  # type: ignore[no-untyped-def]
    """Every campaign here starts, and its texts are sent, at noon in the city, the
    clock standing still: the operations read it, the pump is handed the same instant."""
    time_machine.move_to(NOON, tick=False)


def send_all(db, now=NOON):  # type: ignore[no-untyped-def]
    handled = outbox.pump(5, now=lambda: now, sleep=lambda s: None)
    db.commit()
    return handled


def test_a_message_is_needed_in_every_language(db, make_survey) -> None:
    survey = make_survey()
    with pytest.raises(DomainError) as err:
        campaign(db, survey, messages={"en": "Hi {link}", "es": ""})
    assert "Español: the message is missing." in str(err.value)
    assert "Tiếng Việt: the message is missing." in str(err.value)


def test_estimate_counts_parts_and_cost_per_language(db, make_survey) -> None:
    survey = make_survey()
    load(db, *ROWS)
    made = campaign(db, survey)
    by_locale = {e.locale: e for e in ops.estimate(made)}
    assert by_locale["es"].recipients == 1 and by_locale["en"].recipients == 2  # zh -> default
    assert by_locale["vi"].cost.encoding == "UCS-2" and by_locale["en"].cost.encoding == "GSM-7"
    assert by_locale["en"].dollars == round(2 * by_locale["en"].cost.parts * 0.0083, 2)


def test_invitations_go_once_each_in_each_language(db, make_survey, fake_twilio, fast) -> None:
    survey = make_survey()
    load(db, *ROWS)
    made = campaign(db, survey)
    assert ops.start_campaign(made) == 4
    db.commit()
    assert send_all(db) == 4
    sent = {m["To"]: m["Body"] for m in fake_twilio.sent}
    assert len(fake_twilio.sent) == 4
    assert sent["+12065550201"].startswith("Encuesta de vivienda: https://engage.example.gov/s/"
                                           "housing?lang=es")
    assert sent["+12065550201"].endswith("Envíe STOP para no recibir más mensajes.")
    assert sent["+12065550202"].startswith("Khảo sát nhà ở")
    assert sent["+12065550204"].startswith("Housing survey")  # no Chinese: the default
    assert ops.status_counts(made.id)["sent"] == 4
    # a second invitation for the same survey reaches nobody twice
    again = campaign(db, survey, name="Again")
    assert ops.start_campaign(again) == 0
    outbox.sweep(NOON)
    assert db.get(Campaign, made.id).status == CampaignStatus.DONE


def test_a_reply_to_an_invitation_starts_the_survey(client, db, make_survey, fake_twilio,
                                                     fast) -> None:
    survey = make_survey()
    load(db, "206-555-0201,es,,Casa Latina,2026-03-01,")
    ops.start_campaign(campaign(db, survey))
    db.commit()
    send_all(db)
    assert Phone(client, "+12065550201").text("hola").startswith("Vivienda\n¿Dueño o alquila?")


def test_opted_out_numbers_are_never_texted(client, db, make_survey, fake_twilio, fast) -> None:
    survey = make_survey()
    load(db, *ROWS)
    made = campaign(db, survey)
    ops.start_campaign(made)
    db.commit()
    Phone(client, "+12065550202").text("DỪNG")  # STOP in Vietnamese, after queueing
    fake_twilio.fail_next(400, 21610)  # and one the carrier says opted out
    send_all(db)
    assert "+12065550202" not in {m["To"] for m in fake_twilio.sent}
    counts = ops.status_counts(made.id)
    assert counts["opted_out"] == 2 and counts["sent"] == 2
    assert db.scalar(select(func.count()).select_from(Respondent).where(
        Respondent.opted_out.is_(True))) == 2


def test_rate_limits_and_server_errors_are_retried_later(db, make_survey, fake_twilio,
                                                         fast) -> None:
    survey = make_survey()
    load(db, ROWS[0])
    ops.start_campaign(campaign(db, survey))
    db.commit()
    fake_twilio.fail_next(429, 20429)
    send_all(db)
    message = db.scalar(select(Message).where(Message.campaign_id.is_not(None)))
    assert message.status == "pending" and message.error_code == "20429"
    assert message.send_after == NOON + timedelta(seconds=30)
    send_all(db, NOON + timedelta(seconds=31))
    assert message.status == "queued" and len(fake_twilio.sent) == 1


def test_quiet_hours_hold_texts_until_morning(db, make_survey, fake_twilio, fast) -> None:
    survey = make_survey()
    load(db, *ROWS[:2])
    made = campaign(db, survey)
    ops.start_campaign(made)
    db.commit()
    night = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)  # 22:30 in Seattle
    assert send_all(db, night) == 0 and fake_twilio.sent == []
    morning = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # 08:00 in Seattle
    assert db.get(Campaign, made.id).held_until == morning
    assert send_all(db, morning - timedelta(minutes=1)) == 0
    assert send_all(db, morning) == 2


@pytest.mark.parametrize(("started", "morning"), [
    # 01:30 on the night clocks go back (PDT -> PST): morning is 08:00 PST
    (datetime(2026, 11, 1, 8, 30, tzinfo=UTC), datetime(2026, 11, 1, 16, 0, tzinfo=UTC)),
    # 01:30 on the night clocks go forward (PST -> PDT): morning is 08:00 PDT
    (datetime(2027, 3, 14, 9, 30, tzinfo=UTC), datetime(2027, 3, 14, 15, 0, tzinfo=UTC)),
])
def test_quiet_hours_end_at_eight_local_across_daylight_saving(
        db, make_survey, fake_twilio, fast, time_machine, started, morning) -> None:
    time_machine.move_to(started, tick=False)
    survey = make_survey()
    load(db, *ROWS[:1])
    made = campaign(db, survey)
    ops.start_campaign(made)
    db.commit()
    assert send_all(db, started) == 0
    assert db.get(Campaign, made.id).held_until == morning
    assert send_all(db, morning - timedelta(minutes=1)) == 0
    assert send_all(db, morning) == 1


def test_the_sender_is_paced(app, db, make_survey, fake_twilio) -> None:
    """Measured on the fake server's clock: 10 one-part texts at 20 a second."""
    app.config["SMS_SENDER_PER_SECOND"] = 20
    try:
        survey = make_survey()
        load(db, *[f"206-555-03{n:02d},en,,Library,2026-03-01," for n in range(10)])
        ops.start_campaign(campaign(db, survey, rate_per_minute=6000, quiet_start="00:00",
                                    quiet_end="00:00"))
        db.commit()
        outbox.pump(10)
        db.commit()
    finally:
        app.config["SMS_SENDER_PER_SECOND"] = 1
    times = sorted(float(m["at"]) for m in fake_twilio.sent)
    assert len(times) == 10
    assert times[-1] - times[0] >= 9 / 20 * 0.95


def test_pause_resume_and_cancel(db, make_survey, fake_twilio, fast) -> None:
    survey = make_survey()
    load(db, *ROWS)
    made = campaign(db, survey)
    ops.start_campaign(made)
    ops.pause_campaign(made)
    db.commit()
    assert send_all(db) == 0
    ops.resume_campaign(made)
    db.commit()
    outbox.claim_next(NOON)  # one in flight...
    db.commit()
    assert ops.cancel_campaign(made) == 3  # ...the rest cancelled
    db.commit()
    assert send_all(db) == 0 and ops.status_counts(made.id)["cancelled"] == 3


def test_reminders_go_to_those_invited_who_did_not_finish(client, db, make_survey, fake_twilio,
                                                          fast) -> None:
    survey = make_survey()
    load(db, *ROWS[:3])
    ops.start_campaign(campaign(db, survey))
    db.commit()
    send_all(db)
    db.execute(Message.__table__.update().values(created_at=NOON - timedelta(days=4)))
    phone = Phone(client, "+12065550203")  # finishes the survey
    for text in ("hi", "1", "", "SKIP", "SKIP", "SKIP"):
        phone.text(text or "1")
    reminder = campaign(db, survey, name="Reminder", kind="reminder", reminder_after_days=3,
                        messages={loc: "Reminder {link}" for loc in MESSAGES})
    assert ops.start_campaign(reminder) == 2


def test_a_crash_leaves_no_text_sent_twice(db, make_survey, fake_twilio, fast) -> None:
    survey = make_survey()
    load(db, *ROWS[:2])
    made = campaign(db, survey)
    ops.start_campaign(made)
    db.commit()
    first = outbox.claim_next(NOON)  # marked sending in the claim; the worker dies
    db.commit()
    assert db.get(Message, first.message_id).status == outbox.SENDING
    counts = outbox.sweep(NOON + timedelta(minutes=3))
    assert counts == {"requeued": 0, "flagged": 1, "finished": 0}
    assert db.get(Message, first.message_id).status == "review"
    send_all(db, NOON + timedelta(minutes=3))
    assert len(fake_twilio.sent) == 1  # the other one: the one in doubt waits for staff
    ops.settle_review(made, resend=False)
    assert db.get(Message, first.message_id).status == "sent"


def test_staff_create_start_and_watch_a_campaign(client, db, login, make_survey) -> None:
    survey = make_survey()
    load(db, *ROWS)
    login("staff")
    from tests.conftest import form_post

    response = form_post(client, f"/staff/outreach/surveys/{survey.id}/campaigns/new",
                         name="Spring", kind="invitation", message__en="Hi {link}",
                         message__es="Hola {link}", message__vi="Mời bạn trả lời {link}", threshold="0.8",
                         reminder_after_days="3", rate_per_minute="60", quiet_start="21:00",
                         quiet_end="08:00")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    assert "If started now" in page and "(UCS-2)" in page
    made = db.scalar(select(Campaign))
    form_post(client, response.location, f"/staff/outreach/campaigns/{made.id}/start")
    status = client.get(f"/staff/outreach/campaigns/{made.id}/status.json").get_json()
    assert status == {"status": "running", "counts": {
        "queued": 4, "sending": 0, "sent": 0, "delivered": 0, "failed": 0, "opted_out": 0,
        "review": 0, "cancelled": 0}}


def test_a_reply_to_one_resident_goes_before_bulk_texts(db, make_survey, fast) -> None:
    survey = make_survey()
    load(db, *ROWS)
    ops.start_campaign(campaign(db, survey))
    reply = outbox.queue_text(respondent_for_phone("+12065550209").id, "Your code is 1234",
                              priority=outbox.REPLY, send_after=NOON)
    db.commit()
    assert outbox.claim_next(NOON).message_id == reply.id


def test_only_groups_under_represented_so_far_are_invited(db, surveyed) -> None:  # noqa: F811
    # area options: 1 north 2 south; home language: 1 English, 2 Spanish
    for _ in range(10):
        answer(surveyed, "sms", "en", {"race_ethnicity": "7", "area": "1", "home_language": "1"})
    db.commit()
    header = "phone,language,area,consent_source,consent_date\n"
    import_contacts((header + "206-555-0501,en,north,Partner,2026-01-01\n"
                     "206-555-0502,en,south,Partner,2026-01-01\n"
                     "206-555-0503,es,north,Partner,2026-01-01\n").encode(), "x.csv")
    db.commit()
    targets = under_represented(surveyed.id, 0.8)
    south = db.scalar(select(Area.id).where(Area.slug == "south"))
    assert targets.area_ids == {south} and "es" in targets.language_groups
    assert "en" not in targets.language_groups
    made = campaign(db, surveyed, under_represented=True)
    texted = {r for r, _lang in db.execute(ops.audience(made))}
    expected = {respondent_for_phone(n).id for n in ("+12065550502", "+12065550503")}
    assert texted == expected


def test_workers_wake_only_for_texts_that_can_go(db, make_survey, fast) -> None:
    """A paused campaign must not keep a worker spinning; quiet hours and back-off wake it
    when they end."""
    survey = make_survey()
    load(db, *ROWS[:2])
    made = campaign(db, survey)
    ops.start_campaign(made)
    db.commit()
    assert outbox.next_wake(NOON) is None  # all due now: the pump's work, not a wake-up
    ops.pause_campaign(made)
    db.commit()
    assert outbox.next_wake(NOON) is None and not outbox.overdue(NOON + timedelta(hours=1))
    ops.resume_campaign(made)
    night = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    assert outbox.claim_next(night) is None  # held by quiet hours
    db.commit()
    assert outbox.next_wake(night) == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def test_an_invitation_does_not_take_a_resident_out_of_another_survey(
        client, db, make_survey, fake_twilio, fast) -> None:
    survey = make_survey()
    other = make_survey(slug="parks", title={"en": "Parks", "es": "Parques", "vi": "Công viên"})
    load(db, "206-555-0201,en,,Library,2026-03-01,")
    phone = Phone(client, "+12065550201")
    assert "Own or rent?" in phone.text("PARKS")
    assert "Rate repairs" in phone.text("2")  # answering the parks survey
    ops.start_campaign(campaign(db, survey))
    db.commit()
    send_all(db)
    assert len(fake_twilio.sent) == 1
    assert "Transport" in phone.text("4")  # still in the parks survey
    assert db.scalar(select(Response.survey_id).order_by(Response.id)) == other.id
