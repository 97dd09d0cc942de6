"""XLSForm expressions Engage understands: skip rules (``relevant``) and the
constraints that map to minimum, maximum and length."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engage.core.i18n import _l
from engage.engine import TYPES, Clause, Condition
from engage.engine.questions import QuestionType
from engage.surveys.xlsform.sheets import cell_number, number_text

# -- skip rules (relevant) -------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    \$\{\s*(?P<ref>[A-Za-z_][\w.-]*)\s*\}
  | '(?P<sq>[^']*)' | "(?P<dq>[^"]*)"
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op>!=|>=|<=|=|>|<)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z][\w-]*)
)""", re.VERBOSE)
_COMPARISONS = {"=": "equals", "!=": "not_equals", ">": "gt", "<": "lt"}


class UnreadableRule(ValueError):
    """A skip rule or constraint Engage cannot express, with a hint when a specific one
    helps more than the list of what Engage reads."""

    def __init__(self, hint: object | None = None) -> None:
        super().__init__(hint)
        self.hint = hint


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise UnreadableRule()
        kind = "str" if match.lastgroup in ("sq", "dq") else str(match.lastgroup)
        tokens.append((kind, match.group(match.lastgroup or 0)))
        pos = match.end()
    return tokens


class _RuleParser:
    """``clause (and|or clause)*`` where a clause is ``${q} op literal``,
    ``selected(${q}, 'v')`` or ``not(selected(${q}, 'v'))``, maybe in parentheses."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            raise UnreadableRule()
        self.pos += 1
        return token[1]

    def condition(self) -> Condition:
        clauses, joiners = [self.clause()], set()
        while self.peek() is not None:
            joiners.add(self.take("word"))
            clauses.append(self.clause())
        if not joiners <= {"and", "or"}:
            raise UnreadableRule()
        if len(joiners) > 1:
            raise UnreadableRule(_l("Use only “and” or only “or” in one rule: Engage cannot "
                                    "mix them."))
        return Condition(tuple(clauses), "any" if joiners == {"or"} else "all")

    def clause(self) -> Clause:
        token = self.peek()
        if token == ("punct", "("):
            self.take("punct", "(")
            inner = self.clause()
            self.take("punct", ")")
            return inner
        if token == ("word", "not"):
            self.take("word", "not")
            self.take("punct", "(")
            inner = self.selected()
            self.take("punct", ")")
            return Clause(inner.question, "not_equals", inner.value)
        if token == ("word", "selected"):
            return self.selected()
        question = self.take("ref")
        op = _COMPARISONS.get(self.take("op"))
        kind, literal = self.literal()
        if op is None:
            raise UnreadableRule()
        if op in ("gt", "lt"):
            try:
                return Clause(question, op, cell_number(literal))
            except ValueError as err:
                raise UnreadableRule() from err
        if literal == "" and kind == "str":
            return Clause(question, "not_answered" if op == "equals" else "answered")
        return Clause(question, op, literal)

    def literal(self) -> tuple[str, str]:
        token = self.peek()
        if token is None or token[0] not in ("str", "num"):
            raise UnreadableRule()
        self.pos += 1
        return token

    def selected(self) -> Clause:
        self.take("word", "selected")
        self.take("punct", "(")
        question = self.take("ref")
        self.take("punct", ",")
        value = self.take("str")
        self.take("punct", ")")
        return Clause(question, "equals", value)


def parse_relevant(text: str) -> Condition:
    """An XLSForm ``relevant`` expression as an Engage condition; raises UnreadableRule."""
    return _RuleParser(text).condition()


def relevant_expression(condition: Mapping[str, Any] | None, types: Mapping[str, str]) -> str:
    """The XLSForm for a condition; ``types`` (key -> question type) picks ``selected()``
    for multiple choice and bare numbers for number and rating questions."""
    parsed = Condition.from_dict(condition)
    if parsed is None:
        return ""
    joiner = " and " if parsed.mode == "all" else " or "
    return joiner.join(_clause_expression(c, TYPES.get(types.get(c.question, "")))
                       for c in parsed.clauses)


def _clause_expression(clause: Clause, kind: QuestionType | None) -> str:
    ref = f"${{{clause.question}}}"
    if clause.op in ("answered", "not_answered"):
        return f"{ref} {'!=' if clause.op == 'answered' else '='} ''"
    if clause.op in ("gt", "lt"):
        return f"{ref} {'>' if clause.op == 'gt' else '<'} {number_text(float(str(clause.value)))}"
    value = str(clause.value)
    if kind is not None and kind.summary.several:
        selected = f"selected({ref}, {_quote(value)})"
        return selected if clause.op == "equals" else f"not({selected})"
    numeric = kind is not None and kind.comparable and re.fullmatch(r"-?\d+(\.\d+)?", value)
    literal = value if numeric else _quote(value)
    return f"{ref} {'=' if clause.op == 'equals' else '!='} {literal}"


def _quote(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


# -- constraints -----------------------------------------------------------------------

_BOUND = re.compile(r"^\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)$")
_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")
#: The limits each type may carry.
CONSTRAINT_LIMITS = {"number": {"minimum", "maximum"}, "free_text": {"max_length"}}


def parse_constraint(text: str) -> dict[str, int | float]:
    """``. >= 0 and . <= 100`` or ``string-length(.) <= 200`` as Engage's limits."""
    limits: dict[str, int | float] = {}
    for part in re.split(r"\s+and\s+", text.strip()):
        if bound := _BOUND.match(part):
            name, value = ("minimum" if bound[1] == ">=" else "maximum"), cell_number(bound[2])
        elif length := _LENGTH.match(part):
            name, value = "max_length", int(length[1])
        else:
            raise UnreadableRule()
        if name in limits:
            raise UnreadableRule()
        limits[name] = value
    return limits


#: How each limit is written, in this order.
_LIMIT_EXPRESSIONS = {
    "minimum": lambda value: f". >= {number_text(value)}",
    "maximum": lambda value: f". <= {number_text(value)}",
    "max_length": lambda value: f"string-length(.) <= {int(value)}",
}


def constraint_expression(question_type: str, settings: Mapping[str, Any]) -> str:
    """The limits ``settings`` holds that a question of this type takes, as XLSForm."""
    allowed = CONSTRAINT_LIMITS.get(question_type, set())
    return " and ".join(write(settings[name]) for name, write in _LIMIT_EXPRESSIONS.items()
                        if name in allowed and settings.get(name) is not None)
