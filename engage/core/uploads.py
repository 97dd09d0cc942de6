"""How large an upload each page takes.

The app-wide limits are small (a resident's answer, a webhook). A page that takes a file
says so with :func:`accepts_upload`; the limit is applied before anything reads the body
(the CSRF check reads the form before the view runs, so a view setting it is too late).
Werkzeug's multipart reader holds file data that has no line break yet under the same
limit as a text field (``max_form_memory_size``), so both are raised, or a CSV with long
lines or a binary workbook is refused or not depending on where its line breaks fall.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

F = TypeVar("F", bound=Callable[..., Any])

#: Room for the other fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024
MEGABYTE = 1024 * 1024


def accepts_upload(max_bytes: int) -> Callable[[F], F]:
    """Mark a view as taking a file of up to ``max_bytes``."""

    def mark(view: F) -> F:
        view.upload_limit = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def upload_limit(endpoint: str | None = None) -> int | None:
    """The file size the page at ``endpoint`` (default: this request's) takes, if any."""
    endpoint = endpoint if endpoint is not None else request.endpoint
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "upload_limit", None)


def configure_uploads(app: Flask) -> None:
    @app.url_value_preprocessor
    def apply_upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
        """Runs before every ``before_request`` (the CSRF check among them)."""
        limit = upload_limit(endpoint) if endpoint else None
        if limit is not None:
            request.max_content_length = limit + FORM_OVERHEAD
            request.max_form_memory_size = limit + FORM_OVERHEAD
