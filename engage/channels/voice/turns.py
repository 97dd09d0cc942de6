"""A turn of a call: what the session decided to say, as utterances, with the question
or menu the caller answers inside the ``<Gather>`` (rendered by :mod:`.twiml`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale

from engage.channels.problems import explain
from engage.channels.voice import script
from engage.channels.voice.script import Utterance
from engage.channels.voice.voices import voice_for
from engage.core.i18n import resolve
from engage.engine import SurveySpec, question_type
from engage.engine.keypad import typed
from engage.engine.questions import Shape
from engage.engine.session import Decision, Say
from engage.responses import sessions
from engage.surveys.models import Survey


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


def rendered(decision: Decision, facts: sessions.Facts) -> Turn:
    """The session's words as utterances; the last thing said, a question or a menu,
    inside the ``<Gather>`` that waits for the answer."""
    survey_id = decision.session.survey_id
    survey = facts.row(survey_id) if survey_id else None
    spec = facts.spec(survey_id) if survey is not None and survey_id else None
    parts = [_utterances(s, spec, decision.session.locale, facts) for s in decision.say]
    if decision.end or not parts:
        return Turn(say=[u for part in parts for u in part], hangup=True, survey=survey)
    before, waiting = [u for part in parts[:-1] for u in part], parts[-1]
    q, locale = decision.asking, decision.say[-1].locale
    if q is None:
        return Turn(say=before, ask=Ask(waiting, waiting[0].locale), survey=survey)
    default = spec.default_locale if spec else locale
    recorded = question_type(q).shape is Shape.WORDS
    ask = Ask(waiting, locale, single_key=not typed(q), speech=not recorded,
              hints=script.hints_for(q, locale, default), record=recorded)
    return Turn(say=before, ask=ask, survey=survey)


def _utterances(s: Say, spec: SurveySpec | None, wanted: str | None,
                facts: sessions.Facts) -> list[Utterance]:
    locale = s.locale
    match s.kind:
        case "survey_menu":
            return [_survey_option(ref.id, digit, wanted, facts)
                    for digit, ref in enumerate(s.items, start=1)]
        case "language_menu":
            return [script.language_option(code, n) for n, code in enumerate(s.items, start=1)]
        case "resume_menu":
            return [script.resume(locale)]
        case "welcome" if spec and s.survey:
            return [script.welcome(spec, dict(s.survey.title), dict(s.survey.intro), locale)]
        case "note" | "question" if spec and s.question:
            return [script.question(s.question, spec, locale)]
        case "thanks" if spec and s.survey:
            return [script.thanks(spec, dict(s.survey.thanks), locale)]
        case "refused":
            with force_locale(locale):
                reason = explain(s.problem) if s.problem else None
            return [script.retry(locale, reason)]
        case "retry":
            return [script.retry(locale)]
        case "already_done":
            return [script.already_done(locale)]
        case "nothing_open" | "help":
            return [script.nothing_open(locale)]
    return [script.goodbye(locale)]


def _survey_option(survey_id: int, digit: int, wanted: str | None,
                   facts: sessions.Facts) -> Utterance:
    """"For <title>, press <digit>", spoken in a language the survey has a voice for (a
    recorded prompt cannot say "press 2") and the caller's if it can."""
    survey = facts.row(survey_id)
    assert survey is not None
    spec = facts.spec(survey_id)
    speakable = [loc for loc in spec.locales if not voice_for(survey.voice_settings, loc).recorded]
    preferred = spec.locale_for(wanted)
    locale = preferred if preferred in speakable or not speakable else speakable[0]
    return script.survey_option(resolve(survey.title, locale, spec.default_locale), locale, digit)
