"""No resident's words in the logs. A database error printed the statement's parameters,
the text a resident sent among them; they are hidden now (``hide_parameters``), and
the phone number never reaches a log line either."""

from __future__ import annotations

import logging

from tests.channels.sms.phone import Phone
from tests.security.test_database_unavailable import publish_demo_survey

SECRET = "my landlord Jane Roe at 12 Elm St never fixes the heat"
NUMBER = "+12065550199"


def test_a_database_error_logs_no_message_body_or_number(tmp_path, other_app, caplog) -> None:
    from tests.security.conftest import migrated_sqlite

    path = migrated_sqlite(tmp_path / "engage.db").removeprefix("sqlite:///")
    publish_demo_survey(other_app(database_url=f"sqlite:///{path}"))
    read_only = other_app(database_url=f"sqlite:///file:{path}?mode=ro&uri=true")
    with caplog.at_level(logging.DEBUG):
        response = Phone(read_only.test_client(), NUMBER).post(SECRET)
    assert response.status_code == 503
    assert "Exception on /sms/inbound" in caplog.text  # the error is logged, with its statement
    assert "SQL parameters hidden" in caplog.text
    for private in (SECRET, "Jane Roe", NUMBER, NUMBER[2:], "206) 555"):
        assert private not in caplog.text
