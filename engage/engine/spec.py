"""What the engine knows of a survey: questions, choices and skip conditions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: An answer in canonical form: a choice value, a tuple of them, a number or text.
Value = str | tuple[str, ...] | int | float

Text = Mapping[str, str]


@dataclass(frozen=True)
class ChoiceSpec:
    value: str
    label: Text
    #: Cannot be combined with other choices ("Prefer not to say", "None of these").
    exclusive: bool = False
    #: The choice this one details (a detailed race group under its minimum category).
    group: str | None = None
    #: Named by a word of the UI's own ("yes", "no") rather than survey text: each channel
    #: says it from its catalogue, in the resident's language.
    ui_word: str | None = None


Op = Literal["equals", "not_equals", "answered", "not_answered", "gt", "lt"]
OPS: tuple[str, ...] = ("equals", "not_equals", "answered", "not_answered", "gt", "lt")


@dataclass(frozen=True)
class Clause:
    """One test of an earlier answer. Blank answers follow XLSForm/ODK semantics:
    ``not_equals`` holds for a blank, ``equals``, ``gt`` and ``lt`` do not."""

    question: str
    op: Op
    value: str | float | None = None

    def holds(self, answers: Mapping[str, Value]) -> bool:
        answer = answers.get(self.question)
        if self.op == "answered":
            return answer is not None
        if self.op == "not_answered":
            return answer is None
        if self.op in ("gt", "lt"):
            if not isinstance(answer, int | float) or self.value is None:
                return False
            return answer > float(self.value) if self.op == "gt" else answer < float(self.value)
        if isinstance(answer, tuple):
            matched = str(self.value) in answer
        else:
            matched = answer is not None and str(answer) == str(self.value)
        return matched if self.op == "equals" else not matched

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Condition:
    """"Ask only if": every clause (``all``) or one of them (``any``) holds."""

    clauses: tuple[Clause, ...]
    mode: Literal["all", "any"] = "all"

    def holds(self, answers: Mapping[str, Value]) -> bool:
        results = (clause.holds(answers) for clause in self.clauses)
        return all(results) if self.mode == "all" else any(results)

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "clauses": [c.to_dict() for c in self.clauses]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Condition | None:
        if not data or not data.get("clauses"):
            return None
        clauses = tuple(Clause(c["question"], c["op"], c.get("value")) for c in data["clauses"])
        return cls(clauses, data.get("mode", "all"))

    @property
    def questions(self) -> set[str]:
        return {c.question for c in self.clauses}


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    type: str
    prompt: Text
    required: bool = False
    choices: tuple[ChoiceSpec, ...] = ()
    help: Text = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    low_label: Text = field(default_factory=dict)
    high_label: Text = field(default_factory=dict)
    condition: Condition | None = None
    dimension: str | None = None
    #: The stored question's id, for adapters that write answers; the engine ignores it.
    id: int | None = field(default=None, compare=False)

    def visible(self, answers: Mapping[str, Value]) -> bool:
        return self.condition is None or self.condition.holds(answers)


@dataclass(frozen=True)
class SurveySpec:
    slug: str
    default_locale: str
    locales: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]

    def __post_init__(self) -> None:
        """Conditions look back only. A reference to a question this channel does not
        ask is allowed: that question is simply never answered here."""
        position = {q.key: i for i, q in enumerate(self.questions)}
        for i, q in enumerate(self.questions):
            if q.condition and any(position.get(ref, -1) >= i for ref in q.condition.questions):
                raise ValueError(f"{q.key}: a condition may only refer to earlier questions")

    def question(self, key: str) -> QuestionSpec:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def index(self, key: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.key == key)

    def visible(self, answers: Mapping[str, Value]) -> list[QuestionSpec]:
        return [q for q in self.questions if q.visible(answers)]

    def locale_for(self, wanted: str | None) -> str:
        """Language fallback: the resident's if the survey has it, else the default."""
        return wanted if wanted in self.locales else self.default_locale
