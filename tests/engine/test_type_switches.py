"""Outside the engine, code asks a question's type what it needs (``asks``, ``options``,
``summary``, ``store``...) instead of comparing its name: then a new type is one class,
not a hunt through every module. This counts the comparisons left, and fails when one
is added. Channels show a question by its shape (``render_question``), one renderer
method per shape, so every renderer must have them all."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import engage
from engage.engine import TYPES

#: Comparisons of a question's type or storage left outside engage/engine/: none (108 at
#: f91c60c; the channels render by the type's shape, through one Renderer each).
BUDGET = 0
#: Where those may be: nowhere else gets a new one while the budget allows it.
CHANNEL_CODE = ("engage/channels/", "engage/templates/web/")

ROOT = Path(engage.__file__).parent
ENGINE = ROOT / "engine"
TYPE_NAMES = frozenset(TYPES)
STORAGES = frozenset(t.storage for t in TYPES.values())
COMPARING = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
#: ``q.type == 'note'``, ``s.storage in ('choices', ...)`` in a Jinja template.
TEMPLATE_RE = re.compile(r"\.(?:type|storage)\s*(?:==|!=|not\s+in|in)\s*[(\[]?\s*['\"](\w+)['\"]")


def _strings(node: ast.expr) -> frozenset[str]:
    """The string constants ``node`` is: one, or a tuple, list or set of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value})
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        parts = [_strings(e) for e in node.elts]
        return frozenset().union(*parts) if parts and all(parts) else frozenset()
    return frozenset()


def _words(node: ast.expr) -> set[str]:
    """The names and attributes ``node`` reads (``question_type(q).storage``: both)."""
    return {n.id if isinstance(n, ast.Name) else n.attr
            for n in ast.walk(node) if isinstance(n, ast.Name | ast.Attribute)}


def _switches(node: ast.Compare) -> int:
    count = 0
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, COMPARING):
            for constant, other in ((left, right), (right, left)):
                names, words = _strings(constant), _words(other)
                if (names & TYPE_NAMES and any("type" in w for w in words)) or \
                        (names & STORAGES and any("storage" in w for w in words)):
                    count += 1
                    break
        left = right
    return count


def python_sites() -> Iterator[tuple[str, int]]:
    for path in sorted(ROOT.rglob("*.py")):
        if ENGINE in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for _i in range(_switches(node)):
                    yield str(path.relative_to(ROOT.parent)), node.lineno


def template_sites() -> Iterator[tuple[str, int]]:
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in TEMPLATE_RE.finditer(line):
                if match[1] in TYPE_NAMES | STORAGES:
                    yield str(path.relative_to(ROOT.parent)), number


def sites() -> list[tuple[str, int]]:
    return [*python_sites(), *template_sites()]


def test_the_counter_sees_each_form_of_switch() -> None:
    source = ("q.type == 'note'; t.storage in ('choices', 'number'); question_type != 'rating'; "
              "'yes_no' in types.values(); q.kind == 'note'; mode == 'text'")
    found = [_switches(n) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Compare)]
    assert sum(found) == 4
    assert TEMPLATE_RE.findall("{% if q.type in ('single_choice', 'yes_no') %}{% if s.type == 'x' %}") \
        == ["single_choice", "x"]


def test_no_new_switches_on_question_types() -> None:
    found = sites()
    assert len(found) <= BUDGET, "\n".join(f"{path}:{line}" for path, line in found)
    assert [site for site in found if not site[0].startswith(CHANNEL_CODE)] == []


def test_every_channel_renderer_shows_every_shape() -> None:
    """A new shape is a method to write in each channel, never a silent fallback."""
    from engage.channels.sms.compose import Instruction
    from engage.channels.voice.script import HowToAnswer
    from engage.channels.web.forms import AnswerField
    from engage.engine.questions import Shape

    assert all(isinstance(kind.shape, Shape) for kind in TYPES.values())
    for renderer in (Instruction, HowToAnswer, AnswerField):
        missing = [s.value for s in Shape if not callable(getattr(renderer, s.value, None))]
        assert missing == [], f"{renderer.__name__} cannot show {missing}"
