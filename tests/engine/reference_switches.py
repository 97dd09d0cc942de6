"""The switches on a question's type name that the type classes replaced, kept as they
were (their pure part) so a property can compare old and new on generated data
(tests/engine/test_type_methods_reference.py). Not used by the app."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _

from engage.core.i18n import resolve
from engage.demo import COMMENTS, DEMO_SHARES
from engage.engine import Action, Input, QuestionSpec, question_type
from engage.engine.spec import Clause, Value
from engage.results.exports import scrub
from engage.surveys.xlsform.sheets import number_text


def choice_labels(q: QuestionSpec, locale: str, default: str) -> list[tuple[str, str]]:
    """engage.surveys.texts.choice_labels."""
    if q.type == "yes_no":
        return [("yes", _("Yes")), ("no", _("No"))]
    if q.type == "rating":
        return [(str(n), str(n)) for n in range(1, 6)]
    return [(c.value, resolve(c.label, locale, default)) for c in question_type(q).choices(q)]


def load_answers(spec_questions: Sequence[QuestionSpec],
                 rows: Sequence[tuple[int, float | None, str | None, str | None]]) -> dict[str, Value]:
    """engage.responses.operations.load_answers after its query."""
    by_id = {q.id: q for q in spec_questions}
    by_key = {q.key: q for q in spec_questions}
    picked: dict[str, list[str]] = {}
    answers: dict[str, Value] = {}
    for question_id, number, text, choice in rows:
        q = by_id.get(question_id)
        if q is None:
            continue
        storage = question_type(q).storage
        if storage == "choices" and choice is not None:
            picked.setdefault(q.key, []).append(choice)
        elif storage == "number" and number is not None:
            answers[q.key] = int(number) if float(number).is_integer() else number
        elif storage == "text" and text is not None:
            answers[q.key] = text
    for key, values in picked.items():
        q = by_key[key]
        if q.type == "multiple_choice":
            order = [c.value for c in question_type(q).choices(q)]
            answers[key] = tuple(sorted(values, key=lambda v: order.index(v) if v in order else 0))
        else:
            answers[key] = values[0]
    return answers


def record_answer(question: QuestionSpec, value: Value) -> tuple[list[str], float | None, str | None] | None:
    """engage.responses.operations.record_answer's columns: (selections, number, text),
    or None when nothing is stored."""
    storage = question_type(question).storage
    if storage == "none":
        return None
    if storage == "choices":
        values = value if isinstance(value, tuple) else (value,)
        return [str(v) for v in values], None, None
    if storage == "number":
        return [], float(value), None  # type: ignore[arg-type]
    return [], None, str(value)


def export_cells(questions: Sequence[QuestionSpec],
                 rows: Sequence[tuple[int, int, float | None, str | None, str | None]],
                 region: str) -> dict[int, dict[str, object]]:
    """engage.results.exports._answers after its query."""
    by_id = {q.id: q for q in questions}
    order = {q.key: {c.value: i for i, c in enumerate(question_type(q).choices(q))}
             for q in questions if question_type(q).storage == "choices"}
    cells: dict[int, dict[str, object]] = {}
    picked: dict[tuple[int, str], list[str]] = {}
    for response_id, question_id, number, text, choice in rows:
        q = by_id[question_id]
        storage = question_type(q).storage
        if storage == "choices":
            if choice is not None:
                picked.setdefault((response_id, q.key), []).append(choice)
        elif storage == "number" and number is not None:
            cells.setdefault(response_id, {})[q.key] = int(number) if float(number).is_integer() else number
        elif storage == "text" and text is not None:
            cells.setdefault(response_id, {})[q.key] = scrub(text, region)
    for (response_id, key), values in picked.items():
        rank = order[key]
        values.sort(key=lambda v: (rank.get(v, len(rank)), v))
        cells.setdefault(response_id, {})[key] = ";".join(values)
    return cells


def constraint_expression(question_type: str, settings: Mapping[str, Any]) -> str:
    """engage.surveys.xlsform.expressions.constraint_expression."""
    parts = []
    if question_type == "number":
        if settings.get("minimum") is not None:
            parts.append(f". >= {number_text(settings['minimum'])}")
        if settings.get("maximum") is not None:
            parts.append(f". <= {number_text(settings['maximum'])}")
    if question_type == "free_text" and settings.get("max_length"):
        parts.append(f"string-length(.) <= {int(settings['max_length'])}")
    return " and ".join(parts)


def clause_expression(clause: Clause, question_type: str) -> str:
    """engage.surveys.xlsform.expressions._clause_expression."""
    ref = f"${{{clause.question}}}"
    if clause.op in ("answered", "not_answered"):
        return f"{ref} {'!=' if clause.op == 'answered' else '='} ''"
    if clause.op in ("gt", "lt"):
        return f"{ref} {'>' if clause.op == 'gt' else '<'} {number_text(float(str(clause.value)))}"
    value = str(clause.value)
    if question_type == "multiple_choice":
        selected = f"selected({ref}, {_quote(value)})"
        return selected if clause.op == "equals" else f"not({selected})"
    numeric = question_type in ("number", "rating") and re.fullmatch(r"-?\d+(\.\d+)?", value)
    literal = value if numeric else _quote(value)
    return f"{ref} {'=' if clause.op == 'equals' else '!='} {literal}"


def _quote(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


def demo_pick(q: QuestionSpec, rng: random.Random, locale: str) -> Input:
    """engage.demo._pick: typed the way a resident would."""
    if not q.required and rng.random() < 0.08:
        return Input(Action.SKIP)
    if q.type in ("single_choice", "multiple_choice"):
        numbers = [i for i, c in enumerate(q.choices, start=1) if not c.exclusive]
        exclusive = [i for i, c in enumerate(q.choices, start=1) if c.exclusive]
        if exclusive and rng.random() < 0.05:
            return Input(Action.ANSWER, (str(rng.choice(exclusive)),))
        shares = DEMO_SHARES.get(q.dimension or "", {})
        weights = [shares.get(q.choices[i - 1].value, 0) or 1.0 / (rank + 1) ** 0.7
                   for rank, i in enumerate(numbers)]
        k = 2 if q.type == "multiple_choice" and rng.random() < 0.15 else 1
        picks = {rng.choices(numbers, weights)[0] for _ in range(k)}
        return Input(Action.ANSWER, (",".join(map(str, sorted(picks))),))
    if q.type == "rating":
        return Input(Action.ANSWER, (str(rng.choices(range(1, 6), [3, 4, 4, 3, 2])[0]),))
    if q.type == "yes_no":
        return Input(Action.ANSWER, (rng.choice(["1", "2", "2"]),))
    if q.type == "number":
        return Input(Action.ANSWER, (str(int(rng.triangular(0, 60, 6))),))
    return Input(Action.ANSWER, (rng.choice(COMMENTS[locale]),)) if rng.random() < 0.4 \
        else Input(Action.SKIP)
