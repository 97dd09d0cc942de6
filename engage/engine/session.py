"""A resident's whole contact, on any channel: the state machine around the questions.

``handle(session, event, facts)`` decides what happens when a resident texts, calls,
presses keys, speaks, stays silent or is invited: the next stage, what to say (as data,
:class:`Say`, which each channel renders as a text or as speech) and what to store
(:data:`Effect`). It writes nothing, and reads only through ``facts``, the read-only
view of surveys and responses an adapter gives it, so one rule holds on every channel.

The rule for unfinished answers, the same on every channel: a conversation left longer
than its window *lapses* (its stage goes back to idle) and a lapse never touches a
response. Whenever a resident enters a survey (a keyword, a call, an invitation
answered) with an unfinished response to it, whatever its age and whichever channel
started it, they are asked "continue or start again"; only an explicit "start again"
sets the old response aside (kept, marked abandoned) and starts a new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from engage.engine.commands import Command, command
from engage.engine.conversation import Action, Input, Outcome, Policy, State, resume, start, step
from engage.engine.keypad import ENGINE_ACTIONS, read_keys, read_speech
from engage.engine.questions import Problem, Shape, question_type
from engage.engine.spec import QuestionSpec, SurveySpec
from engage.engine.words import fold, parse_number

SMS, VOICE = "sms", "voice"


class Stage(StrEnum):
    IDLE = "idle"  # nothing under way: a stray text gets the help text
    CHOOSING_SURVEY = "survey"  # a call with several surveys open: the menu
    CHOOSING_LANGUAGE = "language"
    RESUME_OFFERED = "resume"  # "1 continue / 2 start again"
    INVITED = "invited"  # texted an invitation: any reply but a command starts it
    ANSWERING = "answering"
    DONE = "done"


#: Stages an invitation moves at once; from any other, only once the session lapsed.
INVITABLE = frozenset({Stage.IDLE, Stage.DONE, Stage.INVITED})


# -- what the machine is given --------------------------------------------------------

@dataclass(frozen=True)
class SurveyRef:
    """An open survey as the session needs it: texts to render, and its window."""

    id: int
    title: Mapping[str, str]
    locales: tuple[str, ...]
    default_locale: str
    keyword: str | None = None
    #: Each language's name in itself, for a resident who texts "Español".
    names: Mapping[str, str] = field(default_factory=dict)
    intro: Mapping[str, str] = field(default_factory=dict)
    thanks: Mapping[str, str] = field(default_factory=dict)
    #: How long a text conversation waits for the next reply before it lapses.
    window: timedelta = timedelta(hours=72)

    def locale_for(self, wanted: str | None) -> str:
        return wanted if wanted in self.locales else self.default_locale


@dataclass(frozen=True)
class ResponseRef:
    id: int
    locale: str
    complete: bool


class Facts(Protocol):
    """Read-only lookups: the database behind an adapter, a dict in the properties."""

    def open_surveys(self) -> Sequence[SurveyRef]: ...
    def survey(self, survey_id: int) -> SurveyRef | None: ...  # None: not open here
    def spec(self, survey_id: int) -> SurveySpec: ...
    def latest(self, survey_id: int) -> ResponseRef | None: ...  # not set aside
    def state(self, response_id: int) -> State: ...


@dataclass(frozen=True)
class Rules:
    """A channel's patience: refused answers before an optional question is skipped,
    silent turns before goodbye."""

    max_misses: int = 3
    max_silences: int = 3


@dataclass(frozen=True)
class Session:
    """What is stored between a resident's turns (one row per resident, all channels)."""

    channel: str
    stage: Stage = Stage.IDLE
    survey_id: int | None = None
    response_id: int | None = None
    #: The resident's language, once known (kept across surveys).
    locale: str | None = None
    last_activity: datetime | None = None
    silences: int = 0
    opted_out: bool = False


# -- events ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """A call connected: the session starts over, whatever a last call left."""


@dataclass(frozen=True)
class Keyword:
    """A text that is an open survey's keyword (``locale``: the language's own word)."""

    survey_id: int
    locale: str | None = None


@dataclass(frozen=True)
class Said:
    """Words: a text, or recognised speech on a call. ``pictures``: sent with media."""

    text: str
    pictures: bool = False


@dataclass(frozen=True)
class Keys:
    digits: str


@dataclass(frozen=True)
class Recorded:
    """A spoken answer recorded by the phone company, ``seconds`` long."""

    sid: str
    seconds: int


@dataclass(frozen=True)
class Silence:
    pass


@dataclass(frozen=True)
class Unclear:
    """Speech heard too poorly to take as an answer."""


@dataclass(frozen=True)
class Invite:
    survey_id: int


Event = Contact | Keyword | Said | Keys | Recorded | Silence | Unclear | Invite


# -- what the machine returns ----------------------------------------------------------

@dataclass(frozen=True)
class Say:
    """One thing to say, as data: each channel has its own words for ``kind``."""

    kind: str  # help stopped started nothing_open survey_menu language_menu resume_menu
    #            already_done welcome note question refused retry thanks goodbye
    locale: str
    survey: SurveyRef | None = None
    question: QuestionSpec | None = None
    problem: Problem | None = None
    items: tuple = ()  # keywords, surveys or locales of a menu
    pictures: bool = False


@dataclass(frozen=True)
class StartResponse:
    survey_id: int
    outcome: Outcome


@dataclass(frozen=True)
class SetAside:
    response_id: int


@dataclass(frozen=True)
class Apply:
    """The engine's outcome for the session's response (the one just started, if any)."""

    outcome: Outcome


@dataclass(frozen=True)
class SetLocale:
    locale: str


@dataclass(frozen=True)
class OptOut:
    opted_out: bool


Effect = StartResponse | SetAside | Apply | SetLocale | OptOut


@dataclass(frozen=True)
class Decision:
    session: Session
    say: tuple[Say, ...] = ()
    effects: tuple[Effect, ...] = ()
    end: bool = False  # a call hangs up
    #: The question the next input answers (None: a menu, or nothing).
    asking: QuestionSpec | None = None


# -- the machine ----------------------------------------------------------------------

def handle(session: Session, event: Event, facts: Facts, now: datetime,
           rules: Rules = Rules()) -> Decision:
    """What the resident's ``event`` leads to. Global rules first (STOP, opted out, HELP,
    silence, lapse, a closed survey), then the stage's own."""
    said = event.text if isinstance(event, Said) else None
    cmd = command(said, session.opted_out) if said is not None and session.channel == SMS else None
    locale = session.locale or "en"
    if cmd is Command.STOP:  # wins over everything, and is confirmed once
        if session.opted_out:
            return Decision(session)
        return Decision(replace(session, opted_out=True), (Say("stopped", locale),), (OptOut(True),))
    if session.opted_out and session.channel == SMS:
        if cmd is Command.START:
            return Decision(replace(session, opted_out=False), (Say("started", locale),),
                            (OptOut(False),))
        return Decision(session)
    if cmd in (Command.HELP, Command.START):
        return _help(session, facts)
    if isinstance(event, Contact):
        return _contact(replace(session, silences=0, response_id=None), facts, now)
    if isinstance(event, Invite):
        return _invited(session, event, facts, now)
    silences = session.silences + 1 if isinstance(event, Silence) else 0
    session = replace(session, silences=silences)
    if session.stage in (Stage.IDLE, Stage.DONE) and not isinstance(event, Keyword):
        return Decision(session, end=True) if session.channel == VOICE else _help(session, facts)
    if silences >= rules.max_silences:
        return _goodbye(session, locale)
    if isinstance(event, Keyword):
        return _enter(session, facts.survey(event.survey_id), event.locale, facts, now)
    if session.stage == Stage.CHOOSING_SURVEY:
        return _picked_survey(session, event, facts, now)
    survey = facts.survey(session.survey_id) if session.survey_id else None
    if session.channel == SMS and _lapsed(session, survey, now):
        return _help(replace(session, stage=Stage.IDLE), facts)
    if survey is None:  # closed meanwhile
        done = replace(session, stage=Stage.DONE)
        if session.channel == VOICE:
            return Decision(done, (Say("nothing_open", locale),), end=True)
        return _help(done, facts)
    session = replace(session, last_activity=now)
    if session.stage == Stage.INVITED:
        return _enter(session, survey, None, facts, now)
    if session.stage == Stage.CHOOSING_LANGUAGE:
        return _picked_language(session, survey, event, facts)
    if session.stage == Stage.RESUME_OFFERED:
        return _picked_resume(session, survey, event, facts)
    return _answered(session, survey, event, facts, rules)


def _lapsed(session: Session, survey: SurveyRef | None, now: datetime) -> bool:
    window = survey.window if survey else timedelta(hours=72)
    return session.last_activity is None or now - session.last_activity > window


def _help(session: Session, facts: Facts) -> Decision:
    keywords = tuple(sorted(s.keyword for s in facts.open_surveys() if s.keyword))
    return Decision(session, (Say("help", session.locale or "en", items=keywords),))


def _goodbye(session: Session, locale: str, said: tuple[Say, ...] = ()) -> Decision:
    return Decision(replace(session, stage=Stage.DONE), (*said, Say("goodbye", locale)), end=True)


def _contact(session: Session, facts: Facts, now: datetime) -> Decision:
    surveys = tuple(facts.open_surveys())
    if not surveys:
        return Decision(replace(session, stage=Stage.DONE),
                        (Say("nothing_open", session.locale or "en"),), end=True)
    if len(surveys) == 1:
        return _enter(session, surveys[0], None, facts, now)
    return _survey_menu(replace(session, stage=Stage.CHOOSING_SURVEY, survey_id=None), surveys)


def _survey_menu(session: Session, surveys: tuple[SurveyRef, ...],
                 retry: bool = False) -> Decision:
    locale = session.locale or surveys[0].default_locale
    said = (Say("retry", surveys[0].default_locale),) if retry else ()
    return Decision(session, (*said, Say("survey_menu", locale, items=surveys)))


def _invited(session: Session, event: Invite, facts: Facts, now: datetime) -> Decision:
    """An invitation sent: a reply starts that survey, unless the resident is in the
    middle of another conversation that has not lapsed."""
    current = facts.survey(session.survey_id) if session.survey_id else None
    busy = session.stage not in INVITABLE
    if busy and not _lapsed(session, current, now):
        return Decision(session)
    return Decision(replace(session, stage=Stage.INVITED, survey_id=event.survey_id,
                            response_id=None, last_activity=now))


def _enter(session: Session, survey: SurveyRef | None, keyword_locale: str | None,
           facts: Facts, now: datetime) -> Decision:
    """Into a survey: done already, continue-or-start-again, the language menu, or the
    first question."""
    if survey is None:
        return _help(session, facts)
    session = replace(session, survey_id=survey.id, response_id=None, last_activity=now)
    existing = facts.latest(survey.id)
    if existing is not None:
        locale = survey.locale_for(existing.locale)
        if existing.complete:
            return Decision(replace(session, stage=Stage.DONE), (Say("already_done", locale),),
                            end=True)
        offer = replace(session, stage=Stage.RESUME_OFFERED, response_id=existing.id)
        return Decision(offer, (Say("resume_menu", locale, survey),))
    known = keyword_locale or (session.locale if session.locale in survey.locales else None)
    if known is None and len(survey.locales) > 1:
        return _language_menu(replace(session, stage=Stage.CHOOSING_LANGUAGE), survey)
    return _start(session, survey, survey.locale_for(known), facts, welcome=True)


def _language_menu(session: Session, survey: SurveyRef, retry: bool = False) -> Decision:
    said = (Say("retry", survey.default_locale),) if retry else ()
    return Decision(session, (*said, Say("language_menu", survey.locales[0], survey,
                                         items=survey.locales)))


def _start(session: Session, survey: SurveyRef, locale: str, facts: Facts,
           welcome: bool) -> Decision:
    spec = facts.spec(survey.id)
    outcome = start(spec, locale)
    said = (Say("welcome", locale, survey),) if welcome else ()
    session = replace(session, stage=Stage.ANSWERING, locale=locale)
    return _ask(session, survey, spec, outcome, (StartResponse(survey.id, outcome),
                                                 SetLocale(locale)), said)


def _pick(session: Session, event: Event, count: int) -> int | None:
    """A menu choice: one key on a call, a number in a text."""
    raw = event.digits.strip().rstrip("#") if isinstance(event, Keys) else (
        event.text if isinstance(event, Said) and session.channel == SMS else "")
    number = parse_number(raw) if raw else None
    if number is not None and number.is_integer() and 1 <= number <= count:
        return int(number)
    return None


def _retrying(session: Session, event: Event) -> bool:
    """A call that pressed something wrong hears "sorry"; a silent one just the menu."""
    return session.channel == VOICE and not isinstance(event, Silence)


def _picked_survey(session: Session, event: Event, facts: Facts, now: datetime) -> Decision:
    surveys = tuple(facts.open_surveys())
    if not surveys:
        return Decision(replace(session, stage=Stage.DONE),
                        (Say("nothing_open", session.locale or "en"),), end=True)
    picked = _pick(session, event, len(surveys))
    if picked is None:
        return _survey_menu(session, surveys, retry=_retrying(session, event))
    return _enter(session, surveys[picked - 1], None, facts, now)


def _picked_language(session: Session, survey: SurveyRef, event: Event,
                     facts: Facts) -> Decision:
    picked = pick_language(event.text, survey.locales, survey.names) if (
        isinstance(event, Said) and session.channel == SMS) else None
    if isinstance(event, Keys):
        number = _pick(session, event, len(survey.locales))
        picked = survey.locales[number - 1] if number else None
    if picked is None:
        return _language_menu(session, survey, retry=_retrying(session, event))
    if session.response_id is None:
        return _start(session, survey, picked, facts, welcome=True)
    spec = facts.spec(survey.id)
    state = facts.state(session.response_id)
    outcome = step(spec, resume(spec, state).state, Input(Action.LANGUAGE, locale=picked))
    session = replace(session, stage=Stage.ANSWERING, locale=picked)
    return _ask(session, survey, spec, outcome, (SetLocale(picked),))


def _picked_resume(session: Session, survey: SurveyRef, event: Event, facts: Facts) -> Decision:
    picked = _pick(session, event, 2)
    if session.response_id is None:
        return _start(session, survey, survey.locale_for(session.locale), facts, welcome=True)
    if picked is None:
        state_locale = facts.state(session.response_id).locale
        locale = survey.locale_for(state_locale)
        said = (Say("retry", locale),) if _retrying(session, event) else ()
        return Decision(session, (*said, Say("resume_menu", locale, survey)))
    spec = facts.spec(survey.id)
    state = facts.state(session.response_id)
    session = replace(session, stage=Stage.ANSWERING)
    if picked == 2:
        outcome = start(spec, state.locale)
        return _ask(session, survey, spec, outcome,
                    (SetAside(session.response_id), StartResponse(survey.id, outcome)))
    return _ask(session, survey, spec, step(spec, resume(spec, state).state, Input(Action.REPEAT)))


def _answered(session: Session, survey: SurveyRef, event: Event, facts: Facts,
              rules: Rules) -> Decision:
    assert session.response_id is not None
    spec = facts.spec(survey.id)
    resumed = resume(spec, facts.state(session.response_id))
    state, question = resumed.state, resumed.question
    locale = state.locale
    if isinstance(event, Said) and session.channel == SMS and \
            command(event.text) is Command.LANGUAGE:
        return _language_menu(replace(session, stage=Stage.CHOOSING_LANGUAGE), survey)
    if question is None:
        return _ask(session, survey, spec, resumed, (Apply(resumed),))
    inp, said = _reading(session, question, event, locale, rules)
    if said and said[-1].kind == "goodbye":
        return _goodbye(session, locale, said[:-1])
    if inp is None:
        return _ask(session, survey, spec, step(spec, state, Input(Action.REPEAT)), said=said)
    outcome = step(spec, state, inp, Policy(max_misses=rules.max_misses))
    if outcome.problem:
        pictures = isinstance(event, Said) and event.pictures
        said = (Say("refused", locale, question=outcome.question, problem=outcome.problem,
                    pictures=pictures),)
    return _ask(session, survey, spec, outcome, said=said)


def _reading(session: Session, question: QuestionSpec, event: Event, locale: str,
             rules: Rules) -> tuple[Input | None, tuple[Say, ...]]:
    """Engine input for what the resident did, or None with what to tell them first."""
    if isinstance(event, Silence):
        if session.silences < rules.max_silences - 1:
            return None, ()  # asked again
        if question.required:
            return None, (Say("goodbye", locale),)
        return Input(Action.SKIP), ()
    if isinstance(event, Unclear):
        return None, (Say("retry", locale),)
    if isinstance(event, Said):
        if session.channel == SMS:
            cmd = command(event.text)
            return Input(ENGINE_ACTIONS.get(cmd, Action.ANSWER), (event.text,)), ()
        heard = read_speech(event.text)
        return (heard, ()) if heard is not None else (None, (Say("retry", locale),))
    if isinstance(event, Recorded) and question_type(question).shape is Shape.WORDS:
        if event.seconds < 1:
            return None, (Say("retry", locale),)
        return Input(Action.ANSWER, (f"[recording {event.sid}, {event.seconds} s]",)), ()
    inp = read_keys(question, event.digits) if isinstance(event, Keys) else None
    if inp is None or (inp.action is Action.ANSWER and question_type(question).shape is Shape.WORDS):
        return None, (Say("retry", locale),)  # keys are not an answer in words
    return inp, ()


def _ask(session: Session, survey: SurveyRef, spec: SurveySpec, outcome: Outcome,
         effects: tuple[Effect, ...] = (), said: tuple[Say, ...] = ()) -> Decision:
    """The next question, notes said on the way, or the thanks when done. The outcome's
    changes and state are stored as one :class:`Apply` after any response started."""
    locale = outcome.state.locale
    notes: list[Say] = []
    changes = dict(outcome.changes)
    while outcome.question is not None and not question_type(outcome.question).asks:
        notes.append(Say("note", locale, survey, outcome.question))
        outcome = step(spec, outcome.state, Input(Action.ANSWER))
        changes.update(outcome.changes)
    outcome = replace(outcome, changes=changes)
    starts = any(isinstance(e, StartResponse) for e in effects)
    effects = tuple(e for e in effects if not isinstance(e, Apply)) + (
        () if starts and not changes and not notes else (Apply(outcome),))
    if outcome.state.done or outcome.question is None:
        return Decision(replace(session, stage=Stage.DONE), (*said, *notes, Say("thanks", locale, survey)),
                        effects, end=True)
    session = replace(session, stage=Stage.ANSWERING)
    return Decision(session, (*said, *notes, Say("question", locale, survey, outcome.question)),
                    effects, asking=outcome.question)


def pick_language(text: str, locales: Sequence[str], names: Mapping[str, str] | None = None
                  ) -> str | None:
    """A language by its number in the menu, its code, or its name in itself (``names``:
    code → name, given by the adapter, which knows how languages are called)."""
    folded = fold(text)
    number = parse_number(folded)
    if number is not None and number.is_integer() and 1 <= number <= len(locales):
        return locales[int(number) - 1]
    for code in locales:
        if folded in (fold(code), fold((names or {}).get(code, code))):
            return code
    return None
