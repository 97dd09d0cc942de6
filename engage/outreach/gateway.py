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
    #: The message's status to record: Twilio's ("queued"), or ours.
    status: str = "failed"


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


def status_callback(message_id: int) -> str | None:
    """Our message id rides in the URL, so a status that beats the send call's answer
    still finds its message. Built without a request: workers send too."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return None
    path = current_app.url_map.bind("").build("sms.status", {"m": message_id})
    return f"{base.rstrip('/')}{path}"


def post(message_id: int, body: str, to_e164: str) -> SendResult:
    """One attempt at sending ``body`` to ``to_e164``: the API call and what it means,
    nothing written (the outbox records the outcome with its own statement)."""
    if not twilio_configured():
        log.info("console SMS for message #%s: %s", message_id, body)
        return SendResult(Outcome.SENT, status="console")
    cfg = current_app.config
    sender = ({"messaging_service_sid": cfg["TWILIO_MESSAGING_SERVICE_SID"]}
              if cfg.get("TWILIO_MESSAGING_SERVICE_SID") else {"from_": cfg["TWILIO_FROM_NUMBER"]})
    try:
        callback = status_callback(message_id)
        extra = {"status_callback": callback} if callback else {}
        created = client().messages.create(to=to_e164, body=body, **sender, **extra)
    except TwilioRestException as err:
        return refusal(err.status, err.code)
    except (TwilioException, requests.RequestException) as err:
        log.warning("SMS send for message #%s failed: %s", message_id, type(err).__name__)
        return SendResult(Outcome.RETRY, status="retry")
    return SendResult(Outcome.SENT, sid=created.sid, status=created.status or "queued")


def refusal(http_status: int, code: int | None) -> SendResult:
    """What Twilio's refusal means: opted out, try again later, or failed."""
    error_code = str(code or http_status)
    if code == OPTED_OUT_CODE:
        return SendResult(Outcome.OPTED_OUT, error_code=error_code, status="opted_out")
    if http_status == 429 or code == RATE_LIMIT_CODE or http_status >= 500:
        return SendResult(Outcome.RETRY, error_code=error_code, status="retry")
    return SendResult(Outcome.FAILED, error_code=error_code, status="failed")


def send_text(message: Message, respondent: Respondent, to_e164: str) -> SendResult:
    """One attempt at sending ``message`` to ``to_e164``, applied to the loaded rows (the
    message's status, sid and error; the resident's opt-out)."""
    if respondent.opted_out:
        message.status = "opted_out"
        return SendResult(Outcome.OPTED_OUT, status="opted_out")
    result = post(message.id, message.body, to_e164)
    message.status = result.status
    if result.sid:
        message.sid = result.sid
    if result.error_code:
        message.error_code = result.error_code
    if result.outcome is Outcome.OPTED_OUT:
        responses.set_opted_out(respondent, True)
    return result
