"""The statistics core, checked against hand derivations, published examples and weightipy."""

from __future__ import annotations

import math
import random
import statistics
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.results.stats import (
    UNDEFINED,
    Cell,
    Hidden,
    design_effect,
    disparities,
    index_of_disparity,
    kish_effective_n,
    newcombe_difference,
    rake,
    suppress,
    suppress_groups,
    unreliable,
    weight_cv,
    weighted_proportion,
    wilson,
)

Z = 1.959964


# --- Wilson ---------------------------------------------------------------------------------


def score_limits_by_bisection(k: float, n: float, z: float = Z) -> tuple[float, float]:
    """The Wilson limits are the two roots π of (p - π)² = z² π (1 - π) / n: found here by
    bisection on each side of p, independently of the closed form in the module."""
    p = k / n

    def excess(pi: float) -> float:  # > 0 outside the interval, < 0 inside
        return (p - pi) ** 2 - z * z * pi * (1 - pi) / n

    def root(inside: float, outside: float) -> float:
        for _ in range(200):
            middle = (inside + outside) / 2
            inside, outside = (inside, middle) if excess(middle) > 0 else (middle, outside)
        return (inside + outside) / 2

    low = 0.0 if k == 0 else root(p, 0.0)
    high = 1.0 if k == n else root(p, 1.0)
    return low, high


@pytest.mark.parametrize(("k", "n"), [(81, 263), (15, 148), (0, 20), (1, 29), (20, 20), (3.75, 12.5)])
def test_wilson_matches_the_score_equation(k: float, n: float) -> None:
    interval = wilson(k, n)
    low, high = score_limits_by_bisection(k, n)
    assert interval.estimate == k / n
    assert interval.low == pytest.approx(low, abs=1e-12)
    assert interval.high == pytest.approx(high, abs=1e-12)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # Newcombe (1998a), Statistics in Medicine 17:857, Table I, method 3 (score, no correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_reproduces_newcombes_single_proportion_examples(k, n, low, high) -> None:
    interval = wilson(k, n)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_wilson_edges() -> None:
    assert wilson(0, 10).low == 0.0  # exactly, not -1e-17
    assert wilson(10, 10).high == 1.0
    assert wilson(10, 10).estimate == 1.0
    # 0/0: no respondents -> the documented all-NaN sentinel.
    nothing = wilson(0, 0)
    assert nothing is UNDEFINED and not nothing.defined
    assert all(math.isnan(x) for x in (nothing.estimate, nothing.low, nothing.high))
    with pytest.raises(ValueError):
        wilson(11, 10)


# --- Newcombe ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "difference", "low", "high"),
    [  # Newcombe (1998b), Statistics in Medicine 17:873, Table II, method 10 (hybrid score).
        # (a) 56/70 - 48/80 = 0.8 - 0.6 = 0.2 exactly.
        (56, 70, 48, 80, 0.2000, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.6000, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.5714, 0.0582, 0.8062),
        (5, 56, 0, 29, 0.0893, -0.0381, 0.1926),
        (0, 10, 0, 20, 0.0000, -0.1611, 0.2775),
        (10, 10, 0, 20, 1.0000, 0.6791, 1.0000),
    ],
)
def test_newcombe_reproduces_the_published_examples(k1, n1, k2, n2, difference, low, high) -> None:
    interval = newcombe_difference(k1, n1, k2, n2)
    assert [round(x, 4) for x in (interval.estimate, interval.low, interval.high)] == [difference, low, high]


def test_newcombe_is_built_from_the_two_wilson_intervals() -> None:
    # Method 10: L = D - sqrt((p1 - l1)² + (u2 - p2)²), U = D + sqrt((u1 - p1)² + (p2 - l2)²).
    (l1, u1), (l2, u2) = score_limits_by_bisection(9, 10), score_limits_by_bisection(3, 10)
    interval = newcombe_difference(9, 10, 3, 10)
    assert interval.low == pytest.approx(0.6 - math.sqrt((0.9 - l1) ** 2 + (u2 - 0.3) ** 2), abs=1e-12)
    assert interval.high == pytest.approx(0.6 + math.sqrt((u1 - 0.9) ** 2 + (0.3 - l2) ** 2), abs=1e-12)
    assert newcombe_difference(1, 2, 0, 0) is UNDEFINED


# --- Weights: Kish, design effect, weighted proportions ---------------------------------------


def test_kish_and_design_effect_by_hand() -> None:
    # Three respondents of weight 1, one of weight 2: Σw = 5, Σw² = 3 + 4 = 7, n = 4.
    cells = [(1.0, 3), (2.0, 1)]
    assert kish_effective_n(cells) == pytest.approx(25 / 7)
    assert design_effect(cells) == pytest.approx(4 / (25 / 7))  # = 28/25 = 1.12
    # 1 + CV²: mean 1.25, population variance (3·0.25² + 0.75²)/4 = 0.1875, CV² = 0.1875/1.5625 = 0.12.
    assert weight_cv(cells) ** 2 == pytest.approx(0.12)
    assert 1 + weight_cv(cells) ** 2 == pytest.approx(design_effect(cells))
    assert kish_effective_n([(1.0, 7)]) == 7 and design_effect([(1.0, 7)]) == 1
    assert kish_effective_n([]) == 0.0


@given(st.lists(st.tuples(st.floats(0.05, 20), st.integers(1, 50)), min_size=1, max_size=12))
def test_both_design_effect_formulas_agree(cells) -> None:
    weights = [w for w, count in cells for _ in range(count)]  # one entry per respondent
    cv = statistics.pstdev(weights) / statistics.fmean(weights)
    assert design_effect(cells) == pytest.approx(1 + cv * cv, rel=1e-9)
    assert design_effect(cells) == pytest.approx(len(weights) / kish_effective_n(cells), rel=1e-12)


def test_weighted_proportion() -> None:
    # Unweighted: the plain Wilson interval, n_eff = n.
    plain = weighted_proportion([(1.0, 30, 60), (1.0, 10, 40)])
    assert plain.interval == wilson(40, 100) and plain.n_eff == 100 and not plain.unreliable
    # Weighted: p = (2·3 + 1·1) / (2·5 + 1·5) = 7/15; n_eff = 15² / (4·5 + 1·5) = 9.
    weighted = weighted_proportion([(2.0, 3, 5), (1.0, 1, 5)])
    assert weighted.n == 10 and weighted.n_eff == pytest.approx(9)
    assert weighted.interval.estimate == pytest.approx(7 / 15)
    low, high = score_limits_by_bisection(7 / 15 * 9, 9)
    assert (weighted.interval.low, weighted.interval.high) == pytest.approx((low, high), abs=1e-12)
    assert weighted.unreliable
    assert weighted_proportion([]).interval is UNDEFINED


def test_unreliable_below_30_effective_respondents() -> None:
    assert unreliable(29.9) and not unreliable(30) and unreliable(math.nan)


# --- Raking -------------------------------------------------------------------------------------


def cell(count: float, **key: str) -> Cell:
    return Cell(key=key, count=count)


def weighted_share(result, cells, dimension, group) -> float:
    total = sum(w * c.count for w, c in zip(result.weights, cells, strict=True))
    part = sum(w * c.count for w, c in zip(result.weights, cells, strict=True) if c.key.get(dimension) == group)
    return part / total


def test_rake_independent_sample_in_one_sweep() -> None:
    # Sex and age are independent in the sample (each sex is 60% young), so the raked weight is
    # the product of the two margin ratios: target share / sample share.
    cells = [cell(30, sex="m", age="young"), cell(20, sex="m", age="old"),
             cell(30, sex="f", age="young"), cell(20, sex="f", age="old")]
    result = rake(cells, {"sex": {"m": 40, "f": 60}, "age": {"young": 0.5, "old": 0.5}}, trim=None)
    sex_ratio = {"m": 0.4 / 0.5, "f": 0.6 / 0.5}
    age_ratio = {"young": 0.5 / 0.6, "old": 0.5 / 0.4}
    expected = [sex_ratio[c.key["sex"]] * age_ratio[c.key["age"]] for c in cells]
    assert result.weights == pytest.approx(expected)
    assert result.converged and result.notes == ()


def test_rake_by_hand_through_the_preserved_odds_ratio() -> None:
    # Raking keeps the sample's odds ratio: (20·20)/(30·30) = 4/9. With margins m 50, f 50,
    # young 60, old 40 (N = 100) and x weighted respondents in (m, young), the raked table is
    # [[x, 50 - x], [60 - x, x - 10]], so x (x - 10) / ((50 - x)(60 - x)) = 4/9, i.e.
    # 9x² - 90x = 4(3000 - 110x + x²)  ->  x² + 70x - 2400 = 0  ->  x = (-70 + √14500) / 2.
    cells = [cell(20, sex="m", age="young"), cell(30, sex="m", age="old"),
             cell(30, sex="f", age="young"), cell(20, sex="f", age="old")]
    result = rake(cells, {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 0.6, "old": 0.4}},
                  trim=None, tol=1e-12, max_iter=500)
    x = (-70 + math.sqrt(14500)) / 2
    assert result.weights == pytest.approx([x / 20, (50 - x) / 30, (60 - x) / 30, (x - 10) / 20], abs=1e-9)
    assert result.converged and result.iterations > 1


def test_rake_leaves_prefer_not_to_say_out_at_the_mean_weight() -> None:
    cells = [cell(30, race="a", age="young"), cell(20, race="a", age="old"),
             cell(10, race="b", age="young"), cell(40, race="b", age="old"),
             cell(7, race="prefer_not_to_say", age="old"), cell(3, race="b")]
    result = rake(cells, {"race": {"a": 0.5, "b": 0.5}, "age": {"young": 0.5, "old": 0.5}})
    assert result.weights[4:] == (1.0, 1.0)
    assert sum(w * c.count for w, c in zip(result.weights, cells, strict=True)) == pytest.approx(110)
    assert result.converged
    assert "10 respondents are outside the weighting margins" in result.notes[0]
    assert "'prefer_not_to_say' (7)" in result.notes[0] and "age: not answered (3)" in result.notes[0]
    raked = cells[:4]
    assert weighted_share(rake(raked, {"race": {"a": 1, "b": 1}, "age": {"young": 1, "old": 1}}),
                          raked, "race", "a") == pytest.approx(0.5)


def test_rake_collapses_an_empty_group_into_the_smallest_by_share() -> None:
    cells = [cell(40, age="18_34", tenure="own"), cell(30, age="18_34", tenure="rent"),
             cell(20, age="35_64", tenure="own"), cell(10, age="35_64", tenure="rent")]
    margins = {"age": {"18_34": 30, "35_64": 50, "65_plus": 20}, "tenure": {"own": 60, "rent": 40}}
    result = rake(margins=margins, cells=cells)
    # Nobody is 65+: its 20% goes to the smaller of the two other groups (18_34, 30%) -> 50%.
    assert result.collapsed == {"age": {"65_plus": "18_34"}}
    assert any("no respondents in '65_plus'" in note and "merged into '18_34'" in note
               and "50.0%" in note for note in result.notes)
    assert result.converged
    assert weighted_share(result, cells, "age", "18_34") == pytest.approx(0.5, abs=1e-6)
    assert weighted_share(result, cells, "tenure", "own") == pytest.approx(0.6, abs=1e-6)


def test_rake_collapses_where_asked() -> None:
    cells = [cell(40, age="18_34"), cell(60, age="35_64")]
    margins = {"age": {"18_34": 30, "35_64": 50, "65_plus": 20}}
    result = rake(cells, margins, collapse={"age": {"65_plus": "35_64"}})
    assert result.collapsed == {"age": {"65_plus": "35_64"}}
    assert result.weights == pytest.approx([0.3 / 0.4, 0.7 / 0.6])
    odd = rake(cells, margins, collapse={"age": {"65_plus": "75_plus"}})
    assert odd.collapsed == {"age": {"65_plus": "18_34"}}
    assert any("was to be merged into '75_plus'" in note for note in odd.notes)


def test_rake_trims_within_bounds_of_the_mean() -> None:
    # Untrimmed, the 5 b respondents would carry 0.5·100/5 = 10 each: over 5 × the mean.
    cells = [cell(95, race="a", tenure="own"), cell(4, race="b", tenure="own"), cell(1, race="b", tenure="rent")]
    margins = {"race": {"a": 0.5, "b": 0.5}, "tenure": {"own": 0.7, "rent": 0.3}}
    assert max(rake(cells, margins, trim=None).weights) > 5
    result = rake(cells, margins, trim=(0.2, 5.0))
    counts = [c.count for c in cells]
    mean = sum(w * n for w, n in zip(result.weights, counts, strict=True)) / sum(counts)
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert all(0.2 * mean - 1e-12 <= w <= 5.0 * mean + 1e-12 for w in result.weights)
    assert not result.converged and result.max_error > 0.01
    assert any(note.startswith("Weights were trimmed to between 0.2 and 5 times") for note in result.notes)


def test_rake_trimming_that_re_raking_can_absorb() -> None:
    # Untrimmed, the 5 (b, own) respondents get 2.74. Capped at 2.5, the margins (50 each of
    # 100) still have a solution, which re-raking finds: b: 5·2.5 + 35·w4 = 50 -> w4 = 37.5/35;
    # own: 30·w1 + 5·2.5 = 50 -> w1 = 1.25; a: 30·w1 + 30·w2 = 50 -> w2 = 12.5/30 (>= 0.4).
    cells = [cell(30, race="a", tenure="own"), cell(30, race="a", tenure="rent"),
             cell(5, race="b", tenure="own"), cell(35, race="b", tenure="rent")]
    margins = {"race": {"a": 0.5, "b": 0.5}, "tenure": {"own": 0.5, "rent": 0.5}}
    assert max(rake(cells, margins, trim=None).weights) > 2.7
    result = rake(cells, margins, trim=(0.4, 2.5), tol=1e-9, max_iter=1000)
    assert result.converged
    assert result.weights == pytest.approx([1.25, 12.5 / 30, 2.5, 37.5 / 35], abs=1e-6)
    assert all(0.4 <= w <= 2.5 for w in result.weights)
    assert any(note.startswith("Weights were trimmed to between 0.4 and 2.5") for note in result.notes)


def test_rake_does_not_trim_weights_within_bounds() -> None:
    cells = [cell(30, race="a", tenure="own"), cell(30, race="a", tenure="rent"),
             cell(5, race="b", tenure="own"), cell(35, race="b", tenure="rent")]
    margins = {"race": {"a": 0.5, "b": 0.5}, "tenure": {"own": 0.5, "rent": 0.5}}
    assert rake(cells, margins).weights == rake(cells, margins, trim=None).weights


def test_rake_with_nobody_to_rake_and_bad_bounds() -> None:
    result = rake([cell(5, race="prefer_not_to_say")], {"race": {"a": 1}})
    assert result.weights == (1.0,) and not result.converged
    with pytest.raises(ValueError):
        rake([cell(5, race="a")], {"race": {"a": 1}}, trim=(1.5, 5.0))


@pytest.mark.parametrize("seed", range(5))
def test_rake_agrees_with_weightipy(seed: int) -> None:
    pd = pytest.importorskip("pandas", reason="weightipy (test-only: pip install weightipy==0.4.2) missing")
    wp = pytest.importorskip("weightipy", reason="weightipy is a test-only reference: pip install weightipy==0.4.2")
    rng = random.Random(seed)
    groups = {"region": ["north", "south", "east"], "tenure": ["own", "rent"], "age": ["a1", "a2", "a3", "a4"]}
    cells = [cell(rng.randint(1, 25), region=r, tenure=t, age=a)
             for r in groups["region"] for t in groups["tenure"] for a in groups["age"]]
    margins = {dim: {g: rng.uniform(1, 10) for g in values} for dim, values in groups.items()}
    ours = rake(cells, margins, trim=None, tol=1e-12, max_iter=2000)
    assert ours.converged
    rows = pd.DataFrame([dict(c.key) for c in cells for _ in range(int(c.count))])
    theirs = wp.weight_dataframe(rows, wp.scheme_from_dict(margins, name="reference"))["weights"].tolist()
    ours_per_row = [w for w, c in zip(ours.weights, cells, strict=True) for _ in range(int(c.count))]
    mean_ours, mean_theirs = statistics.fmean(ours_per_row), statistics.fmean(theirs)
    for mine, reference in zip(ours_per_row, theirs, strict=True):
        assert mine / mean_ours == pytest.approx(reference / mean_theirs, abs=1e-4)


# --- Disparities ------------------------------------------------------------------------------


def test_index_of_disparity_by_hand() -> None:
    # |0.2 - 0.4| + |0.4 - 0.4| + |0.6 - 0.4| = 0.4; mean 0.4/3; as % of 0.4: 33.33%.
    assert index_of_disparity({"a": 0.2, "b": 0.4, "c": 0.6}, 0.4) == pytest.approx(100 / 3)
    assert index_of_disparity({"a": 0.3, "b": 0.3}, 0.3) == 0
    assert math.isnan(index_of_disparity({"a": 0.1}, 0.0))


def test_disparities_name_the_best_off_group() -> None:
    groups = {"a": (30, 100), "b": (60, 100), "c": (45, 100), "tiny": (5, 5), "none": (0, 0)}
    overall = (140, 305)
    rows = {row.group: row for row in disparities(groups, overall)}
    assert set(rows) == {"a", "b", "c", "tiny"}  # no respondents, no row
    # "tiny" has the highest rate (100%) but n < 30: the yardstick is the best reliable group.
    assert {row.best_group for row in rows.values()} == {"b"}
    assert rows["b"].is_best and rows["b"].gap_to_best is None and rows["b"].ratio_to_best is None
    assert rows["a"].gap_to_best == newcombe_difference(30, 100, 60, 100)
    assert rows["a"].gap_to_best.estimate == pytest.approx(-0.3)
    assert rows["a"].ratio_to_best == pytest.approx(0.5)
    assert rows["a"].gap_to_overall.estimate == pytest.approx(0.3 - 140 / 305)
    assert rows["a"].ratio_to_overall == pytest.approx(0.3 / (140 / 305))
    assert rows["tiny"].unreliable and not rows["a"].unreliable
    lower_is_better = disparities(groups, overall, higher_is_better=False)
    assert {row.best_group for row in lower_is_better} == {"a"}
    assert disparities({"none": (0, 0)}, (0, 0)) == []


# --- Suppression --------------------------------------------------------------------------------

P, C = Hidden.PRIMARY, Hidden.COMPLEMENTARY


def test_suppress_groups() -> None:
    one = suppress_groups({"a": 5, "b": 20, "c": 0, "d": 40})
    # a alone would be total - b - d: the next smallest non-zero (b) goes too; the zero stays.
    assert one.hidden == {"a": P, "b": C} and one.counts == {"a": None, "b": None, "c": 0, "d": 40}
    assert one.total == 65 and one.total_hidden is None
    two = suppress_groups({"a": 3, "b": 4, "c": 50})
    assert two.hidden == {"a": P, "b": P} and two.total == 57
    small = suppress_groups({"a": 4, "b": 0})
    assert small.hidden == {"a": P} and small.total is None and small.total_hidden == P
    assert suppress_groups({"a": 15, "b": 30}).hidden == {}
    assert suppress_groups({"a": 9, "b": 30}, threshold=5).hidden == {}


def test_suppress_two_by_two_hides_everything_but_the_totals() -> None:
    result = suppress([[5, 10], [20, 30]])
    assert result.hidden_cells == {(0, 0): P, (0, 1): C, (1, 0): C, (1, 1): C}
    assert result.cells == ((None, None), (None, None))
    assert (result.row_totals, result.column_totals, result.grand_total) == ((15, 50), (25, 40), 65)


def test_suppress_prefers_partners_that_protect_two_lines() -> None:
    # 3 is primary. Row 0's smallest partner is 40; that leaves column 1 (3) and column 2 (40)
    # with one hidden cell each: 35 goes for column 1, then in row 2 the 45 protects both row 2
    # and column 2 (rather than the smaller 25, which would start a new chain).
    result = suppress([[50, 3, 40], [60, 70, 80], [25, 35, 45]])
    assert result.hidden_cells == {(0, 1): P, (0, 2): C, (2, 1): C, (2, 2): C}
    assert result.cells[1] == (60, 70, 80) and result.unprotected == frozenset()


def test_suppress_hides_small_totals_and_shows_zeros() -> None:
    result = suppress([[3, 0], [40, 50]])
    assert result.hidden_row_totals[0] == P  # a group of 3 respondents
    assert result.cells[0][1] == 0  # zeros are shown
    assert_lines_protected([[3, 0], [40, 50]], result)
    assert_nothing_derivable([[3, 0], [40, 50]], result)


def test_suppress_cells_without_data() -> None:
    table = [[5, None], [20, 30]]
    result = suppress(table)
    assert (0, 1) not in result.hidden_cells and result.cells[0][1] is None
    assert result.hidden_cells[(0, 0)] == P and result.unprotected == frozenset()


def test_suppress_with_given_totals() -> None:
    # Multiple choice: 12 respondents in a group chose 5 and 9 options; the totals are as given.
    result = suppress([[5, 9], [30, 40]], row_totals=[12, 60], column_totals=[35, 49])
    assert result.row_totals[1] == 60 or 1 in result.hidden_row_totals
    assert result.hidden_cells[(0, 0)] == P and result.hidden_cells[(0, 1)] == P
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])


def hidden_positions(table, result) -> set[tuple[int, int]]:
    """Hidden figures of the table with its totals as row R and column C (grand total at R, C)."""
    rows, columns = len(table), len(table[0])
    hidden = set(result.hidden_cells)
    hidden |= {(r, columns) for r in result.hidden_row_totals}
    hidden |= {(rows, c) for c in result.hidden_column_totals}
    if result.grand_total_hidden is not None:
        hidden.add((rows, columns))
    return hidden


def assert_lines_protected(table, result) -> None:
    """Each row and column (with its total) holds no hidden figure or at least two."""
    rows, columns = len(table), len(table[0])
    hidden = hidden_positions(table, result)
    for r in range(rows + 1):
        assert sum((r, c) in hidden for c in range(columns + 1)) != 1, f"row {r}"
    for c in range(columns + 1):
        assert sum((r, c) in hidden for r in range(rows + 1)) != 1, f"column {c}"


def derivable(table, result) -> set[tuple[int, int]]:
    """Hidden figures fixed by the published ones through the table's linear relations (each row
    and column sums to its total, the totals to the grand total): x_k is fixed exactly when no
    solution of the homogeneous system A_H·v = 0 moves it, found by exact row reduction."""
    rows, columns = len(table), len(table[0])
    unknowns = sorted(hidden_positions(table, result))
    index = {position: i for i, position in enumerate(unknowns)}
    equations = []
    for line in ([[(r, c) for c in range(columns + 1)] for r in range(rows + 1)]
                 + [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]):
        coefficients = [Fraction(0)] * len(unknowns)
        for position in line[:-1]:
            if position in index:
                coefficients[index[position]] += 1
        if line[-1] in index:  # the line's total
            coefficients[index[line[-1]]] -= 1
        equations.append(coefficients)
    pivots = row_reduce(equations, len(unknowns))
    free = [j for j in range(len(unknowns)) if j not in pivots]
    return {unknowns[j] for j, row in pivots.items() if all(row[f] == 0 for f in free)}


def row_reduce(matrix: list[list[Fraction]], width: int) -> dict[int, list[Fraction]]:
    """Reduced row echelon form: pivot column -> its row."""
    pivots: dict[int, list[Fraction]] = {}
    remaining = [row[:] for row in matrix]
    for column in range(width):
        source = next((row for row in remaining if row[column] != 0), None)
        if source is None:
            continue
        remaining.remove(source)
        source = [x / source[column] for x in source]
        remaining = [[x - row[column] * y for x, y in zip(row, source, strict=True)] for row in remaining]
        pivots = {c: [x - row[column] * y for x, y in zip(row, source, strict=True)]
                  for c, row in pivots.items()}
        pivots[column] = source
    return pivots


def assert_nothing_derivable(table, result) -> None:
    assert derivable(table, result) == set()


# Counts 0-40, a third of them small, a third zero-or-large: tables with a handful of hidden cells.
COUNTS = st.one_of(st.integers(1, 9), st.integers(0, 40), st.sampled_from([0, 10, 40]))


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 6).flatmap(
    lambda width: st.lists(st.lists(COUNTS, min_size=width, max_size=width), min_size=2, max_size=6)))
def test_no_hidden_count_can_be_rebuilt(table) -> None:
    result = suppress(table)
    rows, columns = len(table), len(table[0])
    # Primary: exactly the counts 1..9 among cells and totals are hidden as primary.
    for (r, c), why in result.hidden_cells.items():
        assert (why == P) == (0 < table[r][c] < 10)
    for r in range(rows):
        for c in range(columns):
            assert result.cells[r][c] == (None if (r, c) in result.hidden_cells else table[r][c])
            assert table[r][c] == 0 or not 0 < table[r][c] < 10 or (r, c) in result.hidden_cells
    assert_lines_protected(table, result)
    assert_nothing_derivable(table, result)
    assert result.unprotected == frozenset()


def test_suppress_closes_a_cycle_the_line_rule_leaves_open() -> None:
    """The line rule alone is not enough. Here it hides 6 5 / 13 1 / . 4 1 (with row 2's and
    column 2's small totals), every line holding 0 or 2+ hidden figures, yet the 4 can be
    computed: rows 0-1 give 11 + 14 = 25, column 0 gives 19, so the four cells of rows 0-1
    in column 1 are 25 - 19 = 6, and the 4 is column 1's total 10 - 6. So `suppress` also
    hides column 1's total, closing a cycle through the 4."""
    table = [[6, 5, 0], [13, 1, 0], [0, 4, 1]]
    result = suppress(table)
    assert result.hidden_column_totals[1] == C
    assert_lines_protected(table, result)
    assert_nothing_derivable(table, result)

    class LineRuleOnly:  # the same, with column 1's total published
        hidden_cells = result.hidden_cells
        hidden_row_totals = result.hidden_row_totals
        hidden_column_totals = {c: why for c, why in result.hidden_column_totals.items() if c != 1}
        grand_total_hidden = result.grand_total_hidden

    assert_lines_protected(table, LineRuleOnly)
    assert (2, 1) in derivable(table, LineRuleOnly)
