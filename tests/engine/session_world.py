"""A resident's world held in dicts: the session machine's facts, and its effects
applied as the database side (engage.responses.sessions) applies them. Used by the
session tests and properties, with no database."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from engage.engine import ChoiceSpec, Clause, Condition, QuestionSpec, State, SurveySpec
from engage.engine.session import (
    Apply,
    Decision,
    Event,
    OptOut,
    ResponseRef,
    Rules,
    Session,
    SetAside,
    SetLocale,
    StartResponse,
    SurveyRef,
    handle,
)


def _choices(*values: str) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(v, {"en": v.title(), "es": f"{v}-es"}) for v in values)


INTRO = QuestionSpec("intro", "note", {"en": "About your home", "es": "Su hogar"})
TENURE = QuestionSpec("tenure", "single_choice", {"en": "Own or rent?", "es": "¿Dueño?"},
                      required=True, choices=_choices("own", "rent"))
LANDLORD = QuestionSpec("landlord", "rating", {"en": "Rate your landlord", "es": "Califique"},
                        condition=Condition((Clause("tenure", "equals", "rent"),)))
WEB_ONLY = QuestionSpec("photo_ok", "yes_no", {"en": "Web only?", "es": "¿Solo web?"})
NEEDS = QuestionSpec("needs", "multiple_choice", {"en": "Needs", "es": "Necesidades"},
                     choices=_choices("bus", "park", "clinic"))
SAY = QuestionSpec("say", "free_text", {"en": "Anything else?", "es": "¿Algo más?"}, max_length=50)
ALL = (INTRO, TENURE, LANDLORD, WEB_ONLY, NEEDS, SAY)
#: As each channel asks it: the web asks one question the phone channels do not.
SPEC = SurveySpec("housing", "en", ("en", "es"), tuple(q for q in ALL if q is not WEB_ONLY))
FULL = SurveySpec("housing", "en", ("en", "es"), ALL)
OTHER = SurveySpec("parks", "en", ("en",), (NEEDS, SAY))

HOUSING = SurveyRef(1, {"en": "Housing", "es": "Vivienda"}, ("en", "es"), "en", keyword="HOUSING",
                    names={"en": "English", "es": "Español"}, window=timedelta(hours=72))
PARKS = SurveyRef(2, {"en": "Parks"}, ("en",), "en", keyword="PARKS", names={"en": "English"},
                  window=timedelta(hours=24))
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


@dataclass
class StoredResponse:
    id: int
    survey_id: int
    channel: str
    state: State
    status: str = "in_progress"  # complete, abandoned


@dataclass
class World:
    """One resident, the open surveys, their responses; ``turn`` runs one event."""

    surveys: dict[int, tuple[SurveyRef, SurveySpec]] = field(default_factory=lambda: {
        1: (HOUSING, SPEC), 2: (PARKS, OTHER)})
    closed: set[int] = field(default_factory=set)
    responses: dict[int, StoredResponse] = field(default_factory=dict)
    locale: str | None = None
    opted_out: bool = False
    conversation: Session = field(default_factory=lambda: Session("sms"))
    now: datetime = T0

    # -- Facts --------------------------------------------------------------------------
    def open_surveys(self) -> list[SurveyRef]:
        return [ref for sid, (ref, _spec) in sorted(self.surveys.items()) if sid not in self.closed]

    def survey(self, survey_id: int) -> SurveyRef | None:
        return None if survey_id in self.closed else self.surveys[survey_id][0]

    def spec(self, survey_id: int) -> SurveySpec:
        return self.surveys[survey_id][1]

    def latest(self, survey_id: int) -> ResponseRef | None:
        live = [r for r in self.responses.values()
                if r.survey_id == survey_id and r.status != "abandoned"]
        if not live:
            return None
        newest = max(live, key=lambda r: r.id)
        return ResponseRef(newest.id, newest.state.locale, newest.status == "complete")

    def state(self, response_id: int) -> State:
        return self.responses[response_id].state

    # -- running a turn -------------------------------------------------------------------
    def turn(self, channel: str, event: Event, rules: Rules | None = None) -> Decision:
        session = replace(self.conversation, channel=channel, locale=self.locale,
                          opted_out=self.opted_out)
        decision = handle(session, event, self, self.now, rules or Rules())
        self.apply(decision)
        return decision

    def apply(self, decision: Decision) -> None:
        current: StoredResponse | None = None
        for effect in decision.effects:
            if isinstance(effect, OptOut):
                self.opted_out = effect.opted_out
            elif isinstance(effect, SetLocale):
                self.locale = effect.locale
            elif isinstance(effect, SetAside):
                self.responses[effect.response_id].status = "abandoned"
            elif isinstance(effect, StartResponse):
                current = StoredResponse(len(self.responses) + 1, effect.survey_id,
                                         decision.session.channel, effect.outcome.state)
                self.responses[current.id] = current
            elif isinstance(effect, Apply):
                if current is None:
                    current = self.responses[decision.session.response_id]
                answers = dict(current.state.answers)
                for key, value in effect.outcome.changes.items():
                    if value is None:
                        answers.pop(key, None)
                    else:
                        answers[key] = value
                current.state = replace(effect.outcome.state, answers=answers)
                if effect.outcome.state.done:
                    current.status = "complete"
                elif current.status == "complete":
                    current.status = "in_progress"
        response_id = current.id if current is not None else decision.session.response_id
        self.conversation = replace(decision.session, response_id=response_id)

    def wait(self, hours: float) -> None:
        self.now += timedelta(hours=hours)
