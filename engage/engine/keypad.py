"""What a caller's keys or words mean for the question being asked. Pure functions,
in the engine because the resident session reads them (the voice adapter only hears).

Single-key questions (up to eight options, ratings, yes/no) take one key: 9 repeats,
0 skips, * goes back. Typed questions (numbers, several options, more than eight
options) end with #, where 9 and 0 can be answers: there *9 repeats, *0 skips and *
alone goes back (those also work everywhere else).
"""

from __future__ import annotations

from engage.engine.commands import Command, command
from engage.engine.conversation import Action, Input
from engage.engine.questions import question_type
from engage.engine.spec import QuestionSpec

MAX_SINGLE_KEY_CHOICES = 8
KEYS = frozenset("0123456789*")
#: The commands that move within a survey, as the engine's actions (said on a call,
#: texted by SMS): the others (STOP, HELP, LANGUAGE...) belong to the session.
ENGINE_ACTIONS = {Command.SKIP: Action.SKIP, Command.BACK: Action.BACK,
                  Command.REPEAT: Action.REPEAT}


def option_count(q: QuestionSpec) -> int:
    if q.type == "yes_no":
        return 2
    if q.type == "rating":
        return 5
    return len(question_type(q).choices(q)) if question_type(q).has_choices else 0


def typed(q: QuestionSpec) -> bool:
    """Answered with several keys ended by #, rather than one key."""
    if q.type in ("number", "multiple_choice"):
        return True
    return q.type == "single_choice" and option_count(q) > MAX_SINGLE_KEY_CHOICES


def read_keys(q: QuestionSpec, digits: str) -> Input | None:
    """Engine input for what was keyed; None when nothing usable was keyed (silence,
    or only keys that mean nothing, which are treated the same)."""
    keys = "".join(ch for ch in digits if ch in KEYS)
    if not keys:
        return None
    if not keys.strip("*"):  # "*", or "**" from a double press
        return Input(Action.BACK)
    if keys == "*9":
        return Input(Action.REPEAT)
    if keys == "*0":
        return Input(Action.SKIP)
    if not typed(q) or (q.type == "multiple_choice" and option_count(q) <= MAX_SINGLE_KEY_CHOICES):
        if keys == "9":
            return Input(Action.REPEAT)
        if keys == "0":
            return Input(Action.SKIP)
    if q.type == "multiple_choice":
        # "13" is options 1 and 3; with more than nine options they are keyed "1*12".
        parts = keys.split("*") if option_count(q) > 9 else list(keys.replace("*", ""))
        return Input(Action.ANSWER, (" ".join(p for p in parts if p),))
    return Input(Action.ANSWER, (keys.replace("*", " ").strip(),))


def read_speech(text: str) -> Input | None:
    """Engine input for recognised speech: "repeat", "saltar", "atrás"... are commands
    in every language; anything else is an answer in words ("yes", "dos", "bus")."""
    text = " ".join(text.split())
    if not text:
        return None
    cmd = command(text)
    if cmd in ENGINE_ACTIONS:
        return Input(ENGINE_ACTIONS[cmd])
    return Input(Action.ANSWER, (text.rstrip(".?!。？！"),))
