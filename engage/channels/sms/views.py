"""Twilio's Messaging webhooks: incoming texts and delivery statuses."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select
from twilio.twiml.messaging_response import MessagingResponse

from engage.channels.sms.conversation import DuplicateDelivery, Inbound, handle_inbound
from engage.channels.sms.models import Message
from engage.channels.sms.status import record_status
from engage.channels.twilio_auth import require_twilio_signature
from engage.extensions import csrf, db

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)  # Twilio signs its requests instead


def twiml(reply: str | None) -> Response:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(str(response), mimetype="text/xml")


@bp.post("/inbound")
def inbound() -> Response:
    require_twilio_signature()
    sid = request.form.get("MessageSid", "")
    if not sid:
        abort(400)
    text = Inbound(sid=sid, sender=request.form.get("From", ""), body=request.form.get("Body", ""))
    try:
        reply = handle_inbound(text)
    except DuplicateDelivery:
        db.session.rollback()
        reply = db.session.scalar(select(Message.reply).where(Message.sid == sid))
    return twiml(reply)


@bp.post("/status")
def status() -> tuple[str, int]:
    require_twilio_signature()
    record_status(request.args.get("m", type=int), request.form.get("MessageSid", ""),
                  request.form.get("MessageStatus", ""), request.form.get("ErrorCode"))
    return "", 204
