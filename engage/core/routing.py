"""URL converters and request numbers the database can hold.

Every ``<int:...>`` in a route stops at the database's integer range: a longer number is
an address that cannot exist (404), never a query PostgreSQL refuses (integer out of
range) or SQLite cannot bind (beyond 2^63). Text placeholders never hold a NUL, which no
PostgreSQL text takes. Numbers read from a query string or a form go through
:func:`int_arg` and :func:`get_or_404` for the same reason.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask, abort
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter

from engage.core.errors import InvalidParameter
from engage.core.i18n import _l
from engage.extensions import db

#: PostgreSQL's INTEGER, the type of every primary key here.
MAX_ID = 2**31 - 1

Row = TypeVar("Row")


class BoundedIntConverter(IntegerConverter):
    """``<int:x>`` with a maximum: the database's, unless the rule says less. Its digits
    are ASCII: ``/surveys/١٢`` is not another address of ``/surveys/12`` (not found)."""

    regex = "[0-9]+"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<x>`` and ``<string:x>`` without a NUL: such an address is not found (404)."""

    def __init__(self, map: Any, minlength: int = 1, maxlength: int | None = None,
                 length: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def bounded_int(value: str | None, maximum: int = MAX_ID) -> int | None:
    """A whole number from a request value, or None when it is not one the database can
    hold (the caller answers 400 or 404 as its route should)."""
    if value is None:
        return None
    value = value.strip()
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 20:
        return None
    number = int(value)
    return number if -maximum - 1 <= number <= maximum else None


def int_arg(values: MultiDict[str, str], name: str, default: int | None = None, *,
            minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``values[name]`` as a whole number from ``minimum`` to ``maximum``, ``default``
    when absent or empty; anything else is refused with a 400 naming the parameter
    (``type=int`` would pass any size of number on to a query)."""
    return _checked(name, values.get(name, ""), default, minimum, maximum)


def int_list(values: MultiDict[str, str], name: str, *, minimum: int = 0,
             maximum: int = MAX_ID) -> list[int]:
    """Every ``name`` value as a whole number (ids ticked in a form); 400 for any other."""
    return [n for raw in values.getlist(name)
            if (n := _checked(name, raw, None, minimum, maximum)) is not None]


def _checked(name: str, raw: str, default: int | None, minimum: int, maximum: int) -> int | None:
    if not raw.strip():
        return default
    number = bounded_int(raw, maximum)
    if number is None or number < minimum:
        raise InvalidParameter(name, _l("“%(name)s” takes a whole number from %(minimum)s to "
                                        "%(maximum)s.", name=name, minimum=minimum,
                                        maximum=maximum))
    return number


def get_or_404(model: type[Row], value: str | None) -> Row:
    """The row whose id a request value names: 404 when there is none, as when the
    value is no id at all (never a query with a number the database cannot hold)."""
    ident = bounded_int(value)
    row = db.session.get(model, ident) if ident is not None else None
    if row is None:
        abort(404)
    return row


def configure_routing(app: Flask) -> None:
    """Before any blueprint adds a rule: rules bind their converter when added."""
    app.url_map.converters.update(int=BoundedIntConverter, default=TextConverter,
                                  string=TextConverter)
