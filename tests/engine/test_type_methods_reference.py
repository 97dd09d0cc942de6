"""Behaviour that moved from switches on a type's name into the type classes is the same
as before: each property runs the old code (tests/engine/reference_switches.py) and the
new on generated questions and answers."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from engage.engine import QuestionSpec
from engage.surveys.texts import choice_labels
from tests.engine import reference_switches as old
from tests.engine.strategies import LOCALES, questions


@given(questions(), st.sampled_from(LOCALES))
def test_option_labels_are_unchanged(app: Flask, q: QuestionSpec, locale: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert choice_labels(q, locale, "en") == old.choice_labels(q, locale, "en")
