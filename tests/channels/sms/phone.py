"""A resident's phone for tests: texts go to the real webhook, signed as Twilio signs."""

from __future__ import annotations

import hashlib
import itertools
import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from config import TestingConfig

_sids = itertools.count(1)


def message_sid(name: object) -> str:
    """A MessageSid shaped as Twilio's (SM and 32 hex digits), the same for the same name."""
    return "SM" + hashlib.md5(str(name).encode()).hexdigest()


def signed(url_path: str, params: dict[str, str]) -> dict[str, str]:
    url = TestingConfig.PUBLIC_BASE_URL + url_path
    signature = RequestValidator(TestingConfig.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return {"X-Twilio-Signature": signature}


def reply_of(twiml: str) -> str | None:
    messages = ET.fromstring(twiml).findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


class Phone:
    def __init__(self, client: FlaskClient, number: str = "+12065550100") -> None:
        self.client, self.number = client, number

    def post(self, body: str, sid: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
        params = {"MessageSid": sid or f"SM{next(_sids):032d}", "AccountSid": "AC" + "0" * 32,
                  "From": self.number, "To": "+15005550006", "Body": body, "NumMedia": "0",
                  **extra}
        return self.client.post("/sms/inbound", data=params, headers=signed("/sms/inbound", params))

    def text(self, body: str, sid: str | None = None, **extra: str) -> str | None:
        response = self.post(body, sid, **extra)
        assert response.status_code == 200, response.get_data(as_text=True)
        return reply_of(response.get_data(as_text=True))
