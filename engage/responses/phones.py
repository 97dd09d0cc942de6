"""Residents' phone numbers: normalised, matched by keyed hash, encrypted with consent.

Nothing outside this module sees a number in the clear except the code that texts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import phonenumbers
from cryptography.fernet import Fernet
from flask import current_app


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


def _fernet() -> Fernet:
    configured = current_app.config.get("PHONE_ENCRYPTION_KEY")
    if configured:
        return Fernet(configured.encode())
    return Fernet(base64.urlsafe_b64encode(_derived(b"engage-phone-encryption")))


def encrypt(e164: str) -> bytes:
    return _fernet().encrypt(e164.encode())


def decrypt(token: bytes) -> str:
    return _fernet().decrypt(token).decode()


def masked(e164: str) -> str:
    """For staff screens: "+1 •••• •• 0100"."""
    return f"{e164[:2]} •••• {e164[-4:]}" if len(e164) > 6 else "••••"
