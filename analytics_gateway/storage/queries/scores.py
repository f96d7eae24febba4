"""Students' overall course scores (C3's score sort, D2's histogram; CONTRACT §3.8)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.queries.permissions import STUDENT_STATES
from analytics_gateway.storage.tables import account_grade_counts, enrollments, scores

__all__ = ["HISTOGRAM_BUCKETS", "get_course_scores", "get_department_grade_counts", "grade_bucket"]

HISTOGRAM_BUCKETS = 101
"""Buckets of the department grade histogram: integer scores 0..100 (reference §3.9)."""


def grade_bucket(score: float | None) -> int | None:
    """The histogram bucket of a score: rounded half to even, kept within 0..100 (CONTRACT §7.9).

    Python's ``round``, as PostgreSQL's ``round(float8)`` (reference §3.9); rounded first, then checked,
    so 100.4 counts as 100 and -0.4 as 0. ``None`` and non-finite scores have no bucket.
    """
    if score is None or not math.isfinite(score):
        return None
    bucket = round(score)
    return bucket if 0 <= bucket < HISTOGRAM_BUCKETS else None


async def get_course_scores(
    *, conn: AsyncConnection, course_ids: Collection[int]
) -> dict[tuple[int, int], float | None]:
    """``(course_id, user_id) → current_score`` for every current student of the courses.

    The score is the enrollment's overall course score (``scores.course_score`` true, no grading period,
    not deleted); a student with several enrollments gets the first one's (by enrollment id) that has a
    score; a student without any score maps to None. Test Students are not students (CONTRACT §3.1).
    """
    found: dict[tuple[int, int], float | None] = {}
    score_join = and_(
        scores.c.enrollment_id == enrollments.c.id,
        scores.c.course_score.is_(True),
        scores.c.grading_period_id.is_(None),
        scores.c.workflow_state != "deleted",
    )
    for part in chunks(sorted(course_ids)):
        query = (
            select(enrollments.c.course_id, enrollments.c.user_id, scores.c.current_score)
            .select_from(enrollments.outerjoin(scores, score_join))
            .where(
                enrollments.c.course_id.in_(part),
                enrollments.c.type == "StudentEnrollment",
                enrollments.c.workflow_state.in_(STUDENT_STATES),
                enrollments.c.user_id.is_not(None),
            )
            .order_by(enrollments.c.id, scores.c.id)
        )
        for course_id, user_id, score in await conn.execute(query):
            key = (int(course_id), int(user_id))
            if found.get(key) is None:
                found[key] = None if score is None else float(score)
    return found


async def get_department_grade_counts(
    *, conn: AsyncConnection, account_ids: Collection[int], term_id: int, states: Collection[str]
) -> Counter[int]:
    """``bucket → students`` over the courses placed in these accounts, in the term and states (the course
    set of ``get_department_courses``), from ``account_grade_counts`` (kept by the importer)."""
    t = account_grade_counts
    found: Counter[int] = Counter()
    for part in chunks(sorted(account_ids)):
        query = (
            select(t.c.bucket, func.sum(t.c.students))
            .where(t.c.account_id.in_(part), t.c.term_id == term_id, t.c.workflow_state.in_(list(states)))
            .group_by(t.c.bucket)
        )
        for bucket, students in await conn.execute(query):
            found[int(bucket)] += int(students)
    return found
