"""Reading results filters from a query string: what cannot be read is refused (400),
naming the parameter and the values it takes, never silently answered as something else."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from engage.core.errors import InvalidParameter
from engage.core.i18n import _l
from engage.engine.spec import SurveySpec
from engage.results.filters import BREAKDOWNS, RACE_ALONE, Filters
from engage.surveys.models import Channel, Survey
from engage.surveys.queries import survey_spec

#: The query-string parameters that narrow the responses counted (not the breakdown).
FILTER_PARAMETERS = ("channel", "lang", "area", "since", "until", "synthetic")


def available_breakdowns(spec: SurveySpec) -> list[str]:
    """The breakdowns a survey can be read by: channel and language always, and the
    dimensions its questions ask (race and ethnicity in both tabulations)."""
    asked = {q.dimension for q in spec.questions if q.dimension}
    return [b for b in BREAKDOWNS if b in ("channel", "locale") or b in asked
            or (b == RACE_ALONE and "race_ethnicity" in asked)]


def read_breakdown(args: MultiDict, spec: SurveySpec) -> str | None:
    value = args.get("by") or None
    valid = available_breakdowns(spec)
    if value is not None and value not in valid:
        raise InvalidParameter("by", _l("This survey cannot be broken down by “%(value)s”.",
                                        value=value), valid)
    return value


def _choice(args: MultiDict, name: str, valid: list[str]) -> str | None:
    value = args.get(name) or None
    if value is not None and value not in valid:
        raise InvalidParameter(name, _l("“%(value)s” is not one of the values “%(name)s” takes.",
                                        value=value, name=name), valid)
    return value


def _date(args: MultiDict, name: str) -> date | None:
    value = args.get(name) or None
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidParameter(name, _l("“%(name)s” takes a date written as YYYY-MM-DD.",
                                        name=name), ["YYYY-MM-DD"]) from None


def read_filters(args: MultiDict, survey: Survey) -> tuple[str | None, Filters]:
    """(breakdown, filters) from ``?by=&channel=&lang=&area=&since=&until=&synthetic=``."""
    spec = survey_spec(survey)
    synthetic = _choice(args, "synthetic", ["0", "1"])
    since, until = _date(args, "since"), _date(args, "until")
    if since and until and since > until:
        raise InvalidParameter("until", _l("The end date is before the start date."), [])
    return read_breakdown(args, spec), Filters(
        channel=_choice(args, "channel", [c.value for c in Channel]),
        locale=_choice(args, "lang", list(spec.locales)),
        area=_choice(args, "area", [a.slug for a in survey.areas]),
        since=since, until=until,
        include_synthetic=None if synthetic is None else synthetic == "1",
    )
