"""Students' overall course scores (C3's score sort, D2's histogram; CONTRACT §3.8)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.queries.permissions import STUDENT_STATES
from analytics_gateway.storage.tables import enrollments, scores

__all__ = ["get_course_scores"]


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
