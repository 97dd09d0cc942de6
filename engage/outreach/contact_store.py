"""Contacts written a batch at a time: residents matched by keyed hash with one query
for the batch, rows added and updated with ``executemany``, so a list costs a handful of
statements per batch instead of a few per line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, insert, select, update

from engage.core.clock import utcnow
from engage.core.models import insert_for
from engage.extensions import db
from engage.outreach.models import Contact
from engage.responses.models import Respondent
from engage.responses.phones import encrypt

RESPONDENT = Respondent.__table__
CONTACT = Contact.__table__
#: A known contact takes what the line says; it keeps its area unless the line names one.
_UPDATE_CONTACT = (
    update(CONTACT).where(CONTACT.c.id == bindparam("b_id"))
    .values(area_id=func.coalesce(bindparam("b_area_id", type_=Integer), CONTACT.c.area_id),
            **{name: bindparam(f"b_{name}") for name in
               ("phone_encrypted", "language", "consent_source", "consent_date")}))
_SET_LOCALE = (update(RESPONDENT)
               .where(RESPONDENT.c.id == bindparam("b_id"), RESPONDENT.c.locale.is_(None))
               .values(locale=bindparam("b_locale")))


@dataclass(slots=True)
class ContactRow:
    """A line that passed every check. The number is only encrypted when stored."""

    line: int
    e164: str
    phone_hash: str
    language: str
    area_id: int | None
    consent_source: str
    consent_date: date


@dataclass(slots=True)
class _Known:
    respondent_id: int
    opted_out: bool
    locale: str | None
    contact_id: int | None


def _known(hashes: Iterable[str]) -> dict[str, _Known]:
    """One query: the residents with these hashes, and their contact if they have one."""
    query = (select(RESPONDENT.c.phone_hash, RESPONDENT.c.id, RESPONDENT.c.opted_out,
                    RESPONDENT.c.locale, CONTACT.c.id)
             .outerjoin(CONTACT, CONTACT.c.respondent_id == RESPONDENT.c.id)
             .where(RESPONDENT.c.phone_hash.in_(list(hashes))))
    return {digest: _Known(rid, opted_out, locale, contact_id)
            for digest, rid, opted_out, locale, contact_id in db.session.execute(query)}


def _add_respondents(rows: Sequence[ContactRow], now: datetime) -> None:
    """New residents; a number that texted in meanwhile is kept as it is (no conflict)."""
    statement = (insert_for(RESPONDENT).values(followup_consent=False, opted_out=False, created_at=now)
                 .on_conflict_do_nothing(index_elements=["phone_hash"]))
    db.session.execute(statement, [{"phone_hash": row.phone_hash, "locale": row.language}
                                   for row in rows])


def save_contacts(rows: Sequence[ContactRow], import_id: int) -> list[int]:
    """Add or update the contacts of one batch (each number once) and give a resident
    without a language the list's. Returns the lines whose resident opted out: their
    contact is kept, and the opt-out stays."""
    if not rows:
        return []
    now = utcnow()
    known = _known(row.phone_hash for row in rows)
    new = [row for row in rows if row.phone_hash not in known]
    if new:
        _add_respondents(new, now)
        known |= _known(row.phone_hash for row in new)
    locales = [{"b_id": known[row.phone_hash].respondent_id, "b_locale": row.language}
               for row in rows if known[row.phone_hash].locale is None]
    if locales:
        db.session.execute(_SET_LOCALE, locales)
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        found = known[row.phone_hash]
        values = {"phone_encrypted": encrypt(row.e164), "language": row.language,
                  "area_id": row.area_id, "consent_source": row.consent_source,
                  "consent_date": row.consent_date}
        if found.contact_id is None:
            added.append({**values, "respondent_id": found.respondent_id})
        else:
            changed.append({"b_id": found.contact_id, **{f"b_{k}": v for k, v in values.items()}})
    same = {"import_id": import_id, "updated_at": now}
    if added:
        db.session.execute(insert(CONTACT).values(created_at=now, **same), added)
    if changed:
        db.session.execute(_UPDATE_CONTACT.values(**same), changed)
    return [row.line for row in rows if known[row.phone_hash].opted_out]
