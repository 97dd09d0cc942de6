"""Staff changes to how a survey sounds: voices per language and recorded prompts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select

from engage.channels.voice.models import VoicePrompt
from engage.channels.voice.script import prompt_keys
from engage.channels.voice.voices import speaks_ui_language, voice_for
from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _l, language_name
from engage.extensions import db
from engage.surveys.models import Channel, Survey
from engage.surveys.queries import survey_spec

MAX_AUDIO_BYTES = 2 * 1024 * 1024
_VOICE_NAME = re.compile(r"^[A-Za-z0-9._-]{0,64}$")
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3})?$")


def set_voices(survey: Survey, chosen: Mapping[str, Mapping[str, str]]) -> None:
    """Store each language's voice and recognition code, refusing malformed codes.
    A language left without a voice is read from recordings (keypad only)."""
    problems: list[object] = []
    settings: dict[str, dict[str, str]] = {}
    for locale in survey.locales:
        given = chosen.get(locale, {})
        values = {name: (given.get(name) or "").strip()
                  for name in ("say_voice", "say_language", "speech")}
        lang = language_name(locale)
        if not _VOICE_NAME.match(values["say_voice"]):
            problems.append(_l("%(language)s: the voice name can hold only letters, digits, "
                               "dots and dashes (like Polly.Lupe).", language=lang))
        for name in ("say_language", "speech"):
            if not _LANGUAGE_TAG.match(values[name]):
                problems.append(_l("%(language)s: \"%(code)s\" is not a language code like "
                                   "es-US.", language=lang, code=values[name]))
        if values["say_voice"] and not speaks_ui_language(locale):
            problems.append(_l("%(language)s: Engage has no menus in this language to read "
                               "aloud; upload recordings instead.", language=lang))
        settings[locale] = values
    if problems:
        raise DomainError(*problems)
    survey.voice_settings = settings
    db.session.flush()


def recorded_locales(survey: Survey) -> list[str]:
    return [loc for loc in survey.locales if voice_for(survey.voice_settings, loc).recorded]


def missing_recordings(survey: Survey) -> dict[str, list[str]]:
    """{locale: prompt keys without a recording}, for languages read from recordings."""
    if Channel.VOICE not in survey.channels:
        return {}
    locales = recorded_locales(survey)
    if not locales:
        return {}
    have = set(db.session.execute(select(VoicePrompt.locale, VoicePrompt.key)
                                  .where(VoicePrompt.survey_id == survey.id)))
    keys = prompt_keys(survey_spec(survey, Channel.VOICE))
    missing = {loc: [k for k in keys if (loc, k) not in have] for loc in locales}
    return {loc: keys for loc, keys in missing.items() if keys}


def recording_problems(survey: Survey) -> list[object]:
    """The voice channel's check before publishing: a language read from recordings
    needs every prompt recorded."""
    return [_l("%(language)s by phone: %(count)s recorded prompts are missing.",
               language=language_name(locale), count=len(keys))
            for locale, keys in missing_recordings(survey).items()]


def audio_type(data: bytes) -> str | None:
    """The audio's type from its first bytes (MP3 or WAV, which Twilio plays), or None."""
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    return None


def save_recording(survey: Survey, locale: str, key: str, data: bytes) -> VoicePrompt:
    """Store (or replace) the recording of one prompt in one language."""
    if locale not in survey.locales:
        raise DomainError(_l("This survey is not available in that language."))
    if key not in prompt_keys(survey_spec(survey, Channel.VOICE)):
        raise DomainError(_l("This survey has no such prompt."))
    if not data:
        raise DomainError(_l("Choose an audio file to upload."))
    if len(data) > MAX_AUDIO_BYTES:
        raise DomainError(_l("The recording is too large: at most %(mb)s MB.",
                             mb=MAX_AUDIO_BYTES // (1024 * 1024)))
    kind = audio_type(data)
    if kind is None:
        raise DomainError(_l("Upload an MP3 or WAV file: Twilio cannot play other formats."))
    prompt = db.session.scalar(select(VoicePrompt).where(
        VoicePrompt.survey_id == survey.id, VoicePrompt.locale == locale, VoicePrompt.key == key))
    if prompt is None:
        prompt = VoicePrompt(survey_id=survey.id, locale=locale, key=key)
        db.session.add(prompt)
    prompt.content_type, prompt.data, prompt.uploaded_at = kind, data, utcnow()
    db.session.flush()
    return prompt
