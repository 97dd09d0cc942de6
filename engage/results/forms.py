"""Reading results filters from a query string."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from engage.results.filters import Filters, parse_breakdown


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def read_filters(args: MultiDict) -> tuple[str | None, Filters]:
    """(breakdown, filters) from ``?by=&channel=&lang=&area=&since=&until=&synthetic=``;
    anything unreadable is ignored rather than refused: these are links people share."""
    synthetic = args.get("synthetic")
    return parse_breakdown(args.get("by")), Filters(
        channel=args.get("channel") or None, locale=args.get("lang") or None,
        area=args.get("area") or None, since=_date(args.get("since")), until=_date(args.get("until")),
        include_synthetic=None if synthetic in (None, "") else synthetic == "1",
    )
