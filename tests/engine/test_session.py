"""The resident session machine, with no database: each rule by example, then random
contacts across text and call that must never lose an answer, ask a hidden question,
text an opted-out resident or set answers aside without asking."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.engine import State
from engage.engine.session import (
    Apply,
    Contact,
    Invite,
    Keys,
    Keyword,
    Recorded,
    Said,
    SetAside,
    Silence,
    Stage,
    StartResponse,
    Unclear,
)
from tests.engine.session_world import FULL, SPEC, StoredResponse, World


def kinds(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.kind for s in decision.say]


def asked(decision) -> str | None:  # type: ignore[no-untyped-def]
    return decision.asking.key if decision.asking else None


# -- by example ------------------------------------------------------------------------

def test_a_keyword_asks_the_language_then_starts_with_the_note_and_first_question() -> None:
    world = World()
    menu = world.turn("sms", Keyword(1))
    assert kinds(menu) == ["language_menu"] and menu.say[0].items == ("en", "es")
    first = world.turn("sms", Said("Español"))
    assert kinds(first) == ["welcome", "note", "question"] and asked(first) == "tenure"
    assert first.say[-1].locale == "es" and world.locale == "es"
    assert [r.state.current for r in world.responses.values()] == ["tenure"]


def test_a_languages_own_keyword_or_a_known_language_skips_the_menu() -> None:
    world = World(locale="es")
    assert asked(world.turn("sms", Keyword(1))) == "tenure"
    other = World()
    assert kinds(other.turn("sms", Keyword(1, "es")))[0] == "welcome"


def test_stop_wins_is_confirmed_once_and_silences_everything_until_start() -> None:
    world = World(locale="en")
    world.turn("sms", Keyword(1))
    assert kinds(world.turn("sms", Said("stop"))) == ["stopped"] and world.opted_out
    assert world.turn("sms", Said("STOP")).say == ()
    assert world.turn("sms", Said("1")).say == ()
    assert world.turn("sms", Keyword(1)).say == ()
    assert kinds(world.turn("sms", Said("START"))) == ["started"] and not world.opted_out
    assert kinds(world.turn("sms", Keyword(1))) == ["resume_menu"], "nothing was set aside"


def test_help_keeps_the_place() -> None:
    world = World(locale="en")
    world.turn("sms", Keyword(1))
    before = world.conversation
    help_ = world.turn("sms", Said("AYUDA"))
    assert kinds(help_) == ["help"] and help_.say[0].items == ("HOUSING", "PARKS")
    assert world.conversation.stage == before.stage == Stage.ANSWERING


def test_a_lapsed_text_gets_help_and_the_keyword_offers_to_continue() -> None:
    world = World(locale="en")
    world.turn("sms", Keyword(1))
    world.turn("sms", Said("2"))  # rent
    world.wait(73)
    assert kinds(world.turn("sms", Said("4"))) == ["help"]
    assert dict(world.responses[1].state.answers) == {"tenure": "rent"}, "a lapse touches nothing"
    assert kinds(world.turn("sms", Keyword(1))) == ["resume_menu"]
    again = world.turn("sms", Said("1"))
    assert asked(again) == "landlord"


def test_start_again_sets_the_old_response_aside_with_its_answers() -> None:
    world = World(locale="en")
    world.turn("sms", Keyword(1))
    world.turn("sms", Said("2"))
    world.turn("sms", Keyword(1))
    fresh = world.turn("sms", Said("2"))
    assert any(isinstance(e, SetAside) for e in fresh.effects) and asked(fresh) == "tenure"
    old, new = world.responses[1], world.responses[2]
    assert old.status == "abandoned" and dict(old.state.answers) == {"tenure": "rent"}
    assert new.status == "in_progress" and dict(new.state.answers) == {}


def test_a_call_days_after_texting_offers_to_continue_the_texted_answers() -> None:
    world = World(locale="en", surveys={1: World().surveys[1]})
    world.turn("sms", Keyword(1))
    world.turn("sms", Said("2"))  # rent
    world.wait(24 * 4)
    offer = world.turn("voice", Contact())
    assert kinds(offer) == ["resume_menu"]
    assert asked(world.turn("voice", Keys("1"))) == "landlord"
    world.turn("voice", Keys("5"))
    world.turn("voice", Keys("1"))  # needs: bus
    done = world.turn("voice", Recorded("RE1", 4))
    assert done.end and kinds(done)[-1] == "thanks"
    [response] = world.responses.values()
    assert response.status == "complete" and response.state.answers["tenure"] == "rent"


def test_a_call_with_several_surveys_offers_a_menu_and_retries_a_wrong_key() -> None:
    world = World()
    assert kinds(world.turn("voice", Contact())) == ["survey_menu"]
    assert kinds(world.turn("voice", Keys("7"))) == ["retry", "survey_menu"]
    assert kinds(world.turn("voice", Silence())) == ["survey_menu"], "silence: no 'sorry'"
    assert kinds(world.turn("voice", Keys("2")))[:1] == ["welcome"]


def test_silence_asks_again_then_skips_an_optional_question_then_goodbye() -> None:
    world = World(locale="en", surveys={2: World().surveys[2]})
    assert asked(world.turn("voice", Contact())) == "needs"
    assert asked(world.turn("voice", Silence())) == "needs"
    assert asked(world.turn("voice", Silence())) == "say", "optional: skipped"
    assert kinds(world.turn("voice", Unclear())) == ["retry", "question"]
    assert asked(world.turn("voice", Silence())) == "say"
    assert kinds(world.turn("voice", Silence())) == ["thanks"], "skipped: the survey is done"


def test_three_silences_in_a_row_at_a_menu_say_goodbye() -> None:
    world = World()
    world.turn("voice", Contact())
    world.turn("voice", Silence())
    world.turn("voice", Silence())
    bye = world.turn("voice", Silence())
    assert bye.end and kinds(bye) == ["goodbye"]


def test_a_required_question_met_by_silence_says_goodbye_and_keeps_the_answers() -> None:
    world = World(locale="en", surveys={1: World().surveys[1]})
    world.turn("voice", Contact())
    world.turn("voice", Silence())
    bye = world.turn("voice", Silence())
    assert bye.end and kinds(bye) == ["goodbye"] and world.responses[1].status == "in_progress"


def test_a_survey_begun_on_the_web_goes_on_by_text_with_its_answers() -> None:
    """The web asked a question texts do not: the text goes on at the next question it
    asks, with the web's answers kept for skip logic (never restarted from nothing)."""
    world = World(locale="en")
    web_state = State("en", {"tenure": "rent", "landlord": 2}, "photo_ok", ("tenure", "landlord"))
    world.responses[1] = replace(world.responses.get(1) or _stored(web_state), state=web_state)
    assert kinds(world.turn("sms", Keyword(1))) == ["resume_menu"]
    go_on = world.turn("sms", Said("1"))
    assert asked(go_on) == "needs"
    assert dict(world.responses[1].state.answers) == {"tenure": "rent", "landlord": 2}


def test_an_invitation_waits_for_a_reply_but_never_interrupts() -> None:
    world = World(locale="en")
    world.turn("sms", Invite(2))
    assert world.conversation.stage == Stage.INVITED
    assert asked(world.turn("sms", Said("yes please"))) == "needs"
    world.turn("sms", Invite(1))
    assert world.conversation.survey_id == 2, "in the middle of another survey"
    world.wait(25)  # PARKS lapses after a day
    world.turn("sms", Invite(1))
    assert world.conversation.stage == Stage.INVITED and world.conversation.survey_id == 1


def test_a_closed_survey_ends_the_conversation() -> None:
    world = World(locale="en")
    world.turn("sms", Keyword(1))
    world.closed.add(1)
    assert kinds(world.turn("sms", Said("1"))) == ["help"]
    assert world.conversation.stage == Stage.DONE


def _stored(state: State) -> StoredResponse:
    return StoredResponse(1, 1, "web", state)


# -- the property ------------------------------------------------------------------------

TEXTS = ["1", "2", "3", "1,3", "bus", "Español", "SKIP", "BACK", "REPEAT", "LANGUAGE", "HELP",
         "STOP", "PARAR", "START", "hello", "", "9", "yes"]
events = st.one_of(
    st.tuples(st.just("sms"), st.sampled_from(TEXTS).map(Said)),
    st.tuples(st.just("sms"), st.sampled_from([Keyword(1), Keyword(2), Keyword(1, "es")])),
    st.tuples(st.just("sms"), st.sampled_from([Invite(1), Invite(2)])),
    st.tuples(st.just("voice"), st.sampled_from(
        [Contact(), Silence(), Unclear(), Keys("1"), Keys("2"), Keys("3"), Keys("*"), Keys("0"),
         Keys("9"), Keys("13#"), Said("bus"), Recorded("RE1", 3), Recorded("RE2", 0)])),
    st.tuples(st.just("wait"), st.floats(min_value=0, max_value=200)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_random_contacts_never_lose_or_hide_or_pester(steps) -> None:  # type: ignore[no-untyped-def]
    world = World()
    offered = False  # the resume menu was said and the session still waits on it
    for channel, event in steps:
        if channel == "wait":
            world.wait(event)
            continue
        stored_before = {rid: (r.status, dict(r.state.answers)) for rid, r in world.responses.items()}
        opted_out_before = world.opted_out
        latest_before = {sid: world.latest(sid) for sid in world.surveys}
        decision = world.turn(channel, event)
        said = kinds(decision)
        # (c) an opted-out resident is texted nothing but the confirmation of START
        if opted_out_before and channel == "sms":
            assert said in ([], ["started"])
        for effect in decision.effects:
            # (d) answers are set aside only after the resident was asked and chose to
            if isinstance(effect, SetAside):
                assert offered, "asked first"
                assert event in (Said("2"), Keys("2"))
            # (e) no second live response while one is unfinished, unless set aside first
            if isinstance(effect, StartResponse):
                live = latest_before[effect.survey_id]
                set_aside = any(isinstance(e, SetAside) for e in decision.effects)
                assert live is None or (live.complete is False and set_aside)
        # (a) an answer disappears only by the engine's own change (re-answer, skip, hidden)
        for rid, (status, answers) in stored_before.items():
            now = world.responses[rid]
            if status == "abandoned":
                assert now.status == "abandoned" and dict(now.state.answers) == answers
            for key in answers:
                if key not in now.state.answers:
                    spec = world.spec(now.survey_id)
                    hidden = key in {q.key for q in spec.questions} and not spec.question(
                        key).visible(now.state.answers)
                    assert hidden or _skipped_or_changed(decision, key)
        # (b) every question asked applies now and is one this channel asks
        if decision.asking is not None:
            response = world.responses[world.conversation.response_id]
            assert decision.asking.visible(response.state.answers)
            assert decision.asking in SPEC.questions + world.spec(2).questions
            assert decision.asking.key not in {q.key for q in FULL.questions} - {
                q.key for q in SPEC.questions}
        if "resume_menu" in said:
            offered = True
        elif world.conversation.stage != Stage.RESUME_OFFERED:
            offered = False


def _skipped_or_changed(decision, key: str) -> bool:  # type: ignore[no-untyped-def]
    return any(isinstance(e, Apply) and key in e.outcome.changes for e in decision.effects)
