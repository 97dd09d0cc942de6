"""The import graph of ``engage``, read from the source with ``ast``: packages import
downward only, so each one can be read, tested and changed without those above it.

Every ``import engage...`` and ``from engage... import`` counts, at module level or
inside a function. The modules of ``engage`` itself (the factory, ``cli``, ``demo``,
``worker``) are the app layer, above every package; ``engage.extensions`` holds the
unbound extensions every package uses, so it sits below them all and imports nothing.

``KNOWN`` lists the exceptions still standing. It may only shrink: an exception not
listed fails, and so does a listed one that is gone, so the list stays exact.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The app layer: ``engage/__init__.py`` and these modules beside it.
APP_MODULES = frozenset({"engage", "engage.cli", "engage.demo", "engage.worker"})
APP = "app"
#: Packages (or modules) that import nothing from engage outside themselves.
SELF_CONTAINED = ("engine", "extensions")
#: Channel adapters: none imports another.
CHANNELS = frozenset({"sms", "voice", "web"})

#: (rule, importer, imported) for each exception still standing: packages for "cycle",
#: modules for the other rules. None is left: keep it that way.
KNOWN: frozenset[tuple[str, str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    path: str  # engage/surveys/views.py
    line: int
    importer: str  # engage.surveys.views
    imported: str  # engage.channels.sms.compose (or the package a name came from)
    local: bool  # inside a function

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "engage").rglob("*.py"))}


def package(module: str) -> str:
    """``engage.surveys.xlsform.reader`` -> ``surveys``; the app layer -> ``app``."""
    return APP if module in APP_MODULES else module.split(".")[1]


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")[: len(importer.split(".")) - node.level + is_package]
    return ".".join([*base, *([node.module] if node.module else [])])


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    module = _absolute(node, importer, is_package)
    known = modules()
    return [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]


def _walk(node: ast.AST, local: bool = False) -> Iterable[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        yield child, local
        inside = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _walk(child, inside)


def read_imports(source: str, importer: str, path: str) -> list[Import]:
    """The imports of engage in one module's ``source``."""
    is_package = path.endswith("__init__.py")
    found = []
    for node, local in _walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(node, importer, is_package):
                if target == "engage" or target.startswith("engage."):
                    found.append(Import(path, node.lineno, importer, target, local))
    return found


@cache
def imports() -> tuple[Import, ...]:
    return tuple(i for importer, path in modules().items()
                 for i in read_imports(path.read_text(encoding="utf-8"), importer,
                                       path.relative_to(ROOT).as_posix()))


Pairs = dict[tuple[str, str], list[Import]]


def by_module(matches: Iterable[Import]) -> Pairs:
    found: Pairs = defaultdict(list)
    for i in matches:
        found[i.importer, i.imported].append(i)
    return found


def _check(rule: str, found: Pairs, what: str) -> None:
    """``found`` must be exactly the KNOWN exceptions of ``rule``."""
    known = {(a, b) for r, a, b in KNOWN if r == rule}
    new = sorted(set(found) - known, key=lambda edge: (len(found[edge]), edge))
    gone = sorted(known - set(found))
    lines = [f"  {a} -> {b}: " + ", ".join(dict.fromkeys(i.where for i in found[a, b]))
             for a, b in new]
    lines += [f"  {a} -> {b} is no longer an exception: take it out of KNOWN" for a, b in gone]
    if lines:
        pytest.fail(what + "\n" + "\n".join(lines), pytrace=False)


def package_edges() -> Pairs:
    edges: Pairs = defaultdict(list)
    for i in imports():
        a, b = package(i.importer), package(i.imported)
        if a != b and APP not in (a, b):
            edges[a, b].append(i)
    return edges


def cycles(edges: Iterable[tuple[str, str]]) -> list[set[str]]:
    """The strongly connected components of more than one node: sets of nodes that
    each reach all the others."""
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    reach: dict[str, set[str]] = {}
    for start in list(succ):
        seen, todo = set(), [start]
        while todo:
            for nxt in succ[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        reach[start] = seen
    found = {frozenset({n, *(m for m in reach[n] if n in reach.get(m, ()))})
             for n in reach if n in reach[n]}
    return sorted((set(c) for c in found), key=lambda c: (-len(c), sorted(c)))


def _check_cycles(rule: str, edges: Pairs, what: str) -> None:
    found = cycles(edges)
    inside = {(a, b): where for (a, b), where in edges.items()
              if any(a in c and b in c for c in found)}
    names = "; ".join("{" + ", ".join(sorted(c)) + "}" for c in found)
    _check(rule, inside, f"{what} {names}. The imports inside, fewest first (the one to "
                         "move is often there):")


def test_packages_form_no_cycle() -> None:
    _check_cycles("cycle", package_edges(), "Packages importing each other:")


def test_modules_form_no_cycle() -> None:
    """Within a package too: modules that import each other load in an order that
    depends on who is imported first. (Imports of the app layer are the next test's.)"""
    edges = by_module(i for i in imports()
                      if i.importer != i.imported and package(i.imported) != APP)
    _check_cycles("module cycle", edges, "Modules importing each other:")


def test_nothing_imports_the_app_layer() -> None:
    found = by_module(i for i in imports()
                      if package(i.imported) == APP and package(i.importer) != APP)
    _check("app", found, "The app layer (create_app, cli, demo, worker) is above every package:")


def test_imports_inside_functions_only_in_the_app_layer() -> None:
    """An import inside a function hides a dependency (often a cycle) from the reader;
    only the app layer imports lazily, to load blueprints and commands."""
    found = by_module(i for i in imports() if i.local and package(i.importer) != APP)
    _check("local", found, "Imports inside functions (move them to the top of the module):")


def test_engine_and_extensions_import_nothing_else() -> None:
    found = by_module(i for i in imports() if package(i.importer) in SELF_CONTAINED
                      and package(i.imported) != package(i.importer))
    _check("alone", found, "The engine is pure and the extensions unbound: they import "
                           "nothing else from engage:")


def _channel(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "channels" and parts[2] in CHANNELS \
        else None


def test_channels_do_not_import_each_other() -> None:
    found = by_module(i for i in imports() if _channel(i.importer)
                      and _channel(i.imported) not in (None, _channel(i.importer)))
    _check("channels", found, "SMS, voice and web share only engage.channels' own modules "
                              "and what lies below:")


SAMPLE = """
import engage.core.models
from engage.surveys import operations, models as m
from engage.core.i18n import _
from . import forms
from ..responses.models import Answer

def view():
    from engage.extensions import db
"""


def test_the_reader_sees_every_kind_of_import() -> None:
    found = {(i.line, i.imported, i.local)
             for i in read_imports(SAMPLE, "engage.surveys.views", "engage/surveys/views.py")}
    assert found == {
        (2, "engage.core.models", False),
        (3, "engage.surveys.operations", False), (3, "engage.surveys.models", False),
        (4, "engage.core.i18n", False),
        (5, "engage.surveys.forms", False),
        (6, "engage.responses.models", False),
        (9, "engage.extensions", True),
    }
