"""Delivery statuses from Twilio's callbacks, applied so that a late or repeated
callback never moves a message backwards."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.messaging.models import Message

#: How far along a message is; failures are final.
_RANK = {"queued": 1, "accepted": 1, "scheduled": 1, "sending": 2, "sent": 3, "delivered": 4,
         "read": 5, "undelivered": 6, "failed": 6, "canceled": 6}


def record_status(message_id: int | None, sid: str, status: str, error_code: str | None) -> bool:
    """Apply a status callback. Matches our id first (put in the callback URL, so a status
    can arrive before the send call returned the sid), else the sid."""
    message = db.session.get(Message, message_id) if message_id else None
    if message is None and sid:
        message = db.session.scalar(select(Message).where(Message.sid == sid))
    if message is None or status not in _RANK:
        return False
    if message.sid is None and sid and not _taken(sid):
        message.sid = sid
    if _RANK[status] >= _RANK.get(message.status, 0):
        message.status = status
        if error_code:
            message.error_code = str(error_code)[:16]
    db.session.flush()
    return True


def _taken(sid: str) -> bool:
    """Another message's SID (only a forged or confused callback says so): not copied,
    since the column is unique."""
    return db.session.scalar(select(Message.id).where(Message.sid == sid)) is not None
