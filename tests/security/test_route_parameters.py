"""Hostile values in any route's address or parameters are refused (4xx), never a 500.

Every rule of the app is reached with huge, negative, zero-padded and non-ASCII numbers
and long or odd strings in each of its placeholders, and with the parameters its view
reads (those named in its module, and those its pages' forms and links send, tampered
with from the values the page shows), as an anonymous visitor and as an administrator;
Twilio's webhooks with valid signatures. PostgreSQL refuses what SQLite takes (an
integer beyond 2^31, a string longer than its column): run it on both.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engage.coding.operations import create_theme
from engage.messaging.models import Direction, Message
from engage.outreach.campaigns import CampaignData, save_campaign
from engage.plans import operations as plans
from engage.surveys.models import Survey
from tests.channels.sms.phone import Phone, signed
from tests.channels.voice.caller import Call
from tests.routes import Route, offered, page_forms, routes

Example = Callable[[], AbstractContextManager[None]]

HUGE = (str(2**31), str(2**63), str(10**30))
#: Numbers no column holds, or no parser reads as the view expects.
NUMBERS = (*HUGE, str(2**31 - 1), "-1", str(-(2**31) - 1), "007", "0", "١٢", "1e999", "NaN",
           "Infinity", "-0", "1.5", " 7 ", "0x1F")
STRINGS = ("x" * 10_000, "", "ß" * 300, "../..", "%", "<b>", "\u202e", "1,2,3", "9" * 400,
           "a\x00b")
HOSTILE = NUMBERS + STRINGS
#: In an address: what a converter may let through, or a view may look up.
IN_PATH = (*HUGE, "-1", "007", "١٢", "x" * 10_000, "a\x00b", "%")
#: A number beyond 2^63 and a string longer than any column: each parameter alone gets it.
NINES = "9" * 1000
#: Beyond PostgreSQL's INTEGER, beyond everything, not a number: every parameter at once.
WORST = (str(2**31), NINES, "NaN")
#: What a resident's or a forger's hand may put in a parameter.
hostile = st.one_of(st.sampled_from(HOSTILE),
                    st.integers(min_value=-(10**30), max_value=10**30).map(str),
                    st.text(max_size=40))

#: Names a view reads from the request, found in its module's source.
READ_RE = re.compile(r'\.get(?:list)?\(\s*"([A-Za-z][\w-]*)"|request\.(?:args|form)\[\s*"([\w-]+)"')

#: Webhook parameters that ride in the callback URL we give Twilio.
QUERY = {"m", "s", "silence"}
WEBHOOKS = {"sms.inbound", "sms.status", "voice.inbound", "voice.gather", "voice.status"}
#: Beside a number too long for any column, each parameter of a webhook gets a NUL
#: (refused with a 400 before any other view; webhooks clean what they keep).
WEBHOOK_ALONE = (NINES, "a\x00b")
#: Never tried as the administrator: signing out would make the rest anonymous.
SIGNS_OUT = {"accounts.logout"}
#: Left out: it reads nothing from the request, and writes on a connection of its own,
#: which waits for the test's open transaction (on SQLite, "busy": a 503 after 5 s).
UNPARAMETERED = {"health.health"}


@dataclass(frozen=True)
class Target:
    """One request a route takes: what a page (or Twilio) sends it, and every name its
    view may read."""

    route: Route
    shown: tuple[tuple[str, str], ...]
    names: tuple[str, ...]


@dataclass
class World:
    """Rows for the routes to find, so a valid address reaches its view's parameters."""

    app: Flask
    ids: dict[str, str]
    department_slug: str
    #: What Twilio posts to each webhook, for a resident half-way through the survey.
    twilio: dict[str, dict[str, str]]
    targets: list[Target] = field(default_factory=list)

    def valid(self, route: Route, name: str) -> str:
        placeholder = next(p for p in route.placeholders if p.name == name)
        if placeholder.options:
            return placeholder.options[0]
        if name == "slug" and route.rule.startswith("/staff/plans"):
            return self.department_slug
        return self.ids.get(name, "1")

    def url(self, route: Route, **values: str) -> str:
        return route.url({p.name: values.get(p.name, self.valid(route, p.name))
                          for p in route.placeholders})


def checked_routes(app: Flask) -> list[Route]:
    return [r for r in routes(app) if r.endpoint not in UNPARAMETERED]


def read_names(app: Flask, route: Route) -> set[str]:
    module = inspect.getmodule(app.view_functions[route.endpoint])
    return {a or b for a, b in READ_RE.findall(inspect.getsource(module))} if module else set()


def targets(app: Flask, twilio: dict[str, dict[str, str]],
            pages: Iterator[tuple[str, str]]) -> list[Target]:
    sent = offered(app, pages)
    found = []
    for route in checked_routes(app):
        forms = [twilio[route.endpoint]] if route.endpoint in twilio else \
            sent.get((route.endpoint, route.method)) or [{}]
        for shown in forms:
            names = tuple(sorted(read_names(app, route) | set(shown)))
            found.append(Target(route, tuple(shown.items()), names))
    return found


@pytest.fixture
def world(app: Flask, db, client: FlaskClient, login, make_survey, department) -> World:  # type: ignore[no-untyped-def]
    survey: Survey = make_survey(channels=["web", "sms", "voice"], department_id=department.id)
    for text in ("housing", "1", "2", "4", "1", "12", "More buses"):  # answers to code
        Phone(client).text(text)
    twilio = _half_way(client, db)
    admin = login("admin")
    theme = create_theme(survey, "transit", {"en": "Transit"}, {"en": "bus"})
    goal = plans.add_goal(admin, department, "Stable homes")
    objective = plans.add_objective(admin, goal, "Repairs within 30 days")
    finding = plans.create_finding(admin, survey, department, question="tenure", by=None, query={},
                                   title="Most rent", reading="", objective_ids=[objective.id])
    action = plans.add_action(admin, finding, plans.ActionData(text={"en": "Fix repairs"}))
    campaign = save_campaign(survey, CampaignData("Spring", {c: "Hi" for c in survey.locales}))
    db.commit()
    ids = {"survey_id": survey.id, "question_id": survey.questions[0].id, "theme_id": theme.id,
           "finding_id": finding.id, "action_id": action.id, "campaign_id": campaign.id,
           "user_id": admin.id, "slug": survey.slug, "key": "tenure", "token": "x",
           "filename": "engage.css", "action": "pause"}
    made = World(app, {k: str(v) for k, v in ids.items()}, department.slug, twilio)
    made.targets = targets(app, twilio, _pages(app, made, client))
    return made


def _half_way(client: FlaskClient, db) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A resident at a number question by text, another at the first question by phone:
    what Twilio would post next to each webhook."""
    texter, caller = "+12065550102", "+12065550103"
    for text in ("housing", "1", "2", "4", "1 3"):
        Phone(client, texter).text(text)
    call = Call(client, caller, sid="CA" + "b" * 32)
    call.dial()
    call.press("1")
    step = parse_qs(urlsplit(call.gather().get("action", "")).query)["s"][0]
    sent = db.scalar(select(Message.id).where(Message.direction == Direction.OUTBOUND))
    account = {"AccountSid": "AC" + "0" * 32, "To": "+15005550006"}
    return {
        "sms.inbound": {"MessageSid": "SM" + "a" * 32, **account, "From": texter, "Body": "12",
                        "NumMedia": "0"},
        "sms.status": {"MessageSid": "SM" + "a" * 32, **account, "MessageStatus": "delivered",
                       "ErrorCode": "30003", "m": str(sent)},
        "voice.inbound": {"CallSid": "CA" + "d" * 32, **account, "From": caller,
                          "CallStatus": "ringing"},
        "voice.gather": {"CallSid": call.sid, **account, "From": caller, "CallStatus": "in-progress",
                         "Digits": "1", "s": step, "SpeechResult": "", "Confidence": "0.9",
                         "RecordingSid": "RE" + "c" * 32, "RecordingDuration": "3",
                         "RecordingUrl": "https://api.twilio.com/r/1"},
        "voice.status": {"CallSid": call.sid, **account, "CallStatus": "completed",
                         "CallDuration": "41"},
    }


def _pages(app: Flask, world: World, admin: FlaskClient) -> Iterator[tuple[str, str]]:
    """Every page the administrator can open, and a resident's survey pages."""
    for route in checked_routes(app):
        if route.method == "GET":
            url = world.url(route)
            response = admin.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                yield url, response.get_data(as_text=True)
    resident = app.test_client()
    landing = f"/s/{world.ids['slug']}"
    html = resident.get(landing).get_data(as_text=True)
    yield landing, html
    start = next(f for f in page_forms(html, landing)[0] if f.method == "POST")
    resident.post(start.action, data={k: v[0] for k, v in start.fields.items() if v})
    yield f"{landing}/q", resident.get(f"{landing}/q").get_data(as_text=True)


@pytest.fixture
def no_csrf(app: Flask) -> Iterator[None]:
    """Tampered posts reach the view, as from a page whose token is valid."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def send(client: FlaskClient, route: Route, url: str, shown: dict[str, str],
         tampered: dict[str, str]):  # type: ignore[no-untyped-def]
    """A GET carries everything in its query string; a POST its form, with the tampered
    values in the query string too (some views read both). Webhooks are signed."""
    params = {**shown, **tampered}
    if route.method == "GET":
        return client.get(url, query_string=params)
    webhook = route.endpoint in WEBHOOKS
    query = {k: v for k, v in params.items() if k in QUERY} if webhook else tampered
    form = {k: v for k, v in params.items() if not (webhook and k in QUERY)}
    url = f"{url}?{urlencode(query)}" if query else url
    return client.open(url, method=route.method, data=form,
                       headers=signed(url, form) if webhook else {})


class Requests:
    """Sends each request in an example of its own (nothing it writes stays) and keeps
    what failed: as the administrator on staff pages and anonymously elsewhere, or the
    other way round (``other``: staff pages send a visitor to sign in first)."""

    def __init__(self, app: Flask, admin: FlaskClient, example: Example) -> None:
        self.anonymous, self.admin, self.example = app.test_client(), admin, example
        self.failed: list[tuple[object, ...]] = []
        self.sent = 0

    def client(self, route: Route, other: bool) -> FlaskClient:
        if route.endpoint in SIGNS_OUT:
            return self.anonymous
        return self.admin if route.rule.startswith("/staff") != other else self.anonymous

    def report(self) -> str:
        return f"{len(self.failed)} of {self.sent} failed:\n" + "\n".join(map(str, self.failed))

    def send(self, route: Route, url: str, shown: dict[str, str], tampered: dict[str, str],
             other: bool = False) -> tuple[object, ...] | None:
        """The failure, if the request failed."""
        self.sent += 1
        with self.example():
            try:  # testing: an error propagates instead of becoming a 500
                status = send(self.client(route, other), route, url, shown, tampered).status_code
            except Exception as error:
                status = repr(error)[:200]
        if isinstance(status, int) and status < 500:
            return None
        self.failed.append((route.endpoint, route.method, url[:100],
                            {k: v[:40] for k, v in tampered.items()}, status))
        return self.failed[-1]


@pytest.fixture
def requests(app: Flask, client: FlaskClient, world: World, no_csrf: None, example: Example) -> Requests:
    return Requests(app, client, example)


def test_every_route_refuses_hostile_values(app: Flask, world: World, requests: Requests) -> None:
    """Each placeholder of each rule with each hostile value, the others valid; every
    parameter a view reads with each of the worst values at once (and once as the other
    visitor); then each parameter alone, the rest as the page shows them (a form
    otherwise valid gets past its validation to whatever reads the value)."""
    for route in checked_routes(app):
        for placeholder in route.placeholders:
            for value in IN_PATH:
                requests.send(route, world.url(route, **{placeholder.name: value}), {}, {})
    for target in world.targets:
        url, shown = world.url(target.route), dict(target.shown)
        for value in WORST:
            requests.send(target.route, url, shown, dict.fromkeys(target.names, value))
        requests.send(target.route, url, shown, dict.fromkeys(target.names, WORST[0]), other=True)
        for name in target.names:
            for value in WEBHOOK_ALONE if target.route.endpoint in WEBHOOKS else (NINES,):
                requests.send(target.route, url, shown, {name: value})
    assert not requests.failed, requests.report()
    assert requests.sent > 1500


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_parameters_among_valid_ones(world: World, requests: Requests,
                                            data: st.DataObject) -> None:
    """What a page sends back with one or a few values tampered with: a form whose other
    fields are valid gets past its validation to whatever reads the hostile one."""
    target, name = data.draw(st.sampled_from([(t, n) for t in world.targets for n in t.names]),
                             label="target")
    tampered = {name: data.draw(hostile, label=name),
                **data.draw(st.dictionaries(st.sampled_from(target.names), hostile, max_size=2),
                            label="others")}
    assert requests.send(target.route, world.url(target.route), dict(target.shown), tampered) is None
