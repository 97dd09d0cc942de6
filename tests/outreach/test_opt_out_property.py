"""Property: across contact imports, campaigns, STOPs and STARTs in any order, nothing
is ever sent to a number while it is opted out."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.outreach import campaigns as ops
from engage.outreach import outbox
from engage.outreach.contacts import import_contacts
from tests.channels.sms.phone import Phone
from tests.outreach.helpers import MESSAGES, contacts_csv

NUMBERS = [f"+1206555{n:04d}" for n in range(4000, 4004)]
_slugs = itertools.count()
step = st.one_of(
    st.tuples(st.just("import"), st.sets(st.sampled_from(NUMBERS), min_size=1)),
    st.tuples(st.just("stop"), st.sampled_from(NUMBERS)),
    st.tuples(st.just("start"), st.sampled_from(NUMBERS)),
    st.tuples(st.just("campaign"), st.just("")),
    st.tuples(st.just("send"), st.just("")),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=10))
def test_nothing_reaches_an_opted_out_number(client, db, app, make_survey, fake_twilio,
                                             steps) -> None:
    app.config["SMS_SENDER_PER_SECOND"] = 0
    survey = make_survey(slug=f"prop{next(_slugs)}")
    fake_twilio.sent.clear()
    stopped: set[str] = set()
    for action, value in steps + [("campaign", ""), ("send", "")]:
        if action == "import":
            import_contacts(contacts_csv(*[f"{n},es,,Partner,2026-01-01," for n in value]), "x")
            db.commit()
        elif action in ("stop", "start"):
            Phone(client, value).text("PARAR" if action == "stop" else "START")
            (stopped.add if action == "stop" else stopped.discard)(value)
        elif action == "campaign":
            made = ops.save_campaign(survey, ops.CampaignData(
                name="c", messages=MESSAGES, quiet_start="00:00", quiet_end="00:00"))
            ops.start_campaign(made)
            db.commit()
        else:
            before = len(fake_twilio.sent)
            outbox.pump(5, sleep=lambda s: None)
            db.commit()
            assert not {m["To"] for m in fake_twilio.sent[before:]} & stopped
    app.config["SMS_SENDER_PER_SECOND"] = 1
