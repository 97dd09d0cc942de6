"""A fake Twilio REST API on 127.0.0.1, for the real ``twilio.rest.Client`` to talk to.

It records every message it is asked to send (with the time it arrived) and can be told
to answer the next requests with an error, as Twilio does (429, 21610, 500...).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

_SIDS = itertools.count(1)  # unique across fakes: sids are unique in the database


@dataclass
class FakeTwilio:
    url: str = ""
    sent: list[dict[str, str]] = field(default_factory=list)
    #: Errors to answer with, in order: (http status, Twilio error code).
    errors: list[tuple[int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Seconds each send takes, like a real API call over the internet.
    delay: float = 0.0

    def fail_next(self, status: int, code: int, times: int = 1) -> None:
        with self.lock:
            self.errors.extend([(status, code)] * times)


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            if len(body) < length:
                return  # the sender died mid-request (a killed worker): Twilio sends nothing
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if not self.path.endswith("/Messages.json"):
                self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                return
            if not form.get("To"):
                self._answer(400, {"code": 21604, "message": "A 'To' phone number is required.",
                                   "status": 400})
                return
            if fake.delay:
                time.sleep(fake.delay)
            with fake.lock:
                error = fake.errors.pop(0) if fake.errors else None
                if error is None:
                    sid = f"SMfa{next(_SIDS):030d}"
                    fake.sent.append({**form, "sid": sid, "at": str(time.monotonic())})
            if error:
                status, code = error
                self._answer(status, {"code": code, "message": "fake error", "status": status,
                                      "more_info": f"https://www.twilio.com/docs/errors/{code}"})
                return
            self._answer(201, {"sid": sid, "status": "queued", "to": form.get("To"),
                               "body": form.get("Body"), "num_segments": "1"})

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def fake_twilio(app) -> Iterator[FakeTwilio]:  # type: ignore[no-untyped-def]
    """Start the fake and point the app's Twilio settings at it for one test."""
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    settings = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_FROM_NUMBER": "+15005550006",
                "TWILIO_API_BASE_URL": fake.url}
    saved = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    try:
        yield fake
    finally:
        app.config.update(saved)
        server.shutdown()
        server.server_close()
