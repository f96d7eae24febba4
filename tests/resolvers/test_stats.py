"""Quartiles (reference §3.6, §6.1), levels (§3.7, §6.5), the grade histogram (CONTRACT §3.8, §7.9) and
fractions (CONTRACT §7.8). Expected values are worked out by hand in the comments."""

from __future__ import annotations

from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics_gateway.resolvers.stats import (
    HISTOGRAM_BUCKETS,
    Quartiles,
    activity_level,
    fraction,
    grade_histogram,
    levels,
    quartiles,
)

# --- quartiles (§3.6) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # §3.6 / §6.1: n=5, positions 0.5, 2, 3.5 -> 0.5, 2.0, 3.5.
        ([0, 1, 2, 3, 4], Quartiles(0.5, 2.0, 3.5, 0.0, 4.0)),
        # n=1: Q1 position -0.5 raised to 0, median 0, Q3 0.5 lowered to 0.
        ([9], Quartiles(9.0, 9.0, 9.0, 9.0, 9.0)),
        # n=2: Q1 -0.25 -> 0 -> 1.0; median 0.5 -> 1.5; Q3 1.25 -> 1 -> 2.0.
        ([1, 2], Quartiles(1.0, 1.5, 2.0, 1.0, 2.0)),
        # n=5: positions 0.5, 2, 3.5 -> 2*0.5+4*0.5 = 3, 6, 8*0.5+10*0.5 = 9.
        ([2, 4, 6, 8, 10], Quartiles(3.0, 6.0, 9.0, 2.0, 10.0)),
        # Unsorted input is sorted first: same as [2, 4, 6, 8, 10].
        ([10, 2, 8, 4, 6], Quartiles(3.0, 6.0, 9.0, 2.0, 10.0)),
        # n=3 (§6.5 totals): positions 0, 1, 2 -> 0, 1, 5.
        ([1, 5, 0], Quartiles(0.0, 1.0, 5.0, 0.0, 5.0)),
        # n=4: Q1 0.25 -> 10*0.75+20*0.25 = 12.5; median 1.5 -> 25; Q3 2.75 -> 30*0.25+40*0.75 = 37.5.
        ([10, 20, 30, 40], Quartiles(12.5, 25.0, 37.5, 10.0, 40.0)),
        # Ties: every statistic is the repeated value.
        ([7, 7, 7, 7], Quartiles(7.0, 7.0, 7.0, 7.0, 7.0)),
        # Ties at the low end, n=6: Q1 0.75 -> 1; median 2.5 -> 1*0.5+3*0.5 = 2; Q3 4.25 -> 5*0.75+9*0.25 = 6.
        ([1, 1, 1, 3, 5, 9], Quartiles(1.0, 2.0, 6.0, 1.0, 9.0)),
        # Exact fractional scores (no truncation): n=3 positions 0, 1, 2.
        ([7.5, 2.25, 9.75], Quartiles(2.25, 7.5, 9.75, 2.25, 9.75)),
        # n=7: positions 1, 3, 5.
        ([1, 2, 3, 4, 5, 6, 7], Quartiles(2.0, 4.0, 6.0, 1.0, 7.0)),
    ],
)
def test_quartiles_examples(values: list[float], expected: Quartiles) -> None:
    assert quartiles(values) == expected


def test_quartiles_no_values_are_all_none() -> None:
    assert quartiles([]) == Quartiles(None, None, None, None, None)


def test_quartiles_results_are_floats() -> None:
    q = quartiles([3, 1, 2])
    for value in (q.first_quartile, q.median, q.third_quartile, q.min_score, q.max_score):
        assert type(value) is float


def test_quartiles_does_not_modify_its_input() -> None:
    values = [3.0, 1.0, 2.0]
    quartiles(values)
    assert values == [3.0, 1.0, 2.0]


def five(q: Quartiles) -> tuple[float, float, float, float, float]:
    """min, Q1, median, Q3, max of a non-empty summary."""
    values = (q.min_score, q.first_quartile, q.median, q.third_quartile, q.max_score)
    assert None not in values
    return cast(tuple[float, float, float, float, float], values)


# No example database on disk (nothing to clean up or ignore) and no per-example deadline (slow CI).
PROPERTY = settings(database=None, deadline=None)

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@PROPERTY
@given(st.lists(finite, min_size=1, max_size=60))
def test_quartiles_are_ordered(values: list[float]) -> None:
    low, q1, median, q3, high = five(quartiles(values))
    assert low == min(values)
    assert high == max(values)
    # Interpolating between neighbours stays within them up to one rounding step.
    slack = 1e-6
    assert low - slack <= q1 <= median + slack
    assert q1 - slack <= median <= q3 + slack
    assert median - slack <= q3 <= high + slack


@PROPERTY
@given(st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=60))
def test_quartiles_of_integers_are_exactly_ordered(values: list[int]) -> None:
    low, q1, median, q3, high = five(quartiles(values))
    assert low <= q1 <= median <= q3 <= high


# --- activity levels (§3.7) -------------------------------------------------------------------------------


def test_levels_worked_example() -> None:
    # §6.5: totals A=1, B=5, C=0 -> sorted [0, 1, 5], Q1 0.0, Q3 5.0 -> A: 1 < 5 -> 2; B: 3; C: zero -> 0.
    assert levels([1, 5, 0]) == [2, 3, 0]


def test_levels_all_four_values() -> None:
    # Sorted [0, 2, 4, 6, 8, 10, 12]: Q1 position 1 -> 2.0, Q3 position 5 -> 10.0.
    # 0 -> 0; 2, 4, 6, 8 are not below 2 but below 10 -> 2; 10 and 12 -> 3.
    totals = [0, 2, 4, 6, 8, 10, 12]
    assert levels(totals) == [0, 2, 2, 2, 2, 3, 3]
    # Interpolated Q1: sorted [0, 1, 3, 5, 20]: Q1 position 0.5 -> 0.5, Q3 3.5 -> 12.5.
    # 1 is not < 0.5 -> 2; 20 -> 3; 3 and 5 -> 2; 0 -> 0.
    assert levels([5, 0, 20, 1, 3]) == [2, 0, 3, 2, 2]


def test_levels_level_one() -> None:
    # Sorted [1, 4, 4, 8, 9, 9, 9]: Q1 position 1 -> 4.0; Q3 position 5 -> 9.0. 1 < 4 -> 1.
    assert levels([1, 4, 4, 8, 9, 9, 9]) == [1, 2, 2, 2, 3, 3, 3]


def test_levels_edge_cases() -> None:
    assert levels([]) == []
    assert levels([0]) == [0]
    # One student: Q1 = Q3 = 7 -> 7 is not below either -> 3.
    assert levels([7]) == [3]
    # Everybody equal and non-zero -> 3.
    assert levels([4, 4, 4]) == [3, 3, 3]
    # All zero -> 0 everywhere.
    assert levels([0, 0, 0]) == [0, 0, 0]


@pytest.mark.parametrize(
    ("n", "q1", "q3", "expected"),
    [
        (None, 1.0, 2.0, 0),
        (0, 1.0, 2.0, 0),
        (0, 0.0, 0.0, 0),
        (1, 1.5, 3.0, 1),
        (1, 1.0, 3.0, 2),  # equal to Q1 is not below it
        (3, 1.0, 3.0, 3),  # equal to Q3 is not below it
        (4, 1.0, 3.0, 3),
        (2, None, None, 3),  # no quartiles at all: no comparison holds
    ],
)
def test_activity_level(n: int | None, q1: float | None, q3: float | None, expected: int) -> None:
    assert activity_level(n, q1, q3) == expected


# --- grade histogram (CONTRACT §3.8, §7.9) ----------------------------------------------------------------


def test_grade_histogram_counts_rounded_scores() -> None:
    histogram = grade_histogram([85.0, 85.4, 90.0, None, 12.5, 11.5, 0.0])
    assert histogram is not None
    assert len(histogram) == 101
    expected = [0] * 101
    expected[85] = 2  # 85.0 and 85.4
    expected[90] = 1
    expected[12] = 2  # 12.5 -> 12 and 11.5 -> 12 (half to even)
    expected[0] = 1
    assert histogram == expected


def test_grade_histogram_rounds_before_range_check() -> None:
    expected = [0] * 101
    # -0.5 -> 0 (half to even), -0.4 -> 0, 100.5 -> 100 (half to even), 100.4 -> 100.
    expected[0] = 2
    expected[100] = 2
    # -0.6 -> -1, 100.6 -> 101, 101.5 -> 102, -3 and 250 are outside 0..100.
    assert grade_histogram([-0.5, -0.4, 100.5, 100.4, -0.6, 100.6, 101.5, -3.0, 250.0]) == expected


def test_grade_histogram_none_without_in_range_values() -> None:
    assert grade_histogram([]) is None
    assert grade_histogram([None, None]) is None
    assert grade_histogram([120.0, -5.0, None]) is None
    assert grade_histogram([float("nan"), float("inf")]) is None


def test_grade_histogram_accepts_a_generator() -> None:
    histogram = grade_histogram(s for s in [50.0, 50.0])
    assert histogram is not None
    assert histogram[50] == 2
    assert sum(histogram) == 2


@PROPERTY
@given(st.lists(st.one_of(st.none(), st.floats(min_value=-50, max_value=150, allow_nan=False))))
def test_grade_histogram_total_is_count_in_range(scores: list[float | None]) -> None:
    in_range = [s for s in scores if s is not None and 0 <= round(s) <= 100]
    histogram = grade_histogram(scores)
    if not in_range:
        assert histogram is None
    else:
        assert histogram is not None
        assert len(histogram) == HISTOGRAM_BUCKETS
        assert sum(histogram) == len(in_range)
        assert all(count >= 0 for count in histogram)


# --- fraction (CONTRACT §7.8) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [(0, 0, 0.0), (3, 0, 0.0), (1, 4, 0.25), (3, 4, 0.75), (4, 4, 1.0), (0, 7, 0.0)],
)
def test_fraction(count: int, total: int, expected: float) -> None:
    result = fraction(count, total)
    assert result == expected
    assert type(result) is float
