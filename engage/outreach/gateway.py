"""Sending a text outside a webhook reply, through Twilio's REST client or, with no
credentials (development), a console backend that logs without the number.

The caller has already written the message (the database is the record); this module
only makes the one API call and says what happened, so the caller can retry, stop or
record the failure. It never texts an opted-out resident.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum

import requests
from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from engage.messaging.models import Message
from engage.responses import operations as responses
from engage.responses.models import Respondent

log = logging.getLogger(__name__)

OPTED_OUT_CODE = 21610
RATE_LIMIT_CODE = 20429


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # 429 or a server/network error: try again later
    OPTED_OUT = "opted_out"  # the number said STOP (here or at the carrier)
    FAILED = "failed"  # anything else: recorded, not retried


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    sid: str | None = None
    error_code: str | None = None


def twilio_configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN")
                and (cfg.get("TWILIO_MESSAGING_SERVICE_SID") or cfg.get("TWILIO_FROM_NUMBER")))


_clients = threading.local()


def client() -> Client:
    """One client per thread and settings: its HTTP session keeps the connection (and
    TLS) to Twilio open from one text to the next."""
    cfg = current_app.config
    key = (cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"], cfg.get("TWILIO_API_BASE_URL"))
    cached = getattr(_clients, "by_key", {})
    if key not in cached:
        twilio = Client(cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"])
        if cfg.get("TWILIO_API_BASE_URL"):
            twilio.api.base_url = cfg["TWILIO_API_BASE_URL"].rstrip("/")
        cached = {key: twilio}  # settings changed (tests): forget the old client
        _clients.by_key = cached
    return cached[key]


def status_callback(message: Message) -> str | None:
    """Our message id rides in the URL, so a status that beats the send call's answer
    still finds its message. Built without a request: workers send too."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return None
    path = current_app.url_map.bind("").build("sms.status", {"m": message.id})
    return f"{base.rstrip('/')}{path}"


def send_text(message: Message, respondent: Respondent, to_e164: str) -> SendResult:
    """One attempt at sending ``message`` to ``to_e164``; updates the message row."""
    if respondent.opted_out:
        message.status = "opted_out"
        return SendResult(Outcome.OPTED_OUT)
    if not twilio_configured():
        log.info("console SMS to respondent #%s: %s", respondent.id, message.body)
        message.status = "console"
        return SendResult(Outcome.SENT)
    cfg = current_app.config
    sender = ({"messaging_service_sid": cfg["TWILIO_MESSAGING_SERVICE_SID"]}
              if cfg.get("TWILIO_MESSAGING_SERVICE_SID") else {"from_": cfg["TWILIO_FROM_NUMBER"]})
    try:
        callback = status_callback(message)
        extra = {"status_callback": callback} if callback else {}
        created = client().messages.create(to=to_e164, body=message.body, **sender, **extra)
    except TwilioRestException as err:
        return _refused(message, respondent, err.status, err.code)
    except (TwilioException, requests.RequestException) as err:
        log.warning("SMS send for message #%s failed: %s", message.id, type(err).__name__)
        message.status = "retry"
        return SendResult(Outcome.RETRY)
    message.sid, message.status = created.sid, created.status or "queued"
    return SendResult(Outcome.SENT, sid=created.sid)


def _refused(message: Message, respondent: Respondent, http_status: int,
             code: int | None) -> SendResult:
    message.error_code = str(code or http_status)
    if code == OPTED_OUT_CODE:
        responses.set_opted_out(respondent, True)
        message.status = "opted_out"
        return SendResult(Outcome.OPTED_OUT, error_code=message.error_code)
    if http_status == 429 or code == RATE_LIMIT_CODE or http_status >= 500:
        message.status = "retry"
        return SendResult(Outcome.RETRY, error_code=message.error_code)
    message.status = "failed"
    return SendResult(Outcome.FAILED, error_code=message.error_code)
