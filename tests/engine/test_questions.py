"""Answer parsing for every question type: what residents type, in any script."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage.engine import TYPES, ChoiceSpec, InvalidAnswer, QuestionSpec
from engage.engine.words import fold, parse_number

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
