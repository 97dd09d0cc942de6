"""A resident's phone call for tests: each request signed as Twilio signs it, each
answer parsed as XML and followed the way Twilio follows it (the action URL of the
<Gather> or <Record>, or the <Redirect> on silence)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from flask.testing import FlaskClient

from config import TestingConfig
from tests.channels.sms.phone import signed

_sids = itertools.count(1)


class Call:
    def __init__(self, client: FlaskClient, number: str = "+12065550100",
                 sid: str | None = None) -> None:
        self.client, self.number = client, number
        self.sid = sid or f"CA{next(_sids):032d}"
        self.twiml: ET.Element | None = None
        self.raw = ""

    def _post(self, url: str, **params: str) -> ET.Element:
        path = url.removeprefix(TestingConfig.PUBLIC_BASE_URL)
        form = {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.number,
                "To": "+15005550006", "CallStatus": "in-progress", "Direction": "inbound",
                **params}
        response = self.client.post(path, data=form, headers=signed(path, form))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        self.raw = response.get_data(as_text=True)
        self.twiml = ET.fromstring(self.raw)
        return self.twiml

    def dial(self) -> str:
        self._post(TestingConfig.PUBLIC_BASE_URL + "/voice/inbound")
        return self.heard()

    # -- what the caller hears and what the call waits for ---------------------------

    def heard(self) -> str:
        assert self.twiml is not None
        return " ".join((el.text or "") for el in self.twiml.iter() if el.tag == "Say")

    def gather(self) -> ET.Element:
        assert self.twiml is not None
        found = self.twiml.find("Gather")
        assert found is not None, self.raw
        return found

    @property
    def ended(self) -> bool:
        assert self.twiml is not None
        return self.twiml.find("Hangup") is not None

    def redirect_url(self) -> str:
        assert self.twiml is not None
        redirect = self.twiml.find("Redirect")
        assert redirect is not None and redirect.text, self.raw
        return redirect.text

    # -- what the caller does --------------------------------------------------------

    def press(self, digits: str) -> str:
        self._post(self.gather().get("action", ""), Digits=digits)
        return self.heard()

    def say(self, words: str, confidence: str = "0.92") -> str:
        self._post(self.gather().get("action", ""), SpeechResult=words, Confidence=confidence)
        return self.heard()

    def silence(self) -> str:
        self._post(self.redirect_url())
        return self.heard()

    def record(self, seconds: int = 9, sid: str = "RE" + "1" * 32) -> str:
        assert self.twiml is not None
        record = self.twiml.find("Record")
        assert record is not None, self.raw
        self._post(record.get("action", ""), RecordingUrl=f"https://api.twilio.com/2010-04-01/"
                   f"Accounts/AC0/Recordings/{sid}", RecordingSid=sid,
                   RecordingDuration=str(seconds), Digits="#")
        return self.heard()
