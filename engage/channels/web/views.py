"""Public survey pages: an adapter that turns form posts into engine input."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response as WsgiResponse

from engage.channels.problems import explain
from engage.channels.web.forms import AnswerForm, ConsentForm, PlainForm, answer_form
from engage.core.clock import utcnow
from engage.core.i18n import _, browser_locales, negotiate, resolve, use_locale
from engage.engine import Action, Input, State, question_type, start, step
from engage.engine.conversation import Outcome, progress
from engage.engine.spec import QuestionSpec, SurveySpec
from engage.extensions import db
from engage.responses import operations as responses
from engage.responses.models import Response, ResponseStatus
from engage.responses.phones import InvalidPhone
from engage.surveys.models import Channel, Survey, SurveyStatus
from engage.surveys.queries import survey_by_slug, survey_spec

bp = Blueprint("web", __name__, url_prefix="/s")

ACTIONS = {"next": Action.ANSWER, "back": Action.BACK, "skip": Action.SKIP}


#: The cookie keeps one response token per survey, under "r<survey id>".
RESPONSE_KEY = re.compile(r"r\d+")


def _session_key(survey: Survey) -> str:
    return f"r{survey.id}"


def _open(slug: str) -> tuple[Survey, SurveySpec, Response | None]:
    """The survey if residents may answer it now (else a 404, or a translated page saying
    why not) and the resident's response to it, read together: the response is named by
    the signed session cookie, and row-locked on a POST so two submissions of one page
    take turns (the second then sees the page was answered and changes nothing)."""
    tokens = [token for key, token in session.items() if RESPONSE_KEY.fullmatch(key)]
    found = (responses.response_by_token(slug, tokens, lock=request.method == "POST")
             if tokens else None)
    survey, response = (found[1], found[0]) if found else (survey_by_slug(slug), None)
    if survey is None or survey.is_draft or Channel.WEB not in survey.channels:
        abort(404)
    if not survey.is_open():
        use_locale(_pick_locale(survey, None))
        abort(_unavailable(survey))
    return survey, survey_spec(survey, Channel.WEB), response


def _unavailable(survey: Survey) -> WsgiResponse:
    upcoming = bool(survey.status == SurveyStatus.PUBLISHED and survey.opens_at
                    and survey.opens_at > utcnow())
    html = render_template("web/unavailable.html", survey=survey, upcoming=upcoming,
                           locale=_pick_locale(survey, None))
    return WsgiResponse(html, status=410, mimetype="text/html")


def _pick_locale(survey: Survey, response: Response | None) -> str:
    """``?lang=``, then the response's language, then the browser's, then the default."""
    wanted = request.args.get("lang") or (response.locale if response else None)
    if wanted in survey.locales:
        return wanted
    return negotiate(browser_locales(), survey.locales) or survey.default_locale


@bp.errorhandler(StaleDataError)
def _raced(_err: StaleDataError) -> WsgiResponse:
    """Another request moved this conversation first: show where it is now."""
    db.session.rollback()
    return redirect(url_for(".question", slug=(request.view_args or {}).get("slug", "")), code=303)


@bp.get("/<slug>")
def landing(slug: str) -> str:
    survey, _spec, response = _open(slug)
    locale = _pick_locale(survey, response)
    use_locale(locale)
    return render_template("web/landing.html", survey=survey, locale=locale, response=response,
                           form=PlainForm())


@bp.post("/<slug>/start")
def begin(slug: str) -> WsgiResponse:
    if not PlainForm().validate_on_submit():
        abort(400)
    survey, spec, response = _open(slug)
    fresh = request.form.get("fresh") == "1"
    if response is None or fresh or response.status == ResponseStatus.COMPLETE:
        locale = request.form.get("lang") or _pick_locale(survey, None)
        response = responses.start_again(survey, response, start(spec, locale), Channel.WEB)
        session[_session_key(survey)] = response.token
        session.permanent = True
    return redirect(url_for(".question", slug=slug), code=303)


@bp.route("/<slug>/q", methods=["GET", "POST"])
def question(slug: str) -> str | WsgiResponse | tuple[str, int]:
    # Checks that need no database come first: on SQLite the first query takes the
    # write lock for the rest of the request.
    if request.method == "POST" and not AnswerForm().validate_on_submit():
        abort(400)
    survey, spec, response = _open(slug)
    if response is None:
        return redirect(url_for(".landing", slug=slug))
    state = responses.load_state(response, spec)
    if state.done:
        return redirect(url_for(".done", slug=slug), code=303)
    use_locale(state.locale)
    if request.method == "GET":
        return _render_question(survey, spec, state)
    if request.form.get("question") != state.current:
        # A second click, a stale tab or the browser's back button: the answer for that
        # page is already stored, so change nothing and show where the resident is.
        return redirect(url_for(".question", slug=slug), code=303)
    action = ACTIONS.get(request.form.get("action", "next"), Action.ANSWER)
    outcome = step(spec, state, Input(action, tuple(request.form.getlist("answer")), "form"))
    responses.apply_outcome(response, spec, outcome)
    if outcome.problem:
        return _render_question(survey, spec, outcome.state, outcome), 422
    if outcome.state.done:
        return redirect(url_for(".done", slug=slug), code=303)
    return redirect(url_for(".question", slug=slug), code=303)


def _render_question(survey: Survey, spec: SurveySpec, state: State,
                     outcome: Outcome | None = None) -> str:
    assert state.current is not None
    q = spec.question(state.current)
    form = answer_form(q, state.locale, spec.default_locale, state.answers.get(q.key))
    position, total = progress(spec, state)
    return render_template(
        "web/question.html", survey=survey, spec=spec, q=q, form=form, locale=state.locale,
        shape=question_type(q).shape.value,
        position=position, total=total, can_go_back=bool(state.history),
        error=explain(outcome.problem) if outcome and outcome.problem else None,
        help_text=resolve(q.help, state.locale, spec.default_locale),
        low_label=resolve(q.low_label, state.locale, spec.default_locale),
        high_label=resolve(q.high_label, state.locale, spec.default_locale),
        prompt=resolve(q.prompt, state.locale, spec.default_locale),
        groups=_group_headings(spec, q, state.locale),
    )


def _group_headings(spec: SurveySpec, q: QuestionSpec, locale: str) -> dict[str, str]:
    """choice value -> heading, where a choice starts a new group (detailed race groups
    listed under their minimum category, named as in the earlier question)."""
    names = {c.value: resolve(c.label, locale, spec.default_locale)
             for other in spec.questions for c in other.choices}
    headings, previous = {}, None
    for c in q.choices:
        if c.group and c.group != previous:
            headings[c.value] = names.get(c.group, c.group)
        previous = c.group
    return headings


@bp.post("/<slug>/language")
def language(slug: str) -> WsgiResponse:
    if not PlainForm().validate_on_submit():
        abort(400)
    _survey, spec, response = _open(slug)
    wanted = request.form.get("lang", "")
    if response is None:
        return redirect(url_for(".landing", slug=slug, lang=wanted))
    state = responses.load_state(response, spec)
    if not state.done:
        outcome = step(spec, state, Input(Action.LANGUAGE, locale=wanted))
        responses.apply_outcome(response, spec, outcome)
    return redirect(url_for(".question", slug=slug), code=303)


@bp.get("/<slug>/done")
def done(slug: str) -> str | WsgiResponse:
    survey, _spec, response = _open(slug)
    if response is None or response.status != ResponseStatus.COMPLETE:
        return redirect(url_for(".landing", slug=slug))
    use_locale(response.locale)
    return render_template("web/done.html", survey=survey, locale=response.locale,
                           response=response, form=ConsentForm())


@bp.post("/<slug>/followup")
def followup(slug: str) -> str | WsgiResponse | tuple[str, int]:
    survey, _spec, response = _open(slug)
    if response is None or response.status != ResponseStatus.COMPLETE:
        return redirect(url_for(".landing", slug=slug))
    use_locale(response.locale)
    form = ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    error = None
    if request.form.get("consent") != "yes":
        error = _("Tick the box to agree to receive a text.")
    else:
        try:
            responses.consent_to_followup(response, form.phone.data or "", response.locale)
        except InvalidPhone:
            error = _("That does not look like a phone number. Please check it.")
    if error:
        return render_template("web/done.html", survey=survey, locale=response.locale,
                               response=response, form=form, error=error), 422
    flash(_("Thank you. We will text you when the city reports back."), "success")
    return redirect(url_for(".done", slug=slug), code=303)
