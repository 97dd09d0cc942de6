"""Staff pages for outreach: contact lists and campaigns with their live counts."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engage.core.errors import DomainError, flash_errors
from engage.core.i18n import _, language_name, resolve
from engage.core.pagination import paginate
from engage.core.roles import Permission, require
from engage.core.uploads import accepts_upload
from engage.extensions import db
from engage.org.models import Area
from engage.outreach import campaigns as ops
from engage.outreach.contacts import MAX_CONTACT_BYTES, NOTES, REASONS, import_contacts
from engage.outreach.forms import ContactImportForm, campaign_form, to_utc
from engage.outreach.models import Campaign, CampaignStatus, Contact, ContactImport
from engage.outreach.targeting import language_group, under_represented
from engage.responses.models import Respondent
from engage.surveys.loader import with_survey
from engage.surveys.models import Survey

bp = Blueprint("outreach", __name__, url_prefix="/staff/outreach")


@bp.route("/contacts", methods=["GET", "POST"])
@accepts_upload(MAX_CONTACT_BYTES)
@require(Permission.RUN_OUTREACH)
def contacts() -> str | Response:
    form = ContactImportForm()
    if form.validate_on_submit():
        try:
            record = import_contacts(form.file.data.stream, form.file.data.filename or "contacts.csv",
                                     user_id=current_user.id)
        except DomainError as err:
            flash_errors(err)
        else:
            return redirect(url_for(".contact_import", import_id=record.id))
    counts = db.session.execute(
        select(Contact.language, func.count(), func.sum(func.cast(Respondent.opted_out, db.Integer)))
        .join(Respondent, Respondent.id == Contact.respondent_id)
        .group_by(Contact.language).order_by(func.count().desc())).all()
    imports = paginate(select(ContactImport).order_by(ContactImport.id.desc()), per_page=20)
    return render_template("outreach/contacts.html", form=form, counts=counts, imports=imports)


@bp.get("/contacts/imports/<int:import_id>")
@require(Permission.RUN_OUTREACH)
def contact_import(import_id: int) -> str:
    record = db.get_or_404(ContactImport, import_id)
    return render_template("outreach/import.html", record=record, reasons=REASONS, notes=NOTES)


@bp.get("/campaigns")
@require(Permission.RUN_OUTREACH)
def campaigns() -> str:
    page = paginate(select(Campaign).order_by(Campaign.id.desc()))
    surveys = db.session.scalars(select(Survey).where(Survey.channels.is_not(None))).all()
    return render_template("outreach/campaigns.html", page=page,
                           surveys=[s for s in surveys if "sms" in s.channels],
                           counts={c.id: ops.status_counts(c.id) for c in page.items})


def _form_for(survey: Survey, campaign: Campaign | None):  # type: ignore[no-untyped-def]
    form = campaign_form(survey.locales)(obj=campaign if request.method == "GET" else None)
    form.area_ids.choices = [(a.id, resolve(a.name, "en"))
                             for a in db.session.scalars(select(Area).order_by(Area.slug))]
    codes = sorted({language_group(c) for c in db.session.scalars(
        select(Contact.language).distinct())} | {language_group(c) for c in survey.locales})
    form.languages.choices = [(c, language_name(c)) for c in codes]
    if campaign is not None and request.method == "GET":
        form.area_ids.data = campaign.audience.get("areas", [])
        form.languages.data = campaign.audience.get("languages", [])
        form.under_represented.data = campaign.audience.get("under_represented", False)
        for code, text in campaign.messages.items():
            if hasattr(form, f"message__{code}"):
                form[f"message__{code}"].data = text
    return form


@bp.route("/surveys/<int:survey_id>/campaigns/new", methods=["GET", "POST"])
@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@require(Permission.RUN_OUTREACH)
@with_survey
def edit(survey: Survey | None = None, campaign_id: int | None = None) -> str | Response:
    campaign = db.get_or_404(Campaign, campaign_id) if campaign_id else None
    survey = campaign.survey if campaign is not None else survey
    form = _form_for(survey, campaign)
    if form.validate_on_submit():
        data = ops.CampaignData(
            name=form.name.data, kind=form.kind.data,
            messages={c: form[f"message__{c}"].data or "" for c in survey.locales},
            area_ids=form.area_ids.data or [], languages=form.languages.data or [],
            under_represented=form.under_represented.data, threshold=float(form.threshold.data),
            reminder_after_days=form.reminder_after_days.data,
            starts_at=to_utc(form.starts_at.data), rate_per_minute=form.rate_per_minute.data,
            quiet_start=form.quiet_start.data, quiet_end=form.quiet_end.data)
        try:
            campaign = ops.save_campaign(survey, data, campaign, user_id=current_user.id)
        except DomainError as err:
            flash_errors(err)
        else:
            return redirect(url_for(".campaign", campaign_id=campaign.id))
    return render_template("outreach/edit.html", form=form, survey=survey, campaign=campaign)


@bp.get("/campaigns/<int:campaign_id>")
@require(Permission.RUN_OUTREACH)
def campaign(campaign_id: int) -> str:
    campaign = db.get_or_404(Campaign, campaign_id)
    estimates = ops.estimate(campaign) if campaign.status == CampaignStatus.DRAFT else []
    targets = None
    if campaign.audience.get("under_represented"):
        targets = under_represented(campaign.survey_id, campaign.threshold)
    areas = {a.id: resolve(a.name, "en") for a in db.session.scalars(select(Area))}
    return render_template("outreach/campaign.html", campaign=campaign, estimates=estimates,
                           counts=ops.status_counts(campaign.id), bodies=ops.bodies(campaign),
                           targets=targets, area_names=areas)


@bp.get("/campaigns/<int:campaign_id>/status.json")
@require(Permission.RUN_OUTREACH)
def campaign_status(campaign_id: int) -> Response:
    campaign = db.get_or_404(Campaign, campaign_id)
    return jsonify(status=campaign.status, counts=ops.status_counts(campaign.id))


ACTIONS = {
    "start": lambda c: ops.start_campaign(c),
    "pause": ops.pause_campaign,
    "resume": ops.resume_campaign,
    "cancel": ops.cancel_campaign,
    "resend": lambda c: ops.settle_review(c, resend=True),
    "mark-sent": lambda c: ops.settle_review(c, resend=False),
}


@bp.post("/campaigns/<int:campaign_id>/<action>")
@require(Permission.RUN_OUTREACH)
def act(campaign_id: int, action: str) -> Response:
    campaign = db.get_or_404(Campaign, campaign_id)
    if action not in ACTIONS:
        return redirect(url_for(".campaign", campaign_id=campaign.id))
    try:
        ACTIONS[action](campaign)
    except DomainError as err:
        flash_errors(err)
    else:
        flash(_("Done."), "success")
    return redirect(url_for(".campaign", campaign_id=campaign.id))
