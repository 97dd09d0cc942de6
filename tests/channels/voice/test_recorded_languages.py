"""A language Twilio cannot speak (Somali): staff upload a recording of every prompt,
publishing waits for them, and the call plays them and listens to the keypad only."""

from __future__ import annotations

import io

from sqlalchemy import select

from engage.channels.voice.models import VoicePrompt
from engage.channels.voice.operations import missing_recordings, save_recording
from engage.channels.voice.script import prompt_keys
from engage.core.errors import DomainError
from engage.responses.models import AnswerChoice, Response
from engage.surveys import operations
from engage.surveys.models import Channel
from engage.surveys.operations import ChoiceData, QuestionData
from engage.surveys.queries import survey_spec
from tests.channels.voice.caller import Call
from tests.conftest import csrf_token
from tests.factories import survey_data

MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


def somali_survey(db):  # type: ignore[no-untyped-def]
    t = lambda en, so: {"en": en, "so": so}  # noqa: E731
    survey = operations.create_survey(survey_data(
        "caafimaad", locales=["en", "so"], channels=["voice"], title=t("Health", "Caafimaad"),
        intro=t("Tell us", "Noo sheeg"), thanks=t("Thanks", "Mahadsanid")))
    operations.add_question(survey, QuestionData(
        "single_choice", t("Clinic nearby?", "Rugaha caafimaadka?"), key="clinic", required=True,
        choices=[ChoiceData(t("Yes", "Haa"), "yes"), ChoiceData(t("No", "Maya"), "no")]))
    operations.add_question(survey, QuestionData("rating", t("Rate it", "Qiimee"), key="rate"))
    db.commit()
    return survey


def test_publishing_waits_for_every_recording(db, app) -> None:
    survey = somali_survey(db)
    keys = prompt_keys(survey_spec(survey, Channel.VOICE))
    assert keys[0] == "welcome" and "question:clinic" in keys and keys[-1] == "thanks"
    assert missing_recordings(survey) == {"so": keys}
    try:
        operations.publish_survey(survey)
    except DomainError as err:
        assert "Soomaali by phone: 9 recorded prompts are missing." in str(err)
    else:
        raise AssertionError("published without recordings")
    for key in keys[:-1]:
        save_recording(survey, "so", key, MP3)
    assert missing_recordings(survey) == {"so": ["thanks"]}
    save_recording(survey, "so", "thanks", MP3)
    operations.publish_survey(survey)
    assert survey.status == "published"


def test_bad_recordings_are_refused(db, app) -> None:
    survey = somali_survey(db)
    for locale, key, data, message in (
        ("so", "welcome", b"not audio at all", "MP3 or WAV"),
        ("so", "welcome", b"", "Choose an audio file"),
        ("so", "nonsense", MP3, "no such prompt"),
        ("fr", "welcome", MP3, "not available in that language"),
        ("so", "welcome", b"ID3" + b"\0" * (3 * 1024 * 1024), "too large"),
    ):
        try:
            save_recording(survey, locale, key, data)
        except DomainError as err:
            assert message in str(err)
        else:
            raise AssertionError(f"accepted {key} in {locale}")
    assert db.scalar(select(VoicePrompt)) is None


def test_a_somali_call_plays_the_recordings(client, db, login) -> None:
    survey = somali_survey(db)
    login("staff")
    page = client.get(f"/staff/voice/surveys/{survey.id}")
    assert "Recordings in Soomaali" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    for key in prompt_keys(survey_spec(survey, Channel.VOICE)):
        response = client.post(f"/staff/voice/surveys/{survey.id}/recordings", data={
            "csrf_token": token,
            "locale": "so", "key": key, "audio": (io.BytesIO(MP3), f"{key}.mp3")},
            content_type="multipart/form-data")
        assert response.status_code == 302
    operations.publish_survey(survey)
    db.commit()
    ids = {k: i for k, i in db.execute(select(VoicePrompt.key, VoicePrompt.id))}

    call = Call(client, "+16125550133")
    call.dial()
    menu = call.gather()
    assert menu.find("Say").get("voice") == "Polly.Joanna"  # English, spoken
    assert menu.find("Play").text.endswith(f"/voice/audio/{ids['language']}")  # Somali, played
    call.press("2")
    plays = [el.text for el in call.twiml.iter("Play")]
    assert plays == [f"https://engage.example.gov/voice/audio/{ids['welcome']}",
                     f"https://engage.example.gov/voice/audio/{ids['question:clinic']}"]
    assert call.twiml.find("Say") is None
    assert call.gather().get("input") == "dtmf"  # no speech recognition for Somali
    call.press("1")
    assert [el.text for el in call.twiml.iter("Play")][-1].endswith(f"/{ids['question:rate']}")
    call.press("4")
    assert [el.text for el in call.twiml.iter("Play")] == [
        f"https://engage.example.gov/voice/audio/{ids['thanks']}"] and call.ended
    assert db.scalar(select(Response.locale)) == "so"
    assert db.scalar(select(AnswerChoice.value)) == "yes"
    audio = client.get(f"/voice/audio/{ids['welcome']}")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and audio.data == MP3


def test_a_survey_menu_is_spoken_in_a_language_with_a_voice(client, db, make_survey) -> None:
    survey = somali_survey(db)
    survey.default_locale, survey.locales = "so", ["so", "en"]
    for key in prompt_keys(survey_spec(survey, Channel.VOICE)):
        save_recording(survey, "so", key, MP3)
    operations.publish_survey(survey)
    make_survey(channels=["voice"])
    db.commit()
    call = Call(client, "+16125550134")
    call.dial()
    entries = call.gather().findall("Say")
    assert [e.text for e in entries] == ["For Health, press 1.", "For Housing, press 2."]
    assert call.gather().find("Play") is None  # a recording cannot say "press 1"
