"""A phone call: the voice adapter between a caller's keys or words and the session.

Each request is one turn: what the caller did (keys, speech, a recording, silence)
becomes an event for the session machine every channel shares, and what it decided
to say becomes the next thing they hear. The webhook and the staff call simulator both
call :func:`handle_call`. The call row is the transport's: its CallSid, the step every
action URL carries (a repeated request gets ``last_twiml`` again) and the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from engage.channels.voice import script, turns
from engage.channels.voice.models import VoiceCall, VoiceRecording
from engage.channels.voice.turns import Turn
from engage.core.clock import utcnow
from engage.engine.session import (
    Apply,
    Contact,
    Decision,
    Event,
    Keys,
    Recorded,
    Rules,
    Said,
    Silence,
    Unclear,
    handle,
)
from engage.extensions import db
from engage.responses import operations as responses
from engage.responses import sessions
from engage.responses.models import Conversation, Respondent, Response
from engage.responses.phones import InvalidPhone, normalise
from engage.surveys.models import Channel, Survey


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


class DuplicateCall(Exception):
    """The call's first request arrived twice at once."""


def handle_call(event: CallEvent) -> tuple[VoiceCall, Turn | None]:
    """The call after this request and what to say (None: a repeated request, whose
    answer is ``call.last_twiml``). Flushes; the caller renders, stores and commits."""
    row = db.session.execute(_CALL, {"sid": event.call_sid}).first()
    call, conv, response, survey = row if row is not None else (db.session.scalar(
        select(VoiceCall).where(VoiceCall.call_sid == event.call_sid).with_for_update()),
        None, None, None)
    if call is not None:
        if event.step != call.step:
            return call, None
        turn = _turn(call, event, _event(event), conv, response, survey)
    else:
        call = VoiceCall(call_sid=event.call_sid, simulated=event.simulated, step=0, last_twiml="")
        db.session.add(call)
        try:
            db.session.flush()
        except IntegrityError as err:
            raise DuplicateCall(event.call_sid) from err
        if event.step is None:
            turn = _turn(call, event, Contact())
        else:
            turn = Turn(say=[script.goodbye("en")], hangup=True)
    call.step += 1
    return call, turn


def _event(event: CallEvent) -> Event:
    """What the caller did, as the session machine hears it."""
    if event.silence or not (event.digits.strip() or event.speech.strip() or event.recording_url):
        return Silence()
    if event.recording_url:
        return Recorded(event.recording_sid, event.recording_duration)
    if event.speech.strip():
        minimum = current_app.config["VOICE_MIN_CONFIDENCE"]
        if event.confidence is not None and event.confidence < minimum:
            return Unclear()
        return Said(event.speech)
    return Keys(event.digits)


# A later turn: the call and its conversation, both locked, with the response and the
# survey they work on, in one statement.
_CALL = sessions.with_session_rows(
    select(VoiceCall, Conversation).join(Conversation, Conversation.id == VoiceCall.conversation_id)
).where(VoiceCall.call_sid == bindparam("sid")).with_for_update(of=[VoiceCall, Conversation])


def _turn(call: VoiceCall, event: CallEvent, happened: Event,
          conversation: Conversation | None = None, response: Response | None = None,
          survey: Survey | None = None) -> Turn:
    respondent = None
    if isinstance(happened, Contact):
        respondent = _respondent(event.caller)
        call.respondent_id = respondent.id if respondent else None
    conv, session, facts = sessions.load(Channel.VOICE, respondent, conversation, response, survey)
    call.conversation_id = conv.id
    rules = Rules(max_misses=current_app.config["VOICE_MAX_MISSES"])
    decision = handle(session, happened, facts, utcnow(), rules)
    sessions.store(conv, decision, facts, respondent, synthetic=event.simulated)
    call.survey_id, call.response_id = conv.survey_id, conv.response_id
    if isinstance(happened, Recorded):
        _keep_recording(decision, facts, conv.response_id, event)
    return turns.rendered(decision, facts)


def _respondent(caller: str) -> Respondent | None:
    """The caller by keyed hash of their number; None when the number is withheld."""
    try:
        return responses.respondent_for_phone(normalise(caller), lock=True)
    except InvalidPhone:
        return None


def _keep_recording(decision: Decision, facts: sessions.Facts, response_id: int | None,
                    event: CallEvent) -> None:
    """A spoken answer stored: staff can listen to it (the audio stays with Twilio)."""
    for effect in decision.effects:
        if not isinstance(effect, Apply) or response_id is None:
            continue
        spec = facts.spec(facts.response(response_id).survey_id)
        for key, value in effect.outcome.changes.items():
            if value:
                db.session.add(VoiceRecording(
                    response_id=response_id, question_id=spec.question(key).id,
                    recording_sid=event.recording_sid[:64], url=event.recording_url[:500],
                    duration=event.recording_duration))
