"""Contacts and campaigns for outreach tests."""

from __future__ import annotations

from engage.outreach import campaigns as ops
from engage.outreach.contacts import import_contacts

HEADER = "Phone,Language,ZIP,Consent_Source,Consent_Date,Notes\n"


def contacts_csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{r}\n" for r in rows)).encode()


def load(db, *rows: str):  # type: ignore[no-untyped-def]
    record = import_contacts(contacts_csv(*rows), "partner.csv")
    db.commit()
    return record


MESSAGES = {"en": "Housing survey: tell us at {link}", "es": "Encuesta de vivienda: {link}",
            "vi": "Khảo sát nhà ở: {link}"}


def campaign(db, survey, **overrides):  # type: ignore[no-untyped-def]
    data = ops.CampaignData(name=overrides.pop("name", "Invite"),
                            messages=overrides.pop("messages", MESSAGES), **overrides)
    made = ops.save_campaign(survey, data)
    db.commit()
    return made
