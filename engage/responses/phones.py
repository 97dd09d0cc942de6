"""Residents' phone numbers: normalised, matched by keyed hash, encrypted with consent.

Nothing outside this module sees a number in the clear except the code that texts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

import phonenumbers
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import select, update

from engage.extensions import db


class InvalidPhone(ValueError):
    pass


def normalise(raw: str, region: str | None = None) -> str:
    """E.164 form of ``raw`` ("(206) 555-0100" -> "+12065550100"); InvalidPhone if not a
    possible number."""
    region = region or current_app.config["DEFAULT_REGION"]
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as err:
        raise InvalidPhone(str(err)) from err
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone("not a possible number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _derived(purpose: bytes) -> bytes:
    """Development only (production requires explicit keys): a key from SECRET_KEY."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), purpose, hashlib.sha256).digest()


def phone_hash(e164: str) -> str:
    """Keyed hash used to recognise a number without storing it."""
    configured = current_app.config.get("PHONE_HASH_KEY")
    key = configured.encode() if configured else _derived(b"engage-phone-hash")
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


def _fernet() -> MultiFernet:
    """``PHONE_ENCRYPTION_KEY`` may list several keys, comma-separated: the first
    encrypts, every one decrypts (a key being rotated out stays last until
    ``flask engage rotate-phone-key`` has re-encrypted everything with the first)."""
    configured = current_app.config.get("PHONE_ENCRYPTION_KEY") or ""
    if not configured.strip():
        configured = base64.urlsafe_b64encode(_derived(b"engage-phone-encryption")).decode()
    return _fernet_for(configured)


@lru_cache(maxsize=8)
def _fernet_for(configured: str) -> MultiFernet:
    """Built once per key setting: a contact import encrypts a number per line."""
    return MultiFernet([Fernet(key.strip().encode()) for key in configured.split(",") if key.strip()])


def encrypt(e164: str) -> bytes:
    return _fernet().encrypt(e164.encode())


def decrypt(token: bytes) -> str:
    return _fernet().decrypt(token).decode()


def rotate_column(model: Any, column: str, batch: int = 1000) -> int:
    """Re-encrypt every number kept in ``model.column`` with the first key; the count."""
    fernet, done, last = _fernet(), 0, 0
    attribute = getattr(model, column)
    while True:
        rows = db.session.execute(select(model.id, attribute).where(
            model.id > last, attribute.is_not(None)).order_by(model.id).limit(batch)).all()
        if not rows:
            return done
        db.session.execute(update(model), [{"id": row_id, column: fernet.rotate(token)}
                                           for row_id, token in rows])
        done, last = done + len(rows), rows[-1][0]


def masked(e164: str) -> str:
    """For staff screens: "+1 •••• •• 0100"."""
    return f"{e164[:2]} •••• {e164[-4:]}" if len(e164) > 6 else "••••"
