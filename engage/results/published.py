"""What leaves staff views: a fixed set of tables, never filtered ones.

Suppression that holds within each table fails across tables a user can choose: all
respondents minus the web's leaves the few who answered by text (domain notes, "linked
tables"). So everything public or downloaded (the API, the report, the results
workbook and CSV) is one of the published tables: all respondents, broken down one way
at a time, small cells suppressed with their complements. Filters stay in staff views.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from engage.audit import operations as audit
from engage.audit.models import RESULTS_PUBLISH
from engage.core.clock import utcnow
from engage.core.errors import InvalidParameter
from engage.core.i18n import _l
from engage.results.filters import Filters
from engage.results.forms import FILTER_PARAMETERS, read_breakdown
from engage.surveys.models import Survey
from engage.surveys.queries import survey_spec

#: The published tables count real responses (synthetic ones only in a demo that has
#: nothing else).
PUBLISHED = Filters()


def public_breakdown(args: MultiDict, survey: Survey) -> str | None:
    """The breakdown a public request asks for; a filter is refused with a reason
    (``lang`` is the language a public page or answer is written in, not a filter)."""
    for name in FILTER_PARAMETERS:
        if name == "lang":
            continue
        if args.get(name):
            raise InvalidParameter(name, _l(
                "Published results are of all respondents, broken down one way at a time: "
                "filtered figures could be subtracted from them to reveal small groups."))
    return read_breakdown(args, survey_spec(survey))


def set_results_published(survey: Survey, published: bool) -> None:
    """Publish or withdraw the survey's results, audited."""
    survey.results_published_at = utcnow() if published else None
    audit.record(RESULTS_PUBLISH, f"survey:{survey.slug}", {"published": published})
