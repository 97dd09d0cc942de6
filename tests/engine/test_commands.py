from __future__ import annotations

import itertools

import pytest
from flask_babel import force_locale, gettext
from hypothesis import given
from hypothesis import strategies as st

from config import TestingConfig
from engage.engine.commands import Command, command, words_for
from engage.engine.words import fold


@pytest.mark.parametrize("cmd", list(Command))
def test_every_word_is_recognised_in_any_case(cmd: Command) -> None:
    for word in words_for(cmd):
        assert command(word) is cmd
        assert command(f"  {word.lower()}! ") is cmd


def test_yes_opts_in_only_after_a_stop() -> None:
    assert command("Yes") is None and command("Sí", opted_out=True) is Command.START


@pytest.mark.parametrize("locale", TestingConfig.UI_LOCALES)
def test_the_skip_word_we_tell_residents_is_one_we_understand(app, locale: str) -> None:
    with app.test_request_context(), force_locale(locale):
        sentence = gettext("Text SKIP to skip.")
    words = sentence.replace(".", " ").replace("。", " ").split()
    candidates = words + [" ".join(pair) for pair in itertools.pairwise(words)]
    assert any(command(c) is Command.SKIP for c in candidates), sentence


@given(st.text(max_size=20))
def test_commands_ignore_case_accents_and_spacing(text: str) -> None:
    assert command(text) == command(fold(text)) == command(f" {text.upper()} ")


@given(st.text(min_size=1, max_size=12))
def test_every_valid_keyword_is_still_looked_up(word: str) -> None:
    """The shortcut that skips the keyword lookup never skips a text that is a keyword."""
    from engage.channels.sms.conversation import could_be_keyword
    from engage.surveys.operations import KEYWORD_RE

    stored = fold(word).upper()
    if KEYWORD_RE.match(stored):
        assert could_be_keyword(word) and could_be_keyword(f" {word.lower()}! ")
