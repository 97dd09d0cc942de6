"""Question types. Each type is one class: it parses channel input into a canonical
value, validates it, stores and loads it, lists its options, and says how results count
it. Code outside the engine asks the type rather than comparing its name, so adding a
type is adding a class.

Channels give input in one of two modes:

* ``form``: the values a web form posted (choice values, a number as typed);
* ``text``: what a resident texted or keyed ("2", "dos", "2,4", "yes", "١٢").
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Protocol, TypeVar

from engage.engine.spec import ChoiceSpec, QuestionSpec, Value
from engage.engine.words import JOINERS, NO_WORDS, YES_WORDS, fold, parse_number, tokens


@dataclass(frozen=True)
class Problem:
    """Why input was refused: a code the channel translates, with parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


R = TypeVar("R", covariant=True)


class InvalidAnswer(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.problem = Problem(code, params)


class SummaryKind(Enum):
    """How results count a type's answers. A new type picks one, and results, exports
    and charts follow without knowing its name."""

    ONE = "one"  # one option each: shares of the respondents add up to 100%
    MANY = "many"  # several options each: shares add up to more
    SCALE = "scale"  # a point on a fixed scale with labelled ends: centre and spread
    NUMBER = "number"  # any number: centre and spread
    TEXT = "text"  # words: read and coded by staff, never counted
    NONE = "none"  # nothing asked

    @property
    def tallied(self) -> bool:
        """Counted per option: respondents who chose each value."""
        return self in (SummaryKind.ONE, SummaryKind.MANY)

    @property
    def numeric(self) -> bool:
        """Counted per number: a distribution, its mean and quartiles."""
        return self in (SummaryKind.SCALE, SummaryKind.NUMBER)

    @property
    def several(self) -> bool:
        """A respondent may give several answers, so the respondents are not the sum of
        the counts, and shares add up to more than 100%."""
        return self is SummaryKind.MANY


class Shape(Enum):
    """How a resident answers, which each channel shows its own way: a channel writes one
    :class:`Renderer` method per shape, so a new type of a known shape needs no channel
    change, and a new shape is missing from every renderer at once (a test checks)."""

    ONE_OF = "one_of"  # pick one option
    MANY_OF = "many_of"  # pick several options
    SCALE = "scale"  # a point from 1 to 5 with labelled ends
    NUMBER = "number"
    WORDS = "words"  # in the resident's own words
    NOTE = "note"  # read, never answered


class Renderer(Protocol[R]):
    """A channel's way of showing each shape of question (``render_question`` picks the method)."""

    def one_of(self, q: QuestionSpec, /, *args: Any) -> R: ...
    def many_of(self, q: QuestionSpec, /, *args: Any) -> R: ...
    def scale(self, q: QuestionSpec, /, *args: Any) -> R: ...
    def number(self, q: QuestionSpec, /, *args: Any) -> R: ...
    def words(self, q: QuestionSpec, /, *args: Any) -> R: ...
    def note(self, q: QuestionSpec, /, *args: Any) -> R: ...


def render_question(renderer: Renderer[R], q: QuestionSpec, *args: Any) -> R:
    """``renderer``'s rendering of ``q``, by the shape of its type."""
    method: Callable[..., R] = getattr(renderer, question_type(q).shape.value)
    return method(q, *args)


@dataclass(frozen=True)
class Stored:
    """An answer as the answer tables hold it: the chosen values (one row each), a
    number or a text. Results count these columns in SQL, so each type says which."""

    choices: tuple[str, ...] = ()
    number: float | None = None
    text: str | None = None

    @classmethod
    def gather(cls, rows: Iterable[tuple[float | None, str | None, str | None]]) -> Stored:
        """One answer from its rows as an outer join of answers and chosen values gives
        them, ``(number, text, choice)``: one row per value chosen, or one with none."""
        number: float | None = None
        text: str | None = None
        choices: list[str] = []
        for row_number, row_text, choice in rows:
            number = row_number if row_number is not None else number
            text = row_text if row_text is not None else text
            if choice is not None:
                choices.append(choice)
        return cls(tuple(choices), number, text)


class QuestionType:
    name: ClassVar[str]
    #: Where the answer is stored: "choices", "number" or "text" (see :meth:`store`).
    storage: ClassVar[str]
    #: Staff write the question's choices (at least two).
    has_choices: ClassVar[bool] = False
    #: False for text that is only read: never answered, counted or exported.
    asks: ClassVar[bool] = True
    summary: ClassVar[SummaryKind]
    shape: ClassVar[Shape]
    #: Skip logic may compare the answer with > and < (``gt``, ``lt``).
    comparable: ClassVar[bool] = False
    #: The XLSForm type, ``{list}`` standing for the choice list's name.
    xls_type: ClassVar[str]
    #: Choices the type brings itself, the same for all its questions (yes and no).
    own_choices: ClassVar[tuple[ChoiceSpec, ...]] = ()

    def choices(self, q: QuestionSpec) -> tuple[ChoiceSpec, ...]:
        """The values an answer chooses from, as stored: the type's own, else the
        question's."""
        return self.own_choices or q.choices

    def options(self, q: QuestionSpec) -> tuple[ChoiceSpec, ...]:
        """What a resident picks from, in order, as every channel lists it: the choices,
        and a rating's points. An option with no label is called by its value."""
        return self.choices(q)

    def store(self, value: Value) -> Stored:
        """What the answer tables hold for ``value`` (a canonical answer)."""
        raise NotImplementedError

    def load(self, q: QuestionSpec, stored: Stored) -> Value | None:
        """The canonical answer back from :meth:`store`'s columns; None if they hold
        none of this type's."""
        raise NotImplementedError

    def sample(self, q: QuestionSpec, rng: random.Random, *,
               shares: Mapping[str, float] | None = None,
               texts: Sequence[str] = ()) -> Value | None:
        """A plausible answer for demo data, or None (left blank). ``shares``: how
        common each choice is (others get a falling weight); ``texts``: words to write."""
        return None

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


class ChoiceType(QuestionType):
    """What single and multiple choice share: stored as chosen values, sampled alike."""

    storage = "choices"
    has_choices = True
    #: Demo residents pick an exclusive choice ("Prefer not to say") this often.
    ALONE_SHARE = 0.05

    def store(self, value: Value) -> Stored:
        return Stored(choices=tuple(str(v) for v in (value if isinstance(value, tuple) else (value,))))

    def sample(self, q: QuestionSpec, rng: random.Random, *,
               shares: Mapping[str, float] | None = None,
               texts: Sequence[str] = ()) -> Value | None:
        """Earlier options likelier (or as ``shares`` says), so groups differ in size as
        they do in a city."""
        plain = [c.value for c in self.choices(q) if not c.exclusive]
        alone = [c.value for c in self.choices(q) if c.exclusive]
        if alone and rng.random() < self.ALONE_SHARE:
            return self._answer(q, {rng.choice(alone)})
        weights = [(shares or {}).get(value, 0) or 1.0 / (rank + 1) ** 0.7
                   for rank, value in enumerate(plain)]
        return self._answer(q, {rng.choices(plain, weights)[0] for _i in range(self._picks(rng))})

    def _picks(self, rng: random.Random) -> int:
        return 1

    def _answer(self, q: QuestionSpec, picked: set[str]) -> Value:
        raise NotImplementedError


class SingleChoice(ChoiceType):
    name = "single_choice"
    summary = SummaryKind.ONE
    shape = Shape.ONE_OF
    xls_type = "select_one {list}"

    def load(self, q: QuestionSpec, stored: Stored) -> Value | None:
        values = _in_order(self.choices(q), stored.choices)
        return values[0] if values else None

    def _answer(self, q: QuestionSpec, picked: set[str]) -> Value:
        (value,) = picked
        return value

    def parse_form(self, q: QuestionSpec, values: list[str]) -> Value:
        if len(values) != 1 or values[0] not in {c.value for c in self.choices(q)}:
            raise InvalidAnswer("choose_one", count=len(self.choices(q)))
        return values[0]

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        value = _match_choice(self.choices(q), text, locale)
        if value is None:
            raise InvalidAnswer("choose_one", count=len(self.choices(q)))
        return value


class MultipleChoice(ChoiceType):
    name = "multiple_choice"
    summary = SummaryKind.MANY
    shape = Shape.MANY_OF
    xls_type = "select_multiple {list}"
    #: Demo residents pick two options this often.
    TWO_SHARE = 0.15

    def _ordered(self, q: QuestionSpec, picked: set[str]) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices(q) if c.value in picked)

    def load(self, q: QuestionSpec, stored: Stored) -> Value | None:
        return _in_order(self.choices(q), stored.choices) or None

    def _picks(self, rng: random.Random) -> int:
        return 2 if rng.random() < self.TWO_SHARE else 1

    def _answer(self, q: QuestionSpec, picked: set[str]) -> Value:
        return self._ordered(q, picked)

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
    own_choices = (
        ChoiceSpec("yes", {}, ui_word="yes"),
        ChoiceSpec("no", {}, ui_word="no"),
    )
    #: Demo residents say yes a third of the time.
    SAMPLES = ("yes", "no", "no")

    def sample(self, q: QuestionSpec, rng: random.Random, *,
               shares: Mapping[str, float] | None = None,
               texts: Sequence[str] = ()) -> Value | None:
        return rng.choice(self.SAMPLES)

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
    summary = SummaryKind.NUMBER
    shape = Shape.NUMBER
    comparable = True
    xls_type = "decimal"
    #: Demo answers: low, high and most common (years lived somewhere: mostly a few).
    SAMPLE_SPREAD = (0, 60, 6)

    def store(self, value: Value) -> Stored:
        return Stored(number=float(value))  # type: ignore[arg-type]

    def load(self, q: QuestionSpec, stored: Stored) -> Value | None:
        return None if stored.number is None else _tidy(stored.number)

    def sample(self, q: QuestionSpec, rng: random.Random, *,
               shares: Mapping[str, float] | None = None,
               texts: Sequence[str] = ()) -> Value | None:
        """Within the question's limits."""
        number: float = int(rng.triangular(*self.SAMPLE_SPREAD))
        if q.minimum is not None:
            number = max(number, q.minimum)
        if q.maximum is not None:
            number = min(number, q.maximum)
        return _tidy(number)

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
    summary = SummaryKind.SCALE
    shape = Shape.SCALE
    xls_type = "range"
    SCALE = (1, 5)
    #: How often demo residents give each point: the middle, a little positive.
    SAMPLE_WEIGHTS = (3, 4, 4, 3, 2)

    def options(self, q: QuestionSpec) -> tuple[ChoiceSpec, ...]:
        low, high = self.SCALE
        return tuple(ChoiceSpec(str(n), {}) for n in range(low, high + 1))

    def sample(self, q: QuestionSpec, rng: random.Random, *,
               shares: Mapping[str, float] | None = None,
               texts: Sequence[str] = ()) -> Value | None:
        low, high = self.SCALE
        return rng.choices(range(low, high + 1), self.SAMPLE_WEIGHTS)[0]

    def parse_text(self, q: QuestionSpec, text: str, locale: str) -> Value:
        number = parse_number(text)
        low, high = self.SCALE
        if number is None or not number.is_integer() or not low <= number <= high:
            raise InvalidAnswer("rating", minimum=low, maximum=high)
        return int(number)


class FreeText(QuestionType):
    name = "free_text"
    storage = "text"
    summary = SummaryKind.TEXT
    shape = Shape.WORDS
    xls_type = "text"
    DEFAULT_MAX = 2000
    #: Demo residents write something this often (one of ``texts``), else leave it blank.
    WRITE_SHARE = 0.4

    def store(self, value: Value) -> Stored:
        return Stored(text=str(value))

    def load(self, q: QuestionSpec, stored: Stored) -> Value | None:
        return stored.text

    def sample(self, q: QuestionSpec, rng: random.Random, *,
               shares: Mapping[str, float] | None = None,
               texts: Sequence[str] = ()) -> Value | None:
        if not texts or rng.random() >= self.WRITE_SHARE:
            return None
        return rng.choice(texts)[:q.max_length or self.DEFAULT_MAX] or None

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
    asks = False
    summary = SummaryKind.NONE
    shape = Shape.NOTE
    xls_type = "note"

    def store(self, value: Value) -> Stored:
        return Stored()

    def load(self, q: QuestionSpec, stored: Stored) -> Value | None:
        return None

    def parse(self, q: QuestionSpec, raw: Sequence[str], mode: str, locale: str) -> Value | None:
        return None


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _in_order(choices: Sequence[ChoiceSpec], values: Iterable[str]) -> tuple[str, ...]:
    """Stored values in the order the choices are offered; any no longer offered after
    them, sorted, so nothing stored is lost and the order never depends on the query."""
    rank = {c.value: i for i, c in enumerate(choices)}
    return tuple(sorted(values, key=lambda v: (rank.get(v, len(rank)), v)))


TYPES: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), Rating(), YesNo(), Number(), FreeText(),
                        Note())
}


def question_type(q: QuestionSpec | str) -> QuestionType:
    return TYPES[q if isinstance(q, str) else q.type]
