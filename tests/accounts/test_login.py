from __future__ import annotations

from tests.conftest import csrf_token, form_post
from tests.factories import PASSWORD


def test_sign_in_and_out(client, make_user) -> None:
    make_user("staff")
    wrong = form_post(client, "/staff/login", email="staff@city.test", password="nope")
    assert wrong.status_code == 200 and "do not match" in wrong.get_data(as_text=True)
    ok = form_post(client, "/staff/login", email="STAFF@city.test", password=PASSWORD)
    assert ok.status_code == 302 and ok.location.endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    client.post("/staff/logout", data={"csrf_token": token})
    assert client.get("/staff/").status_code == 302


def test_forms_without_csrf_token_are_refused(client, make_user) -> None:
    make_user("staff")
    response = client.post("/staff/login", data={"email": "staff@city.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_next_never_leaves_the_site(client, make_user) -> None:
    make_user("staff")
    html = client.get("/staff/login").get_data(as_text=True)
    response = client.post("/staff/login?next=//evil.example/x",
                           data={"csrf_token": csrf_token(html), "email": "staff@city.test",
                                 "password": PASSWORD})
    assert response.location.endswith("/staff/")


def test_login_attempts_are_rate_limited(app, client, make_user) -> None:
    from engage.extensions import limiter

    limiter.reset()
    html = client.get("/staff/login").get_data(as_text=True)
    statuses = [client.post("/staff/login", data={"csrf_token": csrf_token(html),
                                                  "email": "x@city.test", "password": "guess"}
                            ).status_code for _ in range(12)]
    limiter.reset()
    assert statuses[0] == 200 and statuses[-1] == 429
