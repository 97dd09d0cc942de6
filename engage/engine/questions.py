"""Question types. Each type is one class: it parses channel input into a canonical
value, validates it, and says how the value is stored. Adding a type is adding a class.

Channels give input in one of two modes:

* ``form``: the values a web form posted (choice values, a number as typed);
* ``text``: what a resident texted or keyed ("2", "dos", "2,4", "yes", "١٢").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engage.engine.spec import ChoiceSpec, QuestionSpec, Value
from engage.engine.words import JOINERS, NO_WORDS, YES_WORDS, fold, parse_number, tokens


@dataclass(frozen=True)
class Problem:
    """Why input was refused: a code the channel translates, with parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


class InvalidAnswer(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.problem = Problem(code, params)


class QuestionType:
    name: ClassVar[str]
    #: Where the answer is stored: "choices", "number" or "text".
    storage: ClassVar[str]
    has_choices: ClassVar[bool] = False

    def choices(self, q: QuestionSpec) -> tuple[ChoiceSpec, ...]:
        return q.choices

    def parse(self, q: QuestionSpec, raw: Sequence[str], mode: str, locale: str) -> Value | None:
        """Canonical value, or None for "no answer given"; raises InvalidAnswer."""
        values = [v for v in (r.strip() for r in raw) if v]
        if not values:
            return None
        if mode == "form":
            return self.parse_form(q, values)
        return self.parse_text(q, " ".join(values), locale)

    def parse_form(self, q: QuestionSpec, values: list[str]) -> Value:
        return self.parse_text(q, values[0], "")

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        raise NotImplementedError


def _match_choice(choices: Sequence[ChoiceSpec], token: str, locale: str) -> str | None:
    """A choice by its number ("2"), its value, or its label in any language."""
    folded = fold(token)
    number = parse_number(folded)
    if number is not None and number.is_integer() and 1 <= number <= len(choices):
        return choices[int(number) - 1].value
    for choice in choices:
        if folded == fold(choice.value):
            return choice.value
    for choice in choices:
        labels = [choice.label.get(locale, "")] + list(choice.label.values())
        if any(label and folded == fold(label) for label in labels):
            return choice.value
    return None


class SingleChoice(QuestionType):
    name = "single_choice"
    storage = "choices"
    has_choices = True

    def parse_form(self, q: QuestionSpec, values: list[str]) -> Value:
        if len(values) != 1 or values[0] not in {c.value for c in self.choices(q)}:
            raise InvalidAnswer("choose_one", count=len(self.choices(q)))
        return values[0]

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        value = _match_choice(self.choices(q), text, locale)
        if value is None:
            raise InvalidAnswer("choose_one", count=len(self.choices(q)))
        return value


class MultipleChoice(QuestionType):
    name = "multiple_choice"
    storage = "choices"
    has_choices = True

    def _ordered(self, q: QuestionSpec, picked: set[str]) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices(q) if c.value in picked)

    def parse_form(self, q: QuestionSpec, values: list[str]) -> Value:
        known = {c.value for c in self.choices(q)}
        if not set(values) <= known:
            raise InvalidAnswer("choose_some", count=len(known))
        return self._checked(q, set(values))

    def _checked(self, q: QuestionSpec, picked: set[str]) -> tuple[str, ...]:
        exclusive = [c for c in self.choices(q) if c.exclusive and c.value in picked]
        if exclusive and len(picked) > 1:
            raise InvalidAnswer("exclusive", value=exclusive[0].value)
        return self._ordered(q, picked)

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        """Numbers ("2,4", "2 y 4") and labels, several words long or not ("autobús y a
        pie"): labels are found first, longest first, then what is left must be numbers."""
        choices = self.choices(q)
        whole = _match_choice(choices, text, locale)
        if whole is not None:
            return (whole,)
        rest = f" {' '.join(tokens(text))} "
        picked = set()
        labelled = sorted(((fold(label), c.value) for c in choices for label in c.label.values()
                           if label), key=lambda pair: -len(pair[0]))
        for label, value in labelled:
            if f" {label} " in rest:
                picked.add(value)
                rest = rest.replace(f" {label} ", " ")
        for token in rest.split():
            if token in JOINERS:
                continue
            value = _match_choice(choices, token, locale)
            if value is None:
                raise InvalidAnswer("choose_some", count=len(choices))
            picked.add(value)
        if not picked:
            raise InvalidAnswer("choose_some", count=len(choices))
        return self._checked(q, picked)


class YesNo(SingleChoice):
    name = "yes_no"
    has_choices = False
    CHOICES = (
        ChoiceSpec("yes", {}),
        ChoiceSpec("no", {}),
    )

    def choices(self, q: QuestionSpec) -> tuple[ChoiceSpec, ...]:
        return self.CHOICES

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        folded = fold(text)
        if folded in ("1",) or folded in YES_WORDS:
            return "yes"
        if folded in ("2",) or folded in NO_WORDS:
            return "no"
        raise InvalidAnswer("yes_or_no")


class Number(QuestionType):
    name = "number"
    storage = "number"

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        number = parse_number(text)
        if number is None:
            raise InvalidAnswer("number")
        return self.check_range(q, number)

    def check_range(self, q: QuestionSpec, number: float) -> Value:
        low = q.minimum if q.minimum is not None else -1e12
        high = q.maximum if q.maximum is not None else 1e12
        if not low <= number <= high:
            raise InvalidAnswer("number_range", minimum=_tidy(low), maximum=_tidy(high))
        return _tidy(number)


class Rating(Number):
    name = "rating"
    SCALE = (1, 5)

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        number = parse_number(text)
        low, high = self.SCALE
        if number is None or not number.is_integer() or not low <= number <= high:
            raise InvalidAnswer("rating", minimum=low, maximum=high)
        return int(number)


class FreeText(QuestionType):
    name = "free_text"
    storage = "text"
    DEFAULT_MAX = 2000

    def parse(self, q: QuestionSpec, raw: Sequence[str], mode: str, locale: str) -> Value | None:
        text = " ".join(r.strip() for r in raw if r.strip())
        text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
        if not text:
            return None
        limit = q.max_length or self.DEFAULT_MAX
        if len(text) > limit:
            raise InvalidAnswer("too_long", maximum=limit, length=len(text))
        return text


class Note(QuestionType):
    """Text to read, nothing to answer (XLSForm ``note``): every input moves on."""

    name = "note"
    storage = "none"

    def parse(self, q: QuestionSpec, raw: Sequence[str], mode: str, locale: str) -> Value | None:
        return None


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


TYPES: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), Rating(), YesNo(), Number(), FreeText(),
                        Note())
}


def question_type(q: QuestionSpec | str) -> QuestionType:
    return TYPES[q if isinstance(q, str) else q.type]
