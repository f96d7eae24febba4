"""``course_score_counts`` and ``account_grade_counts``: students per current score, for department grades.

Department grades (D2) are a histogram over every (course, student) of the department's courses. Read
from ``enrollments`` and ``scores`` that is tens of thousands of rows for a large term; summed from this
table it is one row per distinct score of each course. The rows are derived, never incremented: the
importer rebuilds a course's rows from its enrollments and scores as they are at the end of any import
of either table that touched the course, in that import's transaction.

``account_grade_counts`` sums the course counts per rounded score (the histogram's buckets) over the
courses placed in an account, term and state: the keys that pick a department's course set. An account's
rows are rebuilt from the course counts with them, and when courses move (the courses import).

The rule is :func:`~analytics_gateway.storage.queries.scores.get_course_scores`'s, in SQL: current student
enrollments (Test Students are not students), each with its overall course score (``course_score``, no
grading period, not deleted); per (course, student) the first score by enrollment id, then score id;
students without a score are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.queries.permissions import STUDENT_STATES
from analytics_gateway.storage.queries.scores import grade_bucket
from analytics_gateway.storage.tables import (
    account_grade_counts,
    course_score_counts,
    courses,
    enrollments,
    scores,
)

__all__ = ["rebuild_account_grade_counts", "rebuild_course_score_counts"]


def _counts(course_ids: Collection[int] | None) -> Select[tuple[int, float, int]]:
    """``(course_id, score, students)`` computed from enrollments and scores (``None``: every course)."""
    e, s = enrollments, scores
    first = (
        func.row_number()
        .over(partition_by=(e.c.course_id, e.c.user_id), order_by=(e.c.id, s.c.id))
        .label("n")
    )
    conditions = [
        e.c.type == "StudentEnrollment",
        e.c.workflow_state.in_(STUDENT_STATES),
        e.c.user_id.is_not(None),
        e.c.course_id.is_not(None),
    ]
    if course_ids is not None:
        conditions.append(e.c.course_id.in_(sorted(course_ids)))
    scored = (
        select(e.c.course_id, s.c.current_score.label("score"), first)
        .select_from(
            e.join(
                s,
                and_(
                    s.c.enrollment_id == e.c.id,
                    s.c.course_score.is_(True),
                    s.c.grading_period_id.is_(None),
                    s.c.workflow_state != "deleted",
                    s.c.current_score.is_not(None),
                ),
            )
        )
        .where(*conditions)
        .subquery()
    )
    return (
        select(scored.c.course_id, scored.c.score, func.count())
        .where(scored.c.n == 1)
        .group_by(scored.c.course_id, scored.c.score)
    )


async def rebuild_course_score_counts(conn: AsyncConnection, course_ids: Collection[int] | None) -> None:
    """Recompute the rows of these courses (``None``: all) from their enrollments and scores."""
    t = course_score_counts
    columns = ["course_id", "score", "students"]
    if course_ids is None:
        await conn.execute(delete(t))
        await conn.execute(t.insert().from_select(columns, _counts(None)))
        return
    for part in chunks(sorted(course_ids)):
        await conn.execute(delete(t).where(t.c.course_id.in_(part)))
        await conn.execute(t.insert().from_select(columns, _counts(part)))


async def rebuild_account_grade_counts(conn: AsyncConnection, account_ids: Collection[int] | None) -> None:
    """Recompute ``account_grade_counts`` for these accounts (``None``: all) from the course counts."""
    n, c, a = course_score_counts, courses, account_grade_counts
    source = (
        select(c.c.account_id, c.c.enrollment_term_id, c.c.workflow_state, n.c.score, n.c.students)
        .select_from(n.join(c, c.c.id == n.c.course_id))
        .where(
            c.c.account_id.is_not(None),
            c.c.enrollment_term_id.is_not(None),
            c.c.workflow_state.is_not(None),
        )
    )
    parts: Sequence[Sequence[int] | None] = (
        [None] if account_ids is None else list(chunks(sorted(account_ids)))
    )
    for part in parts:
        await conn.execute(delete(a) if part is None else delete(a).where(a.c.account_id.in_(part)))
        totals: Counter[tuple[int, int, str, int]] = Counter()
        query = source if part is None else source.where(c.c.account_id.in_(part))
        for account_id, term_id, state, score, students in await conn.execute(query):
            bucket = grade_bucket(score)
            if bucket is not None:
                totals[(int(account_id), int(term_id), str(state), bucket)] += int(students)
        rows: list[dict[str, Any]] = [
            {"account_id": k[0], "term_id": k[1], "workflow_state": k[2], "bucket": k[3], "students": v}
            for k, v in sorted(totals.items())
        ]
        if rows:
            await conn.execute(a.insert(), rows)
