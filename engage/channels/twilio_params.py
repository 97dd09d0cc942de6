"""Twilio's webhook parameters, read strictly: a signed request whose ids or numbers are
not what Twilio sends is refused (400) and changes nothing.

A valid signature says the request was made with our auth token, not that every value
fits a column: a leaked token, a test tool or a bug could send a 65-character MessageSid
or a CallDuration of 99999999999, which PostgreSQL refuses mid-request (a 500).
"""

from __future__ import annotations

import math
import re

from flask import abort, request
from werkzeug.datastructures import MultiDict

from engage.core.routing import bounded_int

#: Every Twilio id: two capital letters (SM, MM, CA, RE, AC...) and 32 hex digits.
SID_RE = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")


def is_sid(value: str) -> bool:
    return SID_RE.fullmatch(value) is not None


def check_ids(form: MultiDict[str, str]) -> None:
    """400 unless every id sent (``...Sid``, named or not by us) is shaped as Twilio's."""
    if any(name.endswith("Sid") and value and not is_sid(value)
           for name, value in form.items(multi=True)):
        abort(400)


def sid(name: str) -> str:
    """The id ``name`` from the form: 400 when it is missing or not Twilio's shape."""
    value = request.form.get(name, "")
    if not is_sid(value):
        abort(400)
    return value


def count(name: str, default: int | None = 0) -> int | None:
    """A count or a duration in seconds from the form: ``default`` when absent or empty,
    400 when not a whole number from 0 a column can hold."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    number = bounded_int(raw)
    if number is None or number < 0:
        abort(400)
    return number


def confidence(name: str = "Confidence") -> float | None:
    """Speech recognition's confidence, 0 to 1; None when not sent. Anything else is a
    400: a "nan" compared as confident, so a guess was taken as the answer."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        abort(400)
    if not math.isfinite(value) or not 0 <= value <= 1:
        abort(400)
    return value


def text(name: str, limit: int) -> str:
    """A value Twilio sends that is kept (a status, an error code, a recording's URL),
    cut to its column: 400 when it holds a control character, which Twilio never sends
    and PostgreSQL does not store (a NUL)."""
    value = request.form.get(name, "")[:limit]
    if not value.isprintable():
        abort(400)
    return value
