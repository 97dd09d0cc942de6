"""Answer parsing for every question type: what residents type, in any script."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage.engine import TYPES, ChoiceSpec, InvalidAnswer, QuestionSpec
from engage.engine.questions import Stored, SummaryKind
from engage.engine.words import fold, parse_number
from tests.engine.strategies import answers, questions

CHOICES = (ChoiceSpec("bus", {"en": "Bus", "es": "Autobús", "vi": "Xe buýt"}),
           ChoiceSpec("walk", {"en": "Walking", "es": "A pie", "vi": "Đi bộ"}),
           ChoiceSpec("car", {"en": "Car", "es": "Carro", "vi": "Ô tô"}))


def spec(type_: str, **kw) -> QuestionSpec:  # type: ignore[no-untyped-def]
    return QuestionSpec("q", type_, {"en": "?"}, choices=CHOICES if "choice" in type_ else (), **kw)


@pytest.mark.parametrize(("type_", "text", "locale", "expected"), [
    ("single_choice", "2", "en", "walk"),
    ("single_choice", "AUTOBUS", "es", "bus"),
    ("single_choice", "di bo", "vi", "walk"),
    ("multiple_choice", "1, 3", "en", ("bus", "car")),
    ("multiple_choice", "3 y 1", "es", ("bus", "car")),
    ("multiple_choice", "Xe buýt", "vi", ("bus",)),
    ("yes_no", "Sí", "es", "yes"),
    ("yes_no", "không", "vi", "no"),
    ("yes_no", "نعم", "ar", "yes"),
    ("yes_no", "是", "zh_Hans", "yes"),
    ("rating", "５", "en", 5),
    ("number", "٣٥", "ar", 35),
    ("number", "2,5", "es", 2.5),
    ("free_text", "  hola\x00 ", "es", "hola"),
])
def test_text_answers(type_: str, text: str, locale: str, expected: object) -> None:
    q = spec(type_)
    assert TYPES[type_].parse(q, (text,), "text", locale) == expected


@pytest.mark.parametrize(("type_", "text", "code"), [
    ("single_choice", "4", "choose_one"),
    ("multiple_choice", "1, 9", "choose_some"),
    ("yes_no", "maybe", "yes_or_no"),
    ("rating", "6", "rating"),
    ("rating", "2.5", "rating"),
    ("number", "lots", "number"),
    ("number", "nan", "number"),
])
def test_refusals(type_: str, text: str, code: str) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        TYPES[type_].parse(spec(type_), (text,), "text", "en")
    assert refused.value.problem.code == code


def test_form_values_must_be_known_choices() -> None:
    with pytest.raises(InvalidAnswer):
        TYPES["single_choice"].parse(spec("single_choice"), ("train",), "form", "en")
    assert TYPES["multiple_choice"].parse(spec("multiple_choice"), ("car", "bus"), "form", "en") \
        == ("bus", "car")


@given(st.sampled_from(sorted(TYPES)), st.lists(st.text(max_size=30), max_size=3),
       st.sampled_from(["text", "form"]), st.sampled_from(["en", "es", "vi", "ar"]))
def test_parsing_never_fails_except_as_a_refusal(type_: str, raw: list[str], mode: str,
                                                 locale: str) -> None:
    q = spec(type_, minimum=0, maximum=10, max_length=20)
    try:
        value = TYPES[type_].parse(q, tuple(raw), mode, locale)
    except InvalidAnswer as refused:
        assert refused.problem.code
        return
    if value is None:
        return
    if type_ in ("single_choice", "yes_no"):
        assert value in {c.value for c in TYPES[type_].choices(q)}
    elif type_ == "multiple_choice":
        assert value and set(value) <= {c.value for c in CHOICES}
    elif type_ == "rating":
        assert value in range(1, 6)
    elif type_ == "number":
        assert 0 <= value <= 10
    else:
        assert 0 < len(value) <= 20


@given(st.text(max_size=40))
def test_fold_and_numbers_never_crash(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    number = parse_number(text)
    assert number is None or number == number


# -- what a type knows besides parsing: every type answers every question ----------------

@pytest.mark.parametrize("type_", sorted(TYPES))
def test_every_type_states_every_fact(type_: str) -> None:
    kind = TYPES[type_]
    q = spec(type_)
    assert isinstance(kind.asks, bool) and isinstance(kind.comparable, bool)
    assert isinstance(kind.summary, SummaryKind)
    assert kind.asks == (kind.summary is not SummaryKind.NONE)
    assert kind.comparable <= kind.summary.numeric
    assert isinstance(kind.xls_type, str) and kind.xls_type.split()[0]
    assert ("{list}" in kind.xls_type) == kind.summary.tallied
    options = kind.options(q)
    assert all(isinstance(o, ChoiceSpec) for o in options)
    assert len({o.value for o in options}) == len(options)
    assert all(c in options for c in kind.choices(q))
    assert bool(options) == (kind.summary.tallied or kind.summary is SummaryKind.SCALE)
    assert kind.store("x" if kind.summary is SummaryKind.TEXT else 1) is not None


@pytest.mark.parametrize("type_", sorted(TYPES))
def test_every_option_is_an_answer(type_: str) -> None:
    """A form posting any one option gets that option back, as the type's value."""
    kind, q = TYPES[type_], spec(type_)
    for option in kind.options(q):
        value = kind.parse(q, (option.value,), "form", "en")
        assert str(value[0] if isinstance(value, tuple) else value) == option.value


def test_yes_and_no_are_named_by_the_ui_and_a_rating_by_its_points() -> None:
    assert [(o.value, o.ui_word) for o in TYPES["yes_no"].options(spec("yes_no"))] \
        == [("yes", "yes"), ("no", "no")]
    assert [o.value for o in TYPES["rating"].options(spec("rating"))] == ["1", "2", "3", "4", "5"]
    assert TYPES["rating"].choices(spec("rating")) == ()
    assert TYPES["single_choice"].options(spec("single_choice")) == CHOICES


def test_a_note_stores_nothing() -> None:
    note = TYPES["note"]
    assert not note.asks and note.store("anything") == Stored()
    assert note.load(spec("note"), Stored(("bus",), 1.0, "x")) is None
    assert note.sample(spec("note"), random.Random(1)) is None


@given(st.data())
def test_stored_answers_load_as_they_were(data: st.DataObject) -> None:
    q = data.draw(questions(tuple(n for n, t in TYPES.items() if t.asks)))
    value = data.draw(answers(q))
    kind = TYPES[q.type]
    stored = kind.store(value)
    assert kind.load(q, stored) == value
    rows = [(stored.number, stored.text, c) for c in stored.choices] or [(stored.number, stored.text, None)]
    assert kind.load(q, Stored.gather(data.draw(st.permutations(rows)))) == value


@given(st.data())
def test_values_no_longer_offered_are_kept_after_the_others(data: st.DataObject) -> None:
    q = data.draw(questions(("multiple_choice",)))
    known = data.draw(st.lists(st.sampled_from([c.value for c in q.choices]), unique=True))
    gone = data.draw(st.lists(st.sampled_from(["old_b", "old_a"]), min_size=1, unique=True))
    loaded = TYPES["multiple_choice"].load(q, Stored((*gone, *known)))
    assert loaded == (*(c.value for c in q.choices if c.value in known), *sorted(gone))


@given(st.data(), st.randoms(use_true_random=False))
def test_samples_are_valid_answers(data: st.DataObject, rng: random.Random) -> None:
    q = data.draw(questions())
    kind = TYPES[q.type]
    words = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=600)
    texts = data.draw(st.lists(words, max_size=3))
    value = kind.sample(q, rng, shares={"bus": 10}, texts=texts)
    if value is None:
        return
    raw = value if isinstance(value, tuple) else (str(value),)
    assert kind.parse(q, raw, "form", "en") == value
