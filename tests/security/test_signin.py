"""Sign-in: where it sends you after, how often one may try, and that it tells nobody
which e-mail addresses have accounts."""

from __future__ import annotations

import uuid
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.accounts import operations
from engage.accounts.signin import safe_next
from engage.audit.models import AuditEvent
from tests.conftest import csrf_token
from tests.factories import PASSWORD

SITE = "https://engage.example.gov/staff/login"
DEFAULT = "/staff/"


def sign_in(client, email: str, password: str, next_: str | None = None, **headers):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    url = "/staff/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"csrf_token": token, "email": email, "password": password},
                       headers=headers)


def browser_resolves(target: str) -> str:
    """Where a browser goes for a Location header: it drops tabs and line breaks, reads
    a backslash as a slash, trims spaces and control characters at either end."""
    cleaned = target.strip("".join(chr(c) for c in range(0x21)))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urljoin(SITE, cleaned)


@pytest.mark.parametrize("next_", ["/%09/evil.example", "/%5C/evil.example", "%2F%2Fevil.example",
                                   "https://evil.example/", "/%0d%0a/evil.example", "///evil.example",
                                   "/\\evil.example", "%20//evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, make_user, next_: str) -> None:
    """``?next=/%09/evil.example`` was a 302 to //evil.example: the tab was checked for
    after it was stripped."""
    user = make_user("staff")
    response = sign_in(client, user.email, PASSWORD, next_)
    assert response.status_code == 302
    assert urlsplit(browser_resolves(response.location)).netloc == "engage.example.gov"


def test_next_takes_you_back_to_the_page_you_asked_for(client, make_user) -> None:
    user = make_user("staff")
    assert sign_in(client, user.email, PASSWORD, "/staff/surveys/?page=2").location == \
        "/staff/surveys/?page=2"


HOSTILE = st.lists(st.sampled_from([*"/\\\t\n\r .:@%?#ab", "evil.example", "//", "\x0b", "\x1f",
                                   "\x7f", "\u3000", "https:"]), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(HOSTILE, st.text(max_size=30)))
def test_whatever_next_holds_a_browser_stays_on_the_site(target: str) -> None:
    result = safe_next(target, DEFAULT)
    assert urlsplit(browser_resolves(result)).netloc == "engage.example.gov"
    assert result == DEFAULT or result == target  # refused, or passed on unchanged


def test_wrong_passwords_for_one_account_do_not_lock_out_another(client, make_user) -> None:
    """Nine wrong passwords for one account made the admin's correct one, from the same
    office, a 429. Limits are per account from an address, and per address."""
    viewer, admin = make_user("viewer"), make_user("admin")
    for _ in range(10):
        assert sign_in(client, viewer.email, "wrong password").status_code == 200
    assert sign_in(client, viewer.email, PASSWORD).status_code == 429
    assert sign_in(client, admin.email, PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(client, make_user) -> None:
    user = make_user("staff")
    for _ in range(12):
        assert sign_in(client, user.email, PASSWORD).status_code == 302
        client.post("/staff/logout", data={"csrf_token": csrf_token(
            client.get("/staff/").get_data(as_text=True))})


def test_one_address_trying_many_accounts_is_stopped(client) -> None:
    for n in range(30):
        assert sign_in(client, f"guess{n}@city.test", "password123").status_code == 200
    assert sign_in(client, "guess-more@city.test", "password123").status_code == 429


def test_behind_a_proxy_each_client_is_limited_on_its_own(other_app) -> None:
    """With ENGAGE_PROXY_HOPS=1 the address is the client's (X-Forwarded-For), so one
    client's failures do not stop another behind the same proxy."""
    app = other_app(PROXY_HOPS=1)
    client = app.test_client()
    for _ in range(10):
        sign_in(client, "someone@city.test", "wrong password", X_Forwarded_For="203.0.113.5")
    assert sign_in(client, "someone@city.test", "x", X_Forwarded_For="203.0.113.5").status_code == 429
    assert sign_in(client, "someone@city.test", "x", X_Forwarded_For="198.51.100.7").status_code == 200


def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(other_app) -> None:
    app = other_app()
    client = app.test_client()
    for n in range(10):
        sign_in(client, "someone@city.test", "wrong password", X_Forwarded_For=f"203.0.113.{n}")
    assert sign_in(client, "someone@city.test", "x", X_Forwarded_For="198.51.100.7").status_code == 429


def test_workers_share_the_counts_through_redis(other_app) -> None:
    """Two gunicorn workers are two limiters: with REDIS_URL set they count together;
    in memory (the control) a fresh worker starts from zero."""
    prefix = f"engage-test-{uuid.uuid4().hex}"
    settings_ = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "RATELIMIT_KEY_PREFIX": prefix}
    first = other_app(**settings_)
    client = first.test_client()
    for _ in range(10):
        sign_in(client, "someone@city.test", "wrong password")
    assert sign_in(client, "someone@city.test", "x").status_code == 429
    second = other_app(database_url=first.config["SQLALCHEMY_DATABASE_URI"], **settings_)
    assert sign_in(second.test_client(), "someone@city.test", "x").status_code == 429

    in_memory = other_app(RATELIMIT_STORAGE_URI="memory://")
    client = in_memory.test_client()
    for _ in range(10):
        sign_in(client, "someone@city.test", "wrong password")
    fresh = other_app(database_url=in_memory.config["SQLALCHEMY_DATABASE_URI"],
                      RATELIMIT_STORAGE_URI="memory://")
    assert sign_in(fresh.test_client(), "someone@city.test", "x").status_code == 200


def test_the_same_work_is_done_whether_or_not_the_account_exists(db, make_user, monkeypatch) -> None:
    """A wrong password took 105 ms and an unknown address 5 ms: the password hash is
    now checked either way (counted here, not timed)."""
    checked: list[str] = []
    real = operations.check_password_hash
    monkeypatch.setattr(operations, "check_password_hash",
                        lambda hashed, password: checked.append(hashed.split("$")[0]) or real(hashed, password))
    user = make_user("staff")
    inactive = make_user("viewer")
    inactive.active = False
    db.commit()
    for email, password in [(user.email, "wrong password"), ("nobody@city.test", "wrong password"),
                            (inactive.email, PASSWORD), (user.email, PASSWORD)]:
        operations.authenticate(email, password)
    assert len(checked) == 4 and len(set(checked)) == 1  # one check each, of the same kind


def test_sign_ins_and_refusals_are_audited_without_the_address_typed(client, db, make_user) -> None:
    from sqlalchemy import select

    user = make_user("staff")
    sign_in(client, "nobody@city.test", "wrong password")
    sign_in(client, user.email, "wrong password")
    sign_in(client, user.email, PASSWORD)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("sign_in%"))
                        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.subject, (e.detail or {}).get("reason")) for e in events] == [
        ("sign_in.failed", "user:unknown", "unknown"),
        ("sign_in.failed", f"user:{user.id}", "password"),
        ("sign_in", f"user:{user.id}", None)]
    assert "nobody@city.test" not in str([e.detail for e in events])
    assert events[2].user_id == user.id and events[2].detail["email"] == user.email
