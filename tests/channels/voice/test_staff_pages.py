"""Staff: voices per language, the call simulator, and residents' spoken answers."""

from __future__ import annotations

from sqlalchemy import select

from engage.channels.voice.models import VoiceCall, VoiceRecording
from engage.responses.models import Response
from tests.channels.voice.caller import Call
from tests.conftest import csrf_token, form_post


def test_staff_choose_voices_and_bad_codes_are_refused(client, db, login, make_survey) -> None:
    survey = make_survey(channels=["voice"])
    login("staff")
    page = f"/staff/voice/surveys/{survey.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'placeholder="Polly.Lupe"' in html and 'placeholder="vi-VN"' in html
    fields = {f"{loc}-{name}": "" for loc in ("en", "es", "vi")
              for name in ("say_voice", "say_language", "speech")}
    refused = form_post(client, page, action="voices",
                        **{**fields, "es-speech": "spanish!!", "es-say_voice": "Polly.Miguel"})
    assert "spanish!!&#34; is not a language code like es-US" in refused.get_data(as_text=True)
    assert survey.voice_settings is None  # nothing saved
    saved = form_post(client, page, action="voices", **{
        **fields, "en-say_voice": "Polly.Joanna", "en-say_language": "en-US", "en-speech": "en-US",
        "es-say_voice": "Polly.Miguel", "es-say_language": "es-US", "es-speech": "es-MX",
        "vi-say_voice": "Google.vi-VN-Standard-A", "vi-say_language": "vi-VN"})
    assert saved.status_code == 302
    db.refresh(survey)
    assert survey.voice_settings["es"] == {"say_voice": "Polly.Miguel", "say_language": "es-US",
                                           "speech": "es-MX"}
    call = Call(client)
    call.dial()
    call.press("2")
    assert call.twiml.find("Gather/Say").get("voice") == "Polly.Miguel"
    assert call.gather().get("language") == "es-MX"
    caller_vi = Call(client, "+12065550190")
    caller_vi.dial()
    caller_vi.press("3")
    assert caller_vi.gather().get("input") == "dtmf"  # no recognition code: keypad only


def test_call_simulator_runs_a_call_on_the_webhook_path(client, db, login, make_survey) -> None:
    make_survey(channels=["voice"])
    login("staff")
    page = client.get("/staff/voice/simulator").get_data(as_text=True)
    token = csrf_token(page)
    client.post("/staff/voice/simulator", data={"csrf_token": token, "action": "call",
                                                "phone": "+1 206 555 0142"})
    html = client.get("/staff/voice/simulator").get_data(as_text=True)
    assert "For English, press 1." in html and "Waiting for one key." in html
    client.post("/staff/voice/simulator", data={"csrf_token": token, "key": "1"})
    html = client.get("/staff/voice/simulator").get_data(as_text=True)
    assert "Own or rent?" in html and "The caller may also speak." in html
    client.post("/staff/voice/simulator", data={"csrf_token": token, "action": "speak",
                                                "speech": "rent"})
    assert "Rate repairs" in client.get("/staff/voice/simulator").get_data(as_text=True)
    response = db.scalar(select(Response))
    assert response.synthetic and response.channel == "voice"
    assert db.scalar(select(VoiceCall.simulated))


def test_spoken_answers_are_listed_for_results_staff(client, db, login, make_survey) -> None:
    survey = make_survey(channels=["voice"], locales=["en"], default_locale="en")
    call = Call(client)
    call.dial()
    for key in ("1", "1", "*0"):
        call.press(key)
    call.record(seconds=21)
    recording = db.scalar(select(VoiceRecording))
    login("viewer")
    html = client.get(f"/staff/voice/surveys/{survey.id}/recordings").get_data(as_text=True)
    assert "Anything else?" in html and "21 s" in html
    listen = client.get(f"/staff/voice/recordings/{recording.id}")
    assert listen.status_code == 302 and listen.location.endswith(f"{'1' * 32}.mp3")
    assert client.get(f"/staff/voice/surveys/{survey.id}").status_code == 403  # viewers can't edit
