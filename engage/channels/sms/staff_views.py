"""Staff pages for texting: the phone simulator and the message log."""

from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, request, session, url_for
from sqlalchemy import false, select
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from engage.channels.sms.conversation import Inbound, handle_inbound
from engage.core.forms import Form
from engage.core.i18n import _, _l
from engage.core.pagination import Page, paginate
from engage.core.roles import Permission, require
from engage.core.routing import int_arg
from engage.extensions import db
from engage.messaging.models import Message
from engage.responses.models import Respondent
from engage.responses.phones import InvalidPhone, normalise, phone_hash
from engage.responses.sessions import open_surveys
from engage.surveys.models import Channel, Survey

bp = Blueprint("sms_staff", __name__, url_prefix="/staff/sms")


class SimulatorForm(Form):
    phone = StringField(_l("Pretend phone number"), validators=[DataRequired(), Length(max=32)])
    body = TextAreaField(_l("Text message"), validators=[Length(max=1600)])


def _simulated_number() -> str:
    """A fictional 555-01xx number per staff session, so each tester is one resident."""
    if "sim_phone" not in session:
        session["sim_phone"] = f"+1 206 555 01{secrets.randbelow(100):02d}"
    return session["sim_phone"]


@bp.route("/simulator", methods=["GET", "POST"])
@require(Permission.USE_MESSAGES)
def simulator() -> str | Response:
    """Text any survey as a resident would: the same function the webhook calls."""
    form = SimulatorForm(data={"phone": _simulated_number()})
    error = None
    if form.validate_on_submit():
        try:
            normalise(form.phone.data)
        except InvalidPhone:
            error = _("That does not look like a phone number. Please check it.")
        else:
            session["sim_phone"] = form.phone.data
            handle_inbound(Inbound(sid=f"SIM{secrets.token_hex(15)}", sender=form.phone.data,
                                   body=form.body.data or "", simulated=True))
            return redirect(url_for(".simulator"))
    transcript = _transcript(form.phone.data or _simulated_number())
    return render_template("sms/simulator.html", form=form, transcript=transcript, error=error,
                           surveys=open_surveys(Channel.SMS))


def _transcript(raw_phone: str) -> Page[Message]:
    """The texts to and from this number, a page at a time from the newest (the template
    shows a page oldest first, as a phone does)."""
    try:
        digest = phone_hash(normalise(raw_phone))
    except InvalidPhone:
        respondent = None
    else:
        respondent = db.session.scalar(select(Respondent).where(Respondent.phone_hash == digest))
    mine = Message.respondent_id == respondent.id if respondent is not None else false()
    return paginate(select(Message).where(mine).order_by(Message.id.desc()))


@bp.get("/messages")
@require(Permission.USE_MESSAGES)
def messages() -> str:
    """Recent texts both ways with their delivery status; residents by number only."""
    survey_id = int_arg(request.args, "survey", minimum=1)
    query = select(Message).order_by(Message.id.desc())
    if survey_id:
        query = query.where(Message.survey_id == survey_id)
    surveys = {s.id: s for s in db.session.scalars(select(Survey))}
    return render_template("sms/messages.html", page=paginate(query), surveys=surveys,
                           survey_id=survey_id)
