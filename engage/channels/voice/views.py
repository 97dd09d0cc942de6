"""Twilio's Voice webhooks: the call's first request, every turn after it, statuses,
and the recorded prompts Twilio plays."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from engage.channels.twilio_auth import require_twilio_signature
from engage.channels.voice.call import CallEvent, DuplicateCall, handle_call
from engage.channels.voice.models import VoiceCall, VoicePrompt
from engage.channels.voice.twiml import render
from engage.core.clock import utcnow
from engage.extensions import csrf, db

bp = Blueprint("voice", __name__, url_prefix="/voice")
csrf.exempt(bp)  # Twilio signs its requests instead


def event_from_request(first: bool) -> CallEvent:
    """The request's parameters, read defensively: any of them may be missing or odd."""
    form = request.form
    sid = form.get("CallSid", "")[:64]
    if not sid:
        abort(400)
    confidence = form.get("Confidence", type=float)
    return CallEvent(
        call_sid=sid, caller=form.get("From", ""),
        step=None if first else request.args.get("s", type=int, default=-1),
        digits=form.get("Digits", "")[:64], speech=form.get("SpeechResult", "")[:500],
        confidence=confidence, recording_url=form.get("RecordingUrl", ""),
        recording_sid=form.get("RecordingSid", ""),
        recording_duration=form.get("RecordingDuration", type=int, default=0),
        silence=request.args.get("silence") == "1",
    )


def answer(event: CallEvent) -> str:
    """The TwiML for one request; the same TwiML again for a repeated one."""
    try:
        call, turn = handle_call(event)
    except DuplicateCall:
        db.session.rollback()
        call = db.session.scalar(select(VoiceCall).where(VoiceCall.call_sid == event.call_sid))
        turn = None
        if call is None:
            abort(409)
    if turn is not None:
        call.last_twiml = render(turn, call.step)
    return call.last_twiml


def twiml(text: str) -> Response:
    return Response(text, mimetype="text/xml")


@bp.post("/inbound")
def inbound() -> Response:
    require_twilio_signature()
    return twiml(answer(event_from_request(first=True)))


@bp.post("/gather")
def gather() -> Response:
    require_twilio_signature()
    return twiml(answer(event_from_request(first=False)))


@bp.post("/status")
def status() -> tuple[str, int]:
    """The call ended (or moved on): answers given so far are kept as they are."""
    require_twilio_signature()
    call = db.session.scalar(select(VoiceCall).where(
        VoiceCall.call_sid == request.form.get("CallSid", "")[:64]))
    state = request.form.get("CallStatus", "")[:16]
    if call is not None and state:
        call.status = state
        if state in ("completed", "busy", "failed", "no-answer", "canceled"):
            call.ended_at = call.ended_at or utcnow()
            call.duration = request.form.get("CallDuration", type=int)
    return "", 204


@bp.get("/audio/<int:prompt_id>")
def audio(prompt_id: int) -> Response:
    """A recorded prompt, for Twilio's <Play>: survey wording, public by nature."""
    prompt = db.session.get(VoicePrompt, prompt_id)
    if prompt is None:
        abort(404)
    response = Response(prompt.data, mimetype=prompt.content_type)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
