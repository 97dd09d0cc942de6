"""Addresses outside the app: in texts, in links handed to people, and what Twilio signs.

Behind a proxy Flask sees ``http://internal:8000``; ``PUBLIC_BASE_URL`` says where the
public reaches the app. Without it, a request's own host is the best guess; a worker or
a command has none (``public_base`` is then empty).
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

#: Every staff page and export lives under it (a route test checks).
STAFF_PREFIX = "/staff/"


def public_base() -> str:
    """``PUBLIC_BASE_URL``, else this request's host, else ``""``; no trailing slash."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (
        request.host_url if has_request_context() else "")
    return base.rstrip("/")


def public_url(endpoint: str, **values: object) -> str:
    """The full public address of ``endpoint``."""
    return public_base() + url_for(endpoint, **values)
