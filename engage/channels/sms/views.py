"""Twilio's Messaging webhooks: incoming texts and delivery statuses."""

from __future__ import annotations

from flask import Blueprint, Response, request
from sqlalchemy import select
from twilio.twiml.messaging_response import MessagingResponse

from engage.channels.sms.conversation import DuplicateDelivery, Inbound, handle_inbound
from engage.channels.sms.status import record_status
from engage.channels.twilio_auth import twilio_webhook
from engage.channels.twilio_params import count, sid, text
from engage.core.routing import int_arg
from engage.extensions import csrf, db
from engage.messaging.models import Message

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)  # Twilio signs its requests instead


def twiml(reply: str | None) -> Response:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(str(response), mimetype="text/xml")


@bp.post("/inbound")
@twilio_webhook
def inbound() -> Response:
    message_sid = sid("MessageSid")
    incoming = Inbound(sid=message_sid, sender=request.form.get("From", ""),
                       body=request.form.get("Body", ""), media=count("NumMedia") or 0)
    try:
        reply = handle_inbound(incoming)
    except DuplicateDelivery:
        db.session.rollback()
        reply = db.session.scalar(select(Message.reply).where(Message.sid == message_sid))
    return twiml(reply)


@bp.post("/status")
@twilio_webhook
def status() -> tuple[str, int]:
    record_status(int_arg(request.args, "m", minimum=1), sid("MessageSid"),
                  request.form.get("MessageStatus", ""), text("ErrorCode", 16) or None)
    return "", 204
