"""Sign-in rules a view applies: where to go after, and how often one may try.

Attempts are limited per account from one address and per address, counting refusals
only. Not per account alone: anyone could then lock an administrator out by failing on
purpose. Behind a proxy the address is the client's only if ``ENGAGE_PROXY_HOPS`` says
how many proxies to trust (README, "Security and operations").
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from flask import current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

#: Characters browsers drop from a URL (tab, CR, LF) or read as "/" (backslash), and
#: every other control character: a ``next`` holding any is refused, not cleaned.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``. Checked on what a
    browser would make of it: ``/\\t/evil.example`` is ``//evil.example`` to a browser."""
    if not target or _UNSAFE.search(target) or not target.startswith("/") \
            or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def account_key() -> str:
    """The account being tried, from this address: a digest, never the address typed."""
    email = (request.form.get("email") or "").strip().lower()
    return hashlib.sha256(email.encode()).hexdigest()[:32] + "@" + get_remote_address()


def account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def refused(response: Response) -> bool:
    """Only refusals count against a limit: a successful sign-in redirects."""
    return response.status_code != 302
