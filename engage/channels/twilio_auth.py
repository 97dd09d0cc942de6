"""Checking that a webhook request really comes from Twilio."""

from __future__ import annotations

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator


def signed_url() -> str:
    """The URL Twilio signed: the configured public base (behind a proxy Flask sees
    http://internal...), plus the path and the query string exactly as sent."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    """403 unless X-Twilio-Signature matches: a forged request changes nothing."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)
    if not RequestValidator(token).validate(signed_url(), request.form, signature):
        abort(403)
