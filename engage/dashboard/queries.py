from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from engage.extensions import db
from engage.responses.models import Response


def response_counts() -> dict[int, dict[str, Any]]:
    """Per survey: complete and in-progress totals, by channel and by language. One
    GROUP BY, so the dashboard stays fast however many responses arrive."""
    rows = db.session.execute(
        select(Response.survey_id, Response.status, Response.channel, Response.locale,
               func.count())
        .group_by(Response.survey_id, Response.status, Response.channel, Response.locale)
    )
    counts: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"complete": 0, "in_progress": 0, "channels": defaultdict(int),
                 "locales": defaultdict(int)}
    )
    for survey_id, status, channel, locale, n in rows:
        entry = counts[survey_id]
        entry[status] = entry.get(status, 0) + n
        entry["channels"][channel] += n
        entry["locales"][locale] += n
    return dict(counts)
