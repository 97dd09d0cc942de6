"""Long staff lists a page at a time, newest first.

Lists cut at a fixed number of rows hid the rest from staff without a word. A view
passes its query (in newest-first order) to :func:`paginate`; its template shows
``pager(page)`` from ``_macros.html``: which rows these are of how many, and links to
the newer and older pages, the list's other parameters (its filters) kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

from flask import abort, request
from sqlalchemy import Select, func, select

from engage.core.routing import bounded_int
from engage.extensions import db

T = TypeVar("T")

#: The query-string parameter that names a page.
PAGE = "page"
PER_PAGE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, where it stands in the whole, and its neighbours' addresses."""

    items: Sequence[T]
    number: int
    per_page: int
    total: int
    newer_url: str | None = None
    older_url: str | None = None

    @property
    def first(self) -> int:
        """The position of the page's first row in the list, from 1 (0 on an empty page)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def page_number(raw: str | None) -> int:
    """``?page=`` read: 1 when absent or empty. Anything but a whole number from 1 that
    the database can count to (text, 0, negative, huge) names no page: 404."""
    if raw is None or not raw.strip():
        return 1
    number = bounded_int(raw)
    if number is None or number < 1:
        abort(404)
    return number


def paginate(query: Select[Any], per_page: int = PER_PAGE) -> Page[Any]:
    """The page of ``query``'s rows (one entity or column per row) that this request's
    ``?page=`` names. Page 1 always exists; a page past the last is not found (404),
    before any row is read."""
    number = page_number(request.args.get(PAGE))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    if number > pages:
        abort(404)
    items = db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items, number, per_page, total,
                newer_url=page_url(number - 1) if number > 1 else None,
                older_url=page_url(number + 1) if number < pages else None)


def page_url(number: int) -> str:
    """This request's address for page ``number``, its other parameters kept as sent."""
    args = [(name, value) for name, value in request.args.items(multi=True) if name != PAGE]
    if number > 1:
        args.append((PAGE, str(number)))
    path = quote(request.script_root + request.path)
    return f"{path}?{urlencode(args)}" if args else path
