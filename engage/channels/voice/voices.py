"""Which voice reads each language, and which code Twilio's speech recognition uses.

They are different codes (``Polly.Lupe`` speaks, ``es-US`` listens), so both are kept
per language; staff may change them per survey. A language with no voice is read from
recordings staff upload, and answered with the keypad only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from engage.core.i18n import normalise_code


@dataclass(frozen=True)
class Voice:
    #: Twilio ``<Say voice>``; empty: no text-to-speech, recordings are played.
    say_voice: str = ""
    #: ``<Say language>``.
    say_language: str = ""
    #: ``<Gather language>`` for speech recognition; empty: keypad only.
    speech: str = ""

    @property
    def recorded(self) -> bool:
        return not self.say_voice

    def to_dict(self) -> dict[str, str]:
        return {"say_voice": self.say_voice, "say_language": self.say_language,
                "speech": self.speech}


#: Sensible defaults (see docs: twilio.md). Languages missing here need recordings.
DEFAULT_VOICES: dict[str, Voice] = {
    "en": Voice("Polly.Joanna", "en-US", "en-US"),
    "es": Voice("Polly.Lupe", "es-US", "es-US"),
    "vi": Voice("Google.vi-VN-Standard-A", "vi-VN", "vi-VN"),
    "tl": Voice("Google.fil-PH-Standard-A", "fil-PH", "fil-PH"),
    "zh_Hans": Voice("Polly.Zhiyu", "cmn-CN", "cmn-Hans-CN"),
    "zh_Hant": Voice("Google.yue-HK-Standard-A", "yue-HK", "yue-Hant-HK"),
    "ar": Voice("Polly.Zeina", "arb", "ar-EG"),
}


def speaks_ui_language(locale: str) -> bool:
    """Text-to-speech needs our own words (menus, "press 9 to repeat") in the language:
    only the UI languages have them."""
    return normalise_code(locale) in current_app.config["UI_LOCALES"]


def voice_for(settings: Mapping[str, Mapping[str, str]] | None, locale: str) -> Voice:
    """The survey's choice for ``locale`` if staff made one, else the default."""
    chosen = (settings or {}).get(locale)
    if chosen is not None:
        voice = Voice(chosen.get("say_voice", "").strip(), chosen.get("say_language", "").strip(),
                      chosen.get("speech", "").strip())
    else:
        voice = DEFAULT_VOICES.get(locale, Voice())
    if voice.say_voice and not speaks_ui_language(locale):
        return Voice(speech="")
    return voice
