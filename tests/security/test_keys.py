"""Keys can be rotated without losing what they protect: residents' numbers kept with
consent are re-encrypted under a new PHONE_ENCRYPTION_KEY while the old one still reads."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from engage.responses import phones
from engage.responses.models import Respondent
from engage.responses.operations import respondent_for_phone

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_numbers_are_re_encrypted_under_the_new_key(app, db) -> None:
    before = app.config.get("PHONE_ENCRYPTION_KEY")
    try:
        app.config["PHONE_ENCRYPTION_KEY"] = OLD
        numbers = [f"+1206555{n:04d}" for n in range(1, 1002)]  # more than two batches
        for number in numbers:
            respondent_for_phone(number).phone_encrypted = phones.encrypt(number)
        db.flush()
        app.config["PHONE_ENCRYPTION_KEY"] = f"{NEW},{OLD}"  # new first; old still reads
        assert phones.decrypt(db.scalar(select(Respondent.phone_encrypted).limit(1))) in numbers
        assert phones.rotate_column(Respondent, "phone_encrypted", batch=400) == len(numbers)
        app.config["PHONE_ENCRYPTION_KEY"] = NEW  # the old key is gone
        stored = db.scalars(select(Respondent.phone_encrypted).order_by(Respondent.id)).all()
        assert sorted(phones.decrypt(token) for token in stored) == sorted(numbers)
        app.config["PHONE_ENCRYPTION_KEY"] = OLD
        with pytest.raises(InvalidToken):
            phones.decrypt(stored[0])
    finally:
        app.config["PHONE_ENCRYPTION_KEY"] = before


def test_the_command_re_encrypts_residents_and_contacts(app, db) -> None:
    from engage.outreach.models import Contact
    from tests.outreach.helpers import load

    before = app.config.get("PHONE_ENCRYPTION_KEY")
    try:
        app.config["PHONE_ENCRYPTION_KEY"] = OLD
        load(db, "206-555-0171,es,,Casa Latina,2026-03-01,")
        respondent = respondent_for_phone("+12065550172")
        respondent.phone_encrypted = phones.encrypt("+12065550172")
        db.commit()
        app.config["PHONE_ENCRYPTION_KEY"] = f"{NEW},{OLD}"
        result = app.test_cli_runner().invoke(args=["engage", "rotate-phone-key"])
        assert result.exit_code == 0 and "2 phone numbers re-encrypted" in result.output
        app.config["PHONE_ENCRYPTION_KEY"] = NEW
        assert phones.decrypt(db.scalar(select(Contact.phone_encrypted))) == "+12065550171"
        assert phones.decrypt(db.scalar(select(Respondent.phone_encrypted).where(
            Respondent.phone_encrypted.is_not(None)))) == "+12065550172"
    finally:
        app.config["PHONE_ENCRYPTION_KEY"] = before
