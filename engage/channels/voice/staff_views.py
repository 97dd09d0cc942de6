"""Staff pages for the phone: voices and recordings per language, the voice side of
the phone simulator, and residents' spoken answers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from defusedxml import ElementTree as ET
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.channels.voice import operations
from engage.channels.voice.call import CallEvent
from engage.channels.voice.models import VoiceCall, VoicePrompt, VoiceRecording
from engage.channels.voice.operations import MAX_AUDIO_BYTES
from engage.channels.voice.script import PROMPTS, prompt_keys
from engage.channels.voice.views import answer
from engage.channels.voice.voices import DEFAULT_VOICES, voice_for
from engage.core.errors import DomainError, flash_errors
from engage.core.i18n import _, resolve
from engage.core.pagination import paginate
from engage.core.roles import Permission, require
from engage.extensions import db
from engage.responses.models import Response as SurveyResponse
from engage.responses.sessions import open_surveys
from engage.surveys.loader import with_survey
from engage.surveys.models import Channel, Survey
from engage.surveys.queries import survey_spec

bp = Blueprint("voice_staff", __name__, url_prefix="/staff/voice")


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@require(Permission.EDIT_SURVEYS)
@with_survey
def settings(survey: Survey) -> str | Response:
    """Voices and recognition codes per language; recordings where there is no voice."""
    if request.method == "POST" and request.form.get("action") == "voices":
        chosen = {loc: {name: request.form.get(f"{loc}-{name}", "")
                        for name in ("say_voice", "say_language", "speech")}
                  for loc in survey.locales}
        try:
            operations.set_voices(survey, chosen)
        except DomainError as err:
            flash_errors(err)
        else:
            flash(_("Voices saved."), "success")
            return redirect(url_for(".settings", survey_id=survey.id))
    keys = prompt_keys(survey_spec(survey, Channel.VOICE))
    have = {(p.locale, p.key): p.id for p in db.session.scalars(
        select(VoicePrompt).where(VoicePrompt.survey_id == survey.id))}
    return render_template(
        "voice/settings.html", survey=survey, keys=keys, have=have, prompt_labels=PROMPTS,
        voices={loc: voice_for(survey.voice_settings, loc) for loc in survey.locales},
        defaults=DEFAULT_VOICES, recorded=operations.recorded_locales(survey),
        questions={f"question:{q.key}": (n, q) for n, q in enumerate(survey.questions, 1)},
        max_mb=MAX_AUDIO_BYTES // (1024 * 1024))


@bp.post("/surveys/<int:survey_id>/recordings")
@require(Permission.EDIT_SURVEYS)
@with_survey
def upload(survey: Survey) -> Response:
    request.max_content_length = MAX_AUDIO_BYTES + 64 * 1024
    upload = request.files.get("audio")
    try:
        operations.save_recording(survey, request.form.get("locale", ""),
                                  request.form.get("key", ""),
                                  upload.read(MAX_AUDIO_BYTES + 1) if upload else b"")
    except DomainError as err:
        flash_errors(err)
    else:
        flash(_("Recording saved."), "success")
    return redirect(url_for(".settings", survey_id=survey.id))


# -- simulator ------------------------------------------------------------------------

@dataclass(frozen=True)
class Heard:
    text: str = ""
    audio: str = ""


def describe(twiml: str) -> tuple[list[Heard], str]:
    """What the caller hears in a turn, and what the call waits for: "keys" (one key),
    "typed" (keys and #), "record", or "ended"."""
    if not twiml:
        return [], "ended"
    root = ET.fromstring(twiml)
    heard = [Heard(text=el.text or "") if el.tag == "Say" else Heard(audio=el.text or "")
             for el in root.iter() if el.tag in ("Say", "Play")]
    waiting = "ended"
    if root.find("Record") is not None:
        waiting = "record"
    elif (gather := root.find("Gather")) is not None:
        waiting = "keys" if gather.get("numDigits") == "1" else "typed"
        if "speech" in (gather.get("input") or ""):
            waiting += "+speech"
    return heard, waiting


@bp.route("/simulator", methods=["GET", "POST"])
@require(Permission.USE_MESSAGES)
def simulator() -> str | Response:
    """Call a survey as a resident would: the same function the webhook calls."""
    sim = session.get("voice_sim") or {}
    if request.method == "POST":
        action = request.form.get("action") or ("keys" if "key" in request.form else "")
        phone = (request.form.get("phone") or session.get("sim_phone") or
                 "+1 206 555 0199").strip()[:32]
        session["sim_phone"] = phone
        if action == "call":
            sim = {"sid": f"CASIM{secrets.token_hex(14)}", "heard": []}
            event = CallEvent(call_sid=sim["sid"], caller=phone, simulated=True)
        elif sim.get("sid") and action in ("keys", "speak", "silence", "record"):
            call = db.session.scalar(select(VoiceCall).where(VoiceCall.call_sid == sim["sid"]))
            step = call.step if call else -1
            event = CallEvent(
                call_sid=sim["sid"], caller=phone, step=step, simulated=True,
                digits=(request.form.get("key") or request.form.get("digits", ""))[:32]
                if action == "keys" else "",
                speech=request.form.get("speech", "")[:300] if action == "speak" else "",
                confidence=0.9 if action == "speak" else None,
                recording_url="https://simulator.invalid/recording" if action == "record" else "",
                recording_sid=f"RESIM{secrets.token_hex(8)}" if action == "record" else "",
                recording_duration=7 if action == "record" else 0,
                silence=action == "silence")
        else:
            sim = {}
            event = None
        if event is not None:
            answer(event)
        session["voice_sim"] = sim
        return redirect(url_for(".simulator"))
    call = db.session.scalar(select(VoiceCall).where(VoiceCall.call_sid == sim.get("sid", "")))
    heard, waiting = describe(call.last_twiml) if call else ([], "ended")
    return render_template("voice/simulator.html", call=call, heard=heard, waiting=waiting,
                           phone=session.get("sim_phone", "+1 206 555 0199"),
                           surveys=open_surveys(Channel.VOICE))


# -- spoken answers ---------------------------------------------------------------------

@bp.get("/surveys/<int:survey_id>/recordings")
@require(Permission.VIEW_RESULTS)
@with_survey
def recordings(survey: Survey) -> str:
    page = paginate(
        select(VoiceRecording)
        .join(SurveyResponse, SurveyResponse.id == VoiceRecording.response_id)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(VoiceRecording.created_at.desc(), VoiceRecording.id.desc()))
    return render_template("voice/recordings.html", survey=survey, page=page, resolve=resolve,
                           questions={q.id: q for q in survey.questions})


@bp.get("/recordings/<int:recording_id>")
@require(Permission.VIEW_RESULTS)
def listen(recording_id: int) -> Response:
    """The audio itself stays with Twilio; staff are sent to it."""
    recording = db.get_or_404(VoiceRecording, recording_id)
    if not recording.url.startswith("https://"):
        abort(404)
    return redirect(recording.url + ".mp3")
