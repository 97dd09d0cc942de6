"""A finding's frozen figures: one question's public summary (small groups already
suppressed) as it stood, with the breakdown and filters it was read with."""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _l
from engage.engine import question_type
from engage.results import aggregates
from engage.results.forms import read_filters
from engage.results.summary import as_json, group_labels, summarize_question, threshold
from engage.surveys.models import Survey
from engage.surveys.queries import survey_spec

#: The query-string keys of a results view that a snapshot keeps.
KEPT = ("by", "channel", "lang", "area", "since", "until", "synthetic")


def take_snapshot(survey: Survey, question: str, by: str | None,
                  query: Mapping[str, str]) -> dict[str, object]:
    aggregates.refresh(survey.id, wait=False)  # as the results pages do before counting
    spec = survey_spec(survey)
    q = next((q for q in spec.questions if q.key == question and question_type(q).asks), None)
    if q is None:
        raise DomainError(_l("This survey has no such question."))
    kept = {k: v for k, v in query.items() if k in KEPT and v}
    if by:
        kept["by"] = by
    parsed_by, filters = read_filters(MultiDict(kept), survey)
    locale = spec.default_locale
    summary = summarize_question(survey.id, spec, q, parsed_by,
                                 group_labels(spec, parsed_by, locale), locale, public=True,
                                 filters=filters)
    return {"taken_at": utcnow().isoformat(timespec="seconds"), "query": kept,
            "suppression_threshold": threshold(), "summary": as_json(summary)}
