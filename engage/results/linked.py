"""Suppression decided across the tables the public can obtain together (the "linked
tables" problem, domain notes).

Each published table is suppressed on its own first (engage.results.stats.suppress). That
holds inside one table, not across two that share respondents: race *alone or in
combination* minus race *alone* is the multiracial residents of each group, and a group's
mean beside all respondents' gives the rest's. So the tables of one breakdown family (all
respondents, and the breakdown; for race both tabulations) are written as sums over
*atoms*, the sets of residents no published table tells apart (each combination of races
chosen), and a hidden figure, or any figure of an atom or difference group under the
threshold, must stay outside the linear span of the published figures. While one is
inside, the smallest published figure its derivation uses is hidden too.

Other breakdowns need no joint decision: two different breakdowns share only the figures
of all respondents (their cross-tabulation is never published), and filtered tables are
never published (engage.results.published).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from sqlalchemy import ColumnElement, Select, Table, func, literal, select

from engage.engine import QuestionSpec, question_type
from engage.engine.questions import SummaryKind
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response, ResponseTag
from engage.results.aggregates import ANSWERED, NUMBER, Counted, aggregated
from engage.results.filters import Filters
from engage.results.queries import ALL, MULTIRACIAL, NO_ANSWER, resolved, response_conditions
from engage.results.stats import suppress

Atom = frozenset[str]
#: A published figure: (tabulation, group, what) where what is an answer value, N (the
#: group's respondents) or SUM (the sum of a number question's answers).
Key = tuple[str, str, str]
N, SUM = "#n", "#sum"
OVERALL = "all"
RACE, RACE_ALONE = "race_ethnicity", "race_alone"


@dataclass
class AtomFigures:
    """What the residents of one atom answered to one question."""

    n: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: float = 0.0
    numbers: dict[float, int] = field(default_factory=lambda: defaultdict(int))


def race_alone_group(atom: Atom) -> str:
    races = atom - {"prefer_not"}
    if not races:
        return NO_ANSWER
    return next(iter(races)) if len(races) == 1 else MULTIRACIAL


def _each(atom: Atom) -> list[str]:
    return sorted(atom) or [NO_ANSWER]


Membership = Callable[[Atom], Iterable[str]]


def family(by: str) -> dict[str, Membership]:
    """The tabulations published together with ``by`` and each atom's groups in them."""
    tabs: dict[str, Membership] = {OVERALL: lambda atom: [ALL]}
    if by in (RACE, RACE_ALONE):
        tabs[RACE_ALONE] = lambda atom: [race_alone_group(atom)]
        tabs[RACE] = _each
    else:
        tabs[by] = _each
    return tabs


def family_dimension(by: str) -> str:
    return RACE if by == RACE_ALONE else by


def group_figures(atoms: Mapping[Atom, AtomFigures], member: Membership
                  ) -> dict[str, AtomFigures]:
    """One tabulation's groups, added up from the atoms."""
    groups: dict[str, AtomFigures] = defaultdict(AtomFigures)
    for atom, figures in atoms.items():
        for g in member(atom):
            group = groups[g]
            group.n += figures.n
            group.total += figures.total
            for value, count in figures.counts.items():
                group.counts[value] += count
            for number, count in figures.numbers.items():
                group.numbers[number] += count
    return dict(groups)


class _Space:
    """Published figures as vectors over the atoms' unknowns."""

    def __init__(self, atoms: Sequence[Atom], values: Sequence[str], kind: SummaryKind):
        self.atoms, self.values = atoms, values
        #: One answer value each: a group's size is the sum of its counts, no unknown.
        self.single = kind.tallied and not kind.several
        self.index: dict[tuple[Atom, str], int] = {}
        for atom in atoms:
            for what in self._unknowns(kind):
                self.index[(atom, what)] = len(self.index)

    def _unknowns(self, kind: SummaryKind) -> list[str]:
        if not kind.tallied:
            return [N, SUM]
        return list(self.values) if self.single else [*self.values, N]

    def vector(self, members: Iterable[Atom], what: str) -> np.ndarray:
        v = np.zeros(len(self.index))
        for atom in members:
            if what == N and self.single:
                for value in self.values:  # one answer each: the group's size is their sum
                    v[self.index[(atom, value)]] += 1
            else:
                v[self.index[(atom, what)]] += 1
        return v


def _figure_keys(kind: SummaryKind, values: Sequence[str]) -> list[str]:
    """Per group: each value's count and the group's size, or (numbers, words) its size
    and its answers' sum."""
    return [*values, N] if kind.tallied else [N, SUM]


def _value(figures: AtomFigures, what: str) -> float:
    if what == N:
        return figures.n
    if what == SUM:
        return figures.total
    return figures.counts.get(what, 0)


def _sensitive_groups(atoms: Mapping[Atom, AtomFigures], tabs: Mapping[str, Membership]
                      ) -> list[set[Atom]]:
    """Groups whose figures nobody may work out when small: every atom, and every group
    one tabulation has beyond another's group of the same name (the multiracial part)."""
    groups: list[set[Atom]] = [{atom} for atom in atoms]
    members = {name: defaultdict(set) for name in tabs}
    for atom in atoms:
        for name, member in tabs.items():
            for g in member(atom):
                members[name][g].add(atom)
    names = list(tabs)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            for g in set(members[first]) & set(members[second]):
                for extra in (members[first][g] - members[second][g],
                              members[second][g] - members[first][g]):
                    if extra:
                        groups.append(extra)
    return groups


def linked_hidden(atoms: Mapping[Atom, AtomFigures], tabs: Mapping[str, Membership],
                  values: Sequence[str], kind: SummaryKind,
                  hidden: Iterable[Key], limit: int) -> set[Key]:
    """The figures to hide across the family: ``hidden`` (each table's own suppression)
    and as many more as it takes until no small figure (a count under ``limit``, or any
    figure of a group under it: published groups, atoms and difference groups) can be
    computed from the published ones."""
    atom_list = [a for a, f in atoms.items() if f.n]
    if not atom_list:
        return set(hidden)
    space = _Space(atom_list, values, kind)
    whats = _figure_keys(kind, values)
    published: dict[Key, tuple[np.ndarray, float]] = {}
    for name, member in tabs.items():
        in_group: dict[str, list[Atom]] = defaultdict(list)
        for atom in atom_list:
            for g in member(atom):
                in_group[g].append(atom)
        for g, members in in_group.items():
            for what in whats:
                value = sum(_value(atoms[a], what) for a in members)
                published[(name, g, what)] = (space.vector(members, what), value)
    hidden_keys = _closed(set(hidden) & set(published), published, whats)
    sensitive = [vector for (name, g, what), (vector, value) in published.items()
                 if _small(value, published[(name, g, N)][1], what, limit)]
    for group in _sensitive_groups({a: atoms[a] for a in atom_list}, tabs):
        n = sum(atoms[a].n for a in group)
        sensitive += [space.vector(group, what) for what in whats
                      if _small(sum(_value(atoms[a], what) for a in group), n, what, limit)]
    keys = list(published)
    matrix = np.array([published[k][0] for k in keys])
    targets = np.array(sensitive) if sensitive else np.zeros((0, matrix.shape[1]))
    gram, reach = matrix @ matrix.T, matrix @ targets.T  # computed once, rows dropped as hidden
    norms = (targets * targets).sum(axis=1)
    while True:
        shown = [i for i, k in enumerate(keys) if k not in hidden_keys]
        derivations = _derivations(gram[np.ix_(shown, shown)], reach[shown], norms)
        if not derivations:
            return hidden_keys
        picked: set[Key] = set()
        for coefficients in derivations:  # one round breaks every derivation found
            used = [keys[shown[i]] for i in np.flatnonzero(np.abs(coefficients) > 1e-7)]
            if picked & set(used):
                continue
            # the smallest figure the derivation uses, all respondents' figures last
            picked.add(min(used, key=lambda k: (k[0] == OVERALL, published[k][1] == 0,
                                                 published[k][1], k)))
        hidden_keys = _closed(hidden_keys | picked, published, whats)


def _small(value: float, n: float, what: str, limit: int) -> bool:
    """A figure nobody may work out: any of a group under the threshold, or a count of
    residents under it (the size of a small group included)."""
    return bool(value) and (0 < n < limit or (what != SUM and value < limit))


def _closed(keys: set[Key], published: Mapping[Key, object], whats: Sequence[str]) -> set[Key]:
    """A hidden group shows nothing: hiding its size (or a number's sum) hides it all."""
    out = set(keys)
    for name, g, what in keys:
        if what in (N, SUM):
            out |= {(name, g, w) for w in whats if (name, g, w) in published}
    return out


def _derivations(gram: np.ndarray, reach: np.ndarray, norms: np.ndarray) -> list[np.ndarray]:
    """For each sensitive figure t the shown figures (rows of P) compute exactly, the
    coefficients that do: t is in the row space of P when |t|² = tᵀPᵀ(PPᵀ)⁺Pt. Worked on
    the Gram matrix PPᵀ (figures x figures, far smaller than figures x unknowns), so a
    hidden figure costs dropping a row and column, not a new decomposition of P."""
    if reach.size == 0:
        return []
    eigenvalues, vectors = np.linalg.eigh(gram)
    keep = eigenvalues > 1e-9 * max(float(eigenvalues.max()), 1.0)
    basis, scale = vectors[:, keep], eigenvalues[keep]
    projected = basis.T @ reach  # rank x targets
    explained = (projected * projected / scale[:, None]).sum(axis=0)
    leaks = np.flatnonzero(norms - explained < 1e-6 * np.maximum(norms, 1.0))
    return [basis @ (projected[:, leak] / scale) for leak in leaks]


def atom_column(query: Select, by: str) -> tuple[Select, ColumnElement[str]]:
    """Add each response's atom of ``by``'s family to ``query`` (over Response): the
    channel or language, or the dimension's answers as one string (in any order)."""
    if by in ("channel", "locale"):
        return query, getattr(Response, by)
    tags = (select(ResponseTag.response_id.label("rid"),
                   func.aggregate_strings(ResponseTag.value, ",").label("v"))
            .where(ResponseTag.dimension == family_dimension(by))
            .group_by(ResponseTag.response_id).subquery())
    return query.outerjoin(tags, tags.c.rid == Response.id), func.coalesce(tags.c.v, literal(""))


def atom_figures(survey_id: int, q: QuestionSpec, by: str, filters: Filters,
                 scope: Table | Counted | None = None) -> dict[Atom, AtomFigures]:
    """One question's answers counted per atom of ``by``'s family, in SQL: from the
    page's aggregate rows (engage.results.aggregates), over its scope when it carries the
    atoms (engage.results.scope), else from the aggregates or the tags."""
    if scope is None and aggregated(survey_id, filters):
        scope = Counted(survey_id, by, resolved(survey_id, filters), question_ids=[q.id])
    if isinstance(scope, Counted):
        return _counted_atoms(scope, q)
    if scope is not None:
        base = select().select_from(Answer).join(scope, scope.c.rid == Answer.response_id)
        atom_of: ColumnElement[str] = scope.c.atom
        where = [Answer.question_id == q.id]
    else:
        base, atom_of = atom_column(
            select().select_from(Answer).join(Response, Response.id == Answer.response_id), by)
        where = [Answer.question_id == q.id, *response_conditions(survey_id, filters)]
    atoms: dict[Atom, AtomFigures] = defaultdict(AtomFigures)
    atom = _atom
    kind = question_type(q).summary
    # a scope has a row per response and group: each response once, unless the groups
    # do not overlap (one row each, and counting needs no DISTINCT's sort)
    respondents = (func.count() if scope is not None and by in ("channel", "locale", RACE_ALONE)
                   else func.count(func.distinct(Answer.response_id)))
    if kind.tallied:
        for key, value, count in db.session.execute(
                base.join(AnswerChoice, AnswerChoice.answer_id == Answer.id)
                .add_columns(atom_of, AnswerChoice.value, respondents)
                .where(*where).group_by(atom_of, AnswerChoice.value)):
            atoms[atom(key)].counts[value] += count
        if kind.several:
            for key, count in db.session.execute(
                    base.add_columns(atom_of, respondents).where(*where).group_by(atom_of)):
                atoms[atom(key)].n += count
        else:
            for figures in atoms.values():
                figures.n = sum(figures.counts.values())
    elif kind.numeric:
        for key, number, count in db.session.execute(
                base.add_columns(atom_of, Answer.number, respondents)
                .where(*where, Answer.number.is_not(None)).group_by(atom_of, Answer.number)):
            figures = atoms[atom(key)]
            figures.n += count
            figures.total += float(number) * count
            figures.numbers[float(number)] += count
    else:
        for key, count in db.session.execute(
                base.add_columns(atom_of, respondents).where(*where).group_by(atom_of)):
            atoms[atom(key)].n += count
    return dict(atoms)


def _atom(text: str) -> Atom:
    return frozenset(v for v in text.split(",") if v)


def _counted_atoms(scope: Counted, q: QuestionSpec) -> dict[Atom, AtomFigures]:
    """:func:`atom_figures` from aggregate rows (their atom: the family's answers)."""
    kind = question_type(q).summary
    atoms: dict[Atom, AtomFigures] = defaultdict(AtomFigures)
    for text, _race, _age, _area, item, number, n in scope.of(q.id):
        if kind.tallied:
            if item == ANSWERED:
                if kind.several:
                    atoms[_atom(text)].n += n
            elif item != NUMBER:
                atoms[_atom(text)].counts[item] += n
        elif kind.numeric:
            if item == NUMBER:
                figures = atoms[_atom(text)]
                figures.n += n
                figures.total += float(number) * n
                figures.numbers[float(number)] += n
        elif item == ANSWERED:
            atoms[_atom(text)].n += n
    if kind.tallied and not kind.several:
        for figures in atoms.values():
            figures.n = sum(figures.counts.values())
    return dict(atoms)


def table_hidden(groups: Mapping[str, AtomFigures], values: Sequence[str], kind: SummaryKind,
                 limit: int) -> set[tuple[str, str]]:
    """One table's own suppression, (group, what) hidden: small cells and groups with
    their complements for choices; small groups for numbers and texts (their complements
    are the linked step's: a group's mean is worked out from the others')."""
    names = sorted(groups)
    if not kind.tallied:
        return {(g, what) for g in names if 0 < groups[g].n < limit for what in (N, SUM)}
    table = [[groups[g].counts.get(v, 0) for v in values] for g in names]
    shown = suppress(table, limit, row_totals=[groups[g].n for g in names])
    hidden = {(names[r], values[c]) for r, c in shown.hidden_cells}
    hidden |= {(names[r], N) for r in shown.hidden_row_totals}
    return hidden


def tallied_values(q: QuestionSpec) -> list[str]:
    """The values a table of ``q`` counts, one row each; none for numbers and words."""
    qtype = question_type(q)
    return [c.value for c in qtype.choices(q)] if qtype.summary.tallied else []


def family_hidden(atoms: Mapping[Atom, AtomFigures], q: QuestionSpec, by: str, limit: int
                  ) -> set[tuple[str, str]]:
    """What the published table of ``q`` by ``by`` hides, (group, what), decided with
    the tables published beside it: the same answer whichever of them is asked for."""
    kind, values = question_type(q).summary, tallied_values(q)
    frozen = tuple((atom, f.n, tuple(f.counts.items()), f.total, tuple(f.numbers.items()))
                   for atom, f in atoms.items())
    return set(_family_hidden(frozen, kind, tuple(values), by, limit))


@lru_cache(maxsize=256)
def _family_hidden(frozen: tuple, kind: SummaryKind, values: tuple[str, ...], by: str,
                   limit: int) -> frozenset[tuple[str, str]]:
    """:func:`family_hidden` of the same figures in the same order, rebuilt from hashable
    ones: the linear algebra runs once per distinct table, not on every request."""
    atoms = {atom: AtomFigures(n, defaultdict(int, counts), total, defaultdict(int, numbers))
             for atom, n, counts, total, numbers in frozen}
    tabs = family(by)
    hidden: set[Key] = set()
    for name, member in tabs.items():
        hidden |= {(name, g, what) for g, what in
                   table_hidden(group_figures(atoms, member), values, kind, limit)}
    decided = linked_hidden(atoms, tabs, values, kind, hidden, limit)
    return frozenset((g, what) for name, g, what in decided if name == by)
