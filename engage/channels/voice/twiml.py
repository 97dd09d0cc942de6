"""A turn of a call as TwiML: ``<Say>`` in the language's voice, or ``<Play>`` of the
recording staff uploaded; every ``<Gather>`` followed by a ``<Redirect>`` so silence
comes back to us instead of hanging up."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from engage.channels.voice.models import VoicePrompt
from engage.channels.voice.script import Utterance
from engage.channels.voice.turns import Ask, Turn
from engage.channels.voice.voices import Voice, voice_for
from engage.core.urls import public_url
from engage.extensions import db
from engage.surveys.models import Survey


class Speaker:
    """How one survey's languages are heard: voices chosen by staff or the defaults,
    and the recordings of languages without a voice (looked up only when needed)."""

    def __init__(self, survey: Survey | None) -> None:
        self.survey = survey
        self._audio: dict[tuple[str, str], int] | None = None

    def voice(self, locale: str) -> Voice:
        return voice_for(self.survey.voice_settings if self.survey else None, locale)

    def audio(self, locale: str, key: str) -> int | None:
        if self.survey is None:
            return None
        if self._audio is None:
            rows = db.session.execute(select(VoicePrompt.locale, VoicePrompt.key, VoicePrompt.id)
                                      .where(VoicePrompt.survey_id == self.survey.id))
            self._audio = {(loc, k): pid for loc, k, pid in rows}
        return self._audio.get((locale, key))

    def speak(self, node: VoiceResponse, utterance: Utterance) -> None:
        voice = self.voice(utterance.locale)
        if voice.recorded:
            prompt_id = self.audio(utterance.locale, utterance.key)
            if prompt_id is not None:
                node.play(public_url("voice.audio", prompt_id=prompt_id))
                return
            voice = voice_for(None, "en")  # never silent: a missing recording is read in English
        if utterance.text:
            node.say(utterance.text, voice=voice.say_voice, language=voice.say_language)


def render(turn: Turn, step: int) -> str:
    speaker = Speaker(turn.survey)
    response = VoiceResponse()
    for utterance in turn.say:
        speaker.speak(response, utterance)
    if turn.ask is not None:
        _ask(response, turn.ask, speaker, public_url("voice.gather", s=step))
        response.redirect(public_url("voice.gather", s=step, silence=1), method="POST")
    if turn.hangup:
        response.hangup()
    return str(response)


def _ask(response: VoiceResponse, ask: Ask, speaker: Speaker, action: str) -> None:
    if ask.record:
        # Keys pressed during the question (repeat, skip, back) are gathered; otherwise
        # the recording starts after the tone.
        gather = response.gather(action=action, method="POST", input="dtmf", num_digits=1,
                                 timeout=1)
        for utterance in ask.utterances:
            speaker.speak(gather, utterance)
        response.record(action=action, method="POST", finish_on_key="#", play_beep=True,
                        max_length=current_app.config["VOICE_RECORD_SECONDS"], timeout=5,
                        trim="trim-silence")
        return
    voice = speaker.voice(ask.locale)
    options: dict[str, object] = {"action": action, "method": "POST", "timeout": 6,
                                  "input": "dtmf"}
    if ask.single_key:
        options["num_digits"] = 1
    else:
        options["finish_on_key"] = "#"
    if ask.speech and voice.speech:
        options.update(input="dtmf speech", language=voice.speech, speech_timeout="auto")
        if ask.hints:
            options["hints"] = ask.hints
    gather = response.gather(**options)
    for utterance in ask.utterances:
        speaker.speak(gather, utterance)
