"""A phone call: the voice adapter between a caller's keys or words and the engine.

Each request is one turn: what the caller did (keys, speech, a recording, silence) goes
to the engine, and the engine's outcome becomes the next thing they hear. The webhook
and the staff phone simulator both call :func:`handle_call`: one code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage.channels.problems import explain
from engage.channels.voice import script
from engage.channels.voice.models import CallStage, VoiceCall, VoiceRecording
from engage.channels.voice.script import Utterance
from engage.channels.voice.voices import voice_for
from engage.core.i18n import resolve
from engage.engine import Action, Input, Outcome, Policy, QuestionSpec, SurveySpec, start, step
from engage.engine.keypad import read_keys, read_speech, typed
from engage.extensions import db
from engage.responses import operations as responses
from engage.responses.models import Respondent, Response, ResponseStatus
from engage.responses.phones import InvalidPhone, normalise
from engage.surveys.models import Channel, Survey, SurveyStatus
from engage.surveys.queries import survey_spec


@dataclass(frozen=True)
class CallEvent:
    """One request of a call, as Twilio (or the simulator) sent it."""

    call_sid: str
    caller: str = ""  # as Twilio sends it; normalised and hashed here, never stored
    #: The step the request answers (from the action URL); None: the call's first request.
    step: int | None = None
    digits: str = ""
    speech: str = ""
    confidence: float | None = None
    recording_url: str = ""
    recording_sid: str = ""
    recording_duration: int = 0
    silence: bool = False
    simulated: bool = False


@dataclass(frozen=True)
class Ask:
    """Waiting for the caller: a ``<Gather>`` (or a ``<Record>`` for spoken answers)."""

    utterances: list[Utterance]
    locale: str
    single_key: bool = True
    speech: bool = False
    hints: str = ""
    record: bool = False


@dataclass
class Turn:
    say: list[Utterance] = field(default_factory=list)
    ask: Ask | None = None
    hangup: bool = False
    survey: Survey | None = None


class DuplicateCall(Exception):
    """The call's first request arrived twice at once."""


def handle_call(event: CallEvent) -> tuple[VoiceCall, Turn | None]:
    """The call after this request and what to say (None: a repeated request, whose
    answer is ``call.last_twiml``). Flushes; the caller renders, stores and commits."""
    call = db.session.scalar(select(VoiceCall).where(VoiceCall.call_sid == event.call_sid)
                             .with_for_update())
    if call is not None:
        if event.step != call.step:
            return call, None
        turn = _next_turn(call, event)
    else:
        call = VoiceCall(call_sid=event.call_sid, simulated=event.simulated, step=0, silences=0,
                         stage=CallStage.SURVEY, last_twiml="")
        db.session.add(call)
        try:
            db.session.flush()
        except IntegrityError as err:
            raise DuplicateCall(event.call_sid) from err
        turn = _first_turn(call, event) if event.step is None else _goodbye_turn("en")
    call.step += 1
    return call, turn


def open_voice_surveys() -> list[Survey]:
    candidates = db.session.scalars(select(Survey).where(Survey.status == SurveyStatus.PUBLISHED)
                                    .order_by(Survey.published_at))
    return [s for s in candidates if Channel.VOICE in s.channels and s.is_open()][:8]


# -- the first request: who is calling, which survey -----------------------------------

def _first_turn(call: VoiceCall, event: CallEvent) -> Turn:
    respondent = _respondent(event.caller)
    call.respondent_id = respondent.id if respondent else None
    locale = respondent.locale if respondent and respondent.locale else "en"
    surveys = open_voice_surveys()
    if not surveys:
        call.stage = CallStage.DONE
        return Turn(say=[script.nothing_open(locale)], hangup=True)
    if len(surveys) == 1:
        return _chose_survey(call, surveys[0], respondent, event.simulated)
    return _survey_menu(call, surveys, respondent)


def _respondent(caller: str) -> Respondent | None:
    """The caller by keyed hash of their number; None when the number is withheld."""
    try:
        return responses.respondent_for_phone(normalise(caller), lock=True)
    except InvalidPhone:
        return None


def _survey_menu(call: VoiceCall, surveys: list[Survey], respondent: Respondent | None,
                 problem: Utterance | None = None) -> Turn:
    call.stage = CallStage.SURVEY
    options = []
    for digit, survey in enumerate(surveys, start=1):
        spec = survey_spec(survey, Channel.VOICE)
        locale = _spoken_locale(survey, spec, respondent.locale if respondent else None)
        title = resolve(survey.title, locale, spec.default_locale)
        options.append(script.survey_option(title, locale, digit))
    first = options[0].locale
    return Turn(say=[problem] if problem else [], ask=Ask(options, first))


def _spoken_locale(survey: Survey, spec: SurveySpec, wanted: str | None) -> str:
    """A language the menu can be spoken in before the caller picks one: theirs if the
    survey has it, else one with a voice (a recorded prompt cannot say "press 2")."""
    preferred = spec.locale_for(wanted)
    speakable = [loc for loc in spec.locales if not voice_for(survey.voice_settings, loc).recorded]
    return preferred if preferred in speakable or not speakable else speakable[0]


def _chose_survey(call: VoiceCall, survey: Survey, respondent: Respondent | None,
                  simulated: bool) -> Turn:
    call.survey_id = survey.id
    spec = survey_spec(survey, Channel.VOICE)
    existing = None
    if respondent is not None:
        existing = responses.latest_response(survey.id, respondent.id)
    if existing is not None:
        call.response_id, call.locale = existing.id, spec.locale_for(existing.locale)
        if existing.status == ResponseStatus.COMPLETE:
            call.stage = CallStage.DONE
            return Turn(say=[script.already_done(call.locale)], hangup=True, survey=survey)
        # Asked whenever they call back, as a text asks: nothing answered is set aside
        # without asking (a window here once restarted days-old answers silently).
        call.stage = CallStage.RESUME
        return _resume_menu(call, survey)
    known = respondent.locale if respondent else None
    if known not in spec.locales and len(spec.locales) > 1:
        return _language_menu(call, survey, spec)
    return _start_response(call, survey, spec, spec.locale_for(known), respondent, simulated)


def _language_menu(call: VoiceCall, survey: Survey, spec: SurveySpec,
                   problem: Utterance | None = None) -> Turn:
    """Each language offered in its own voice: "For English, press 1. Para español..."."""
    call.stage = CallStage.LANGUAGE
    options = [script.language_option(code, n) for n, code in enumerate(spec.locales, start=1)]
    return Turn(say=[problem] if problem else [], ask=Ask(options, spec.locales[0]), survey=survey)


def _resume_menu(call: VoiceCall, survey: Survey, problem: Utterance | None = None) -> Turn:
    locale = call.locale or survey.default_locale
    return Turn(say=[problem] if problem else [], ask=Ask([script.resume(locale)], locale),
                survey=survey)


def _start_response(call: VoiceCall, survey: Survey, spec: SurveySpec, locale: str,
                    respondent: Respondent | None, simulated: bool) -> Turn:
    if respondent is not None:
        respondent.locale = locale
    outcome = start(spec, locale)
    response = responses.start_response(survey, outcome, Channel.VOICE, respondent=respondent,
                                        synthetic=simulated)
    call.response_id = response.id
    return _answering(call, survey, spec, outcome, welcome=True)


# -- later requests -------------------------------------------------------------------

def _next_turn(call: VoiceCall, event: CallEvent) -> Turn:
    call.silences = call.silences + 1 if _silent(event) else 0
    locale = call.locale or "en"
    if call.stage == CallStage.DONE:
        return Turn(hangup=True)
    if call.silences >= 3:
        return _goodbye_turn(locale)
    if call.stage == CallStage.SURVEY:
        return _picked_survey(call, event)
    survey = db.session.get(Survey, call.survey_id) if call.survey_id else None
    if survey is None or not survey.is_open():
        call.stage = CallStage.DONE
        return Turn(say=[script.nothing_open(locale)], hangup=True)
    spec = survey_spec(survey, Channel.VOICE)
    if call.stage == CallStage.LANGUAGE:
        return _picked_language(call, survey, spec, event)
    if call.stage == CallStage.RESUME:
        return _picked_resume(call, survey, spec, event)
    return _answered(call, survey, spec, event)


def _silent(event: CallEvent) -> bool:
    return event.silence or not (event.digits.strip() or event.speech.strip()
                                 or event.recording_url)


def _goodbye_turn(locale: str) -> Turn:
    return Turn(say=[script.goodbye(locale)], hangup=True)


def _menu_digit(event: CallEvent, count: int) -> int | None:
    digits = event.digits.strip().rstrip("#")
    if digits.isdigit() and 1 <= int(digits) <= count:
        return int(digits)
    return None


def _picked_survey(call: VoiceCall, event: CallEvent) -> Turn:
    surveys = open_voice_surveys()
    respondent = db.session.get(Respondent, call.respondent_id) if call.respondent_id else None
    picked = _menu_digit(event, len(surveys))
    if not surveys:
        call.stage = CallStage.DONE
        return Turn(say=[script.nothing_open("en")], hangup=True)
    if picked is None:
        problem = None if call.silences else script.retry(surveys[0].default_locale)
        return _survey_menu(call, surveys, respondent, problem)
    return _chose_survey(call, surveys[picked - 1], respondent, event.simulated)


def _picked_language(call: VoiceCall, survey: Survey, spec: SurveySpec,
                     event: CallEvent) -> Turn:
    picked = _menu_digit(event, len(spec.locales))
    if picked is None:
        problem = None if call.silences else script.retry(spec.default_locale)
        return _language_menu(call, survey, spec, problem)
    locale = spec.locales[picked - 1]
    respondent = db.session.get(Respondent, call.respondent_id) if call.respondent_id else None
    return _start_response(call, survey, spec, locale, respondent, event.simulated)


def _picked_resume(call: VoiceCall, survey: Survey, spec: SurveySpec, event: CallEvent) -> Turn:
    response = db.session.get(Response, call.response_id) if call.response_id else None
    picked = _menu_digit(event, 2)
    if response is None:
        return _goodbye_turn(call.locale or spec.default_locale)
    if picked is None:
        problem = None if call.silences else script.retry(call.locale or spec.default_locale)
        return _resume_menu(call, survey, problem)
    if picked == 2:
        responses.set_aside(response)
        outcome = start(spec, response.locale)
        fresh = responses.start_response(survey, outcome, Channel.VOICE,
                                         respondent=response.respondent, synthetic=event.simulated)
        call.response_id = fresh.id
        return _answering(call, survey, spec, outcome)
    state = responses.load_state(response, spec)
    outcome = step(spec, state, Input(Action.REPEAT))
    return _answering(call, survey, spec, outcome)


def _answered(call: VoiceCall, survey: Survey, spec: SurveySpec, event: CallEvent) -> Turn:
    response = db.session.get(Response, call.response_id) if call.response_id else None
    if response is None:
        call.stage = CallStage.DONE
        return Turn(hangup=True)
    state = responses.load_state(response, spec)
    if state.current is not None and state.current not in {q.key for q in spec.questions}:
        state = start(spec, state.locale).state  # started on a channel that asks more
    question = spec.question(state.current) if state.current else None
    locale = state.locale
    if question is None or state.done:
        return _answering(call, survey, spec, step(spec, state, Input(Action.REPEAT)))
    inp, problem = _reading(call, question, event, locale)
    if inp is None:
        outcome = step(spec, state, Input(Action.REPEAT))
        return _answering(call, survey, spec, outcome, problem=problem)
    outcome = step(spec, state, inp, Policy(max_misses=current_app.config["VOICE_MAX_MISSES"]))
    responses.apply_outcome(response, spec, outcome)
    if event.recording_url and question.key in outcome.changes and outcome.changes[question.key]:
        db.session.add(VoiceRecording(response_id=response.id, question_id=question.id,
                                      recording_sid=event.recording_sid[:64],
                                      url=event.recording_url[:500],
                                      duration=event.recording_duration))
    if outcome.problem:
        problem = script.retry(locale, _explained(outcome, locale))
    return _answering(call, survey, spec, outcome, problem=problem)


def _reading(call: VoiceCall, question: QuestionSpec, event: CallEvent,
             locale: str) -> tuple[Input | None, Utterance | None]:
    """Engine input for what the caller did, or None with what to tell them first."""
    if call.silences == 1:
        return None, None  # asked again
    if call.silences == 2:
        if question.required:
            return None, script.goodbye(locale)
        return Input(Action.SKIP), None
    if question.type == "free_text" and event.recording_url:
        if event.recording_duration < 1:
            return None, script.retry(locale)
        return Input(Action.ANSWER, (f"[recording {event.recording_sid}, "
                                     f"{event.recording_duration} s]",)), None
    if event.speech.strip():
        minimum = current_app.config["VOICE_MIN_CONFIDENCE"]
        if event.confidence is not None and event.confidence < minimum:
            return None, script.retry(locale)
        return read_speech(event.speech), None
    inp = read_keys(question, event.digits)
    if inp is None:
        return None, script.retry(locale)
    if inp.action is Action.ANSWER and question.type == "free_text":
        return None, script.retry(locale)  # keys are not an answer in words
    return inp, None


def _explained(outcome: Outcome, locale: str) -> str:
    with force_locale(locale):
        return explain(outcome.problem) if outcome.problem else ""


def _answering(call: VoiceCall, survey: Survey, spec: SurveySpec, outcome: Outcome,
               welcome: bool = False, problem: Utterance | None = None) -> Turn:
    """The next question (notes read on the way), or the thanks and goodbye."""
    call.stage = CallStage.ANSWERING
    locale = call.locale = outcome.state.locale
    said = [script.welcome(spec, survey.title, survey.intro, locale)] if welcome else []
    if problem is not None:
        said.append(problem)
        if problem.key == "goodbye":
            return Turn(say=said, hangup=True, survey=survey)
    response = db.session.get(Response, call.response_id) if call.response_id else None
    while outcome.question is not None and outcome.question.type == "note":
        said.append(script.question(outcome.question, spec, locale))
        outcome = step(spec, outcome.state, Input(Action.ANSWER))
        if response is not None:
            responses.apply_outcome(response, spec, outcome)
    if outcome.state.done or outcome.question is None:
        call.stage = CallStage.DONE
        said.append(script.thanks(spec, survey.thanks, locale))
        return Turn(say=said, hangup=True, survey=survey)
    q = outcome.question
    ask = Ask([script.question(q, spec, locale)], locale, single_key=not typed(q),
              speech=q.type not in ("free_text", "note"),
              hints=script.hints_for(q, locale, spec.default_locale),
              record=q.type == "free_text")
    return Turn(say=said, ask=ask, survey=survey)
