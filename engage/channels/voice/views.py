"""Twilio's Voice webhooks: the call's first request, every turn after it, statuses,
and the recorded prompts Twilio plays."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from engage.channels.twilio_auth import twilio_webhook
from engage.channels.twilio_params import confidence, count, sid, text
from engage.channels.voice.call import CallEvent, DuplicateCall, handle_call
from engage.channels.voice.models import VoiceCall, VoicePrompt
from engage.channels.voice.twiml import render
from engage.core.clock import utcnow
from engage.core.routing import int_arg
from engage.extensions import csrf, db

bp = Blueprint("voice", __name__, url_prefix="/voice")
csrf.exempt(bp)  # Twilio signs its requests instead


def event_from_request(first: bool) -> CallEvent:
    """The request's parameters: text cut to size, ids and numbers checked (400)."""
    form = request.form
    return CallEvent(
        call_sid=sid("CallSid"), caller=form.get("From", ""),
        step=None if first else int_arg(request.args, "s", default=-1),
        digits=form.get("Digits", "")[:64], speech=form.get("SpeechResult", "")[:500],
        confidence=confidence(), recording_url=text("RecordingUrl", 500),
        recording_sid=form.get("RecordingSid", ""),  # checked with every id
        recording_duration=count("RecordingDuration") or 0,
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
@twilio_webhook
def inbound() -> Response:
    return twiml(answer(event_from_request(first=True)))


@bp.post("/gather")
@twilio_webhook
def gather() -> Response:
    return twiml(answer(event_from_request(first=False)))


@bp.post("/status")
@twilio_webhook
def status() -> tuple[str, int]:
    """The call ended (or moved on): answers given so far are kept as they are."""
    call = db.session.scalar(select(VoiceCall).where(VoiceCall.call_sid == sid("CallSid")))
    state = text("CallStatus", 16)
    duration = count("CallDuration", None)
    if call is not None and state:
        call.status = state
        if state in ("completed", "busy", "failed", "no-answer", "canceled"):
            call.ended_at = call.ended_at or utcnow()
            call.duration = duration
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
