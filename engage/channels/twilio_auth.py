"""Checking that a webhook request really comes from Twilio."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from engage.channels.twilio_params import check_ids
from engage.core.urls import public_base

P = ParamSpec("P")
R = TypeVar("R")


def signed_url() -> str:
    """The URL Twilio signed: the configured public base (behind a proxy Flask sees
    http://internal...), plus the path and the query string exactly as sent."""
    base = public_base()
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


def twilio_webhook(view: Callable[P, R]) -> Callable[P, R]:
    """A view Twilio calls: 403 unless signed by Twilio, then 400 if an id it carries is
    not shaped as Twilio's (before the view reads or stores anything)."""
    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        require_twilio_signature()
        check_ids(request.form)
        return view(*args, **kwargs)

    return checked
