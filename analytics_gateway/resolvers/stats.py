"""Pure statistics of the analytics layer: quartiles, activity levels, the grade histogram, fractions.

* Quartiles and median: reference §3.6 (canvas-lms ``lib/stats.rb``), the "(n+1)" method with end
  clamping, implemented directly (never ``statistics.quantiles``).
* Activity levels: reference §3.7, over all visible students' totals, zeros included (CONTRACT §7.13).
* Grade histogram: reference §3.9 with the fixes of CONTRACT §3.8 and §7.9 (one value per (course,
  student), missing scores skipped, round half to even, 0..100 kept).
* Fractions: CONTRACT §7.8 (a fraction over a total of 0 is ``0.0``).

No database, no I/O, no clock (the bucket rule is storage's: the importer buckets D2's counts with it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analytics_gateway.storage.queries.scores import HISTOGRAM_BUCKETS, grade_bucket

__all__ = [
    "HISTOGRAM_BUCKETS",
    "Quartiles",
    "activity_level",
    "fraction",
    "grade_histogram",
    "grade_histogram_of_buckets",
    "levels",
    "quartiles",
]


@dataclass(frozen=True, slots=True)
class Quartiles:
    """The five-number summary of a set of values; every field is ``None`` when there are no values."""

    first_quartile: float | None
    median: float | None
    third_quartile: float | None
    min_score: float | None
    max_score: float | None


_EMPTY = Quartiles(None, None, None, None, None)


def _value_at(ordered: Sequence[float], position: float) -> float:
    """Linear interpolation at a 0-based fractional position (§3.6); the last element has no successor."""
    i = math.floor(position)
    if i >= len(ordered) - 1:
        return float(ordered[-1])
    f = position - i
    return float(ordered[i]) * (1 - f) + float(ordered[i + 1]) * f


def quartiles(values: Sequence[float]) -> Quartiles:
    """Q1, median, Q3, min and max of ``values`` (any order) by reference §3.6.

    position(q) = (n+1)·q - 1 (0-based); Q1's position is raised to 0 when negative, Q3's lowered to
    n-1 when beyond it; the median's is never clamped (it cannot leave 0..n-1).
    """
    if not values:
        return _EMPTY
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    q1_pos = max((n + 1) * 0.25 - 1, 0.0)
    median_pos = (n + 1) * 0.5 - 1
    q3_pos = min((n + 1) * 0.75 - 1, float(n - 1))
    return Quartiles(
        first_quartile=_value_at(ordered, q1_pos),
        median=_value_at(ordered, median_pos),
        third_quartile=_value_at(ordered, q3_pos),
        min_score=ordered[0],
        max_score=ordered[-1],
    )


def activity_level(n: int | None, q1: float | None, q3: float | None) -> int:
    """Activity level 0-3 of one student's total ``n`` (reference §3.7).

    0 if ``n`` is null or 0; 1 if n < Q1; 2 if n < Q3; else 3. A missing quartile (only possible with no
    students at all) makes its comparison false.
    """
    if not n:
        return 0
    if q1 is not None and n < q1:
        return 1
    if q3 is not None and n < q3:
        return 2
    return 3


def levels(totals: Sequence[int]) -> list[int]:
    """The level of every total, with Q1/Q3 taken over all of ``totals`` (zeros included; §3.7, §6.5)."""
    q = quartiles(totals)
    return [activity_level(t, q.first_quartile, q.third_quartile) for t in totals]


def grade_histogram(scores: Iterable[float | None]) -> list[int] | None:
    """Counts of rounded scores 0..100 (101 buckets), or ``None`` when no score lands in that range.

    ``scores`` holds one overall ``current_score`` per (course, student) (CONTRACT §3.8); each lands in
    its :func:`~analytics_gateway.storage.queries.scores.grade_bucket` (rounded half to even, within
    0..100; ``None`` and non-finite values nowhere).
    """
    return grade_histogram_of_buckets(Counter(grade_bucket(score) for score in scores).items())


def grade_histogram_of_buckets(counts: Iterable[tuple[int | None, int]]) -> list[int] | None:
    """:func:`grade_histogram` from ``(bucket, students)`` pairs (bucket ``None``: none)."""
    histogram = [0] * HISTOGRAM_BUCKETS
    found = False
    for bucket, students in counts:
        if bucket is not None and 0 <= bucket < HISTOGRAM_BUCKETS and students > 0:
            histogram[bucket] += students
            found = True
    return histogram if found else None


def fraction(count: int, total: int) -> float:
    """``count / total`` as a float, ``0.0`` when ``total`` is 0 (CONTRACT §7.8)."""
    if total == 0:
        return 0.0
    return count / total
