"""``assignment_class_scores``: each assignment's score distribution over its course's current students.

One student's S2 shows, per assignment, the class's score quartiles (hidden from a student when fewer
than five classmates submitted or were scored, CONTRACT §7.6) and whether it is muted (a graded, unposted
submission, §7.4). Read from ``submissions`` that is every submission of the course (18,700 for 500
students and 40 assignments); read from this table it is one row per distinct score of each assignment.
The rows are derived, never incremented: the importer rebuilds a course's rows from its submissions,
assignments and enrollments as they are at the end of any import of those tables that touched the
course, in that import's transaction.

The rule is :class:`~analytics_gateway.resolvers.coursework.Coursework`'s, in SQL: the live (not
deleted) submissions of the course's assignments, per (assignment, student) the lowest id, of users with
a current student enrollment in the course (CONTRACT §7.1).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, and_, case, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.queries.permissions import STUDENT_STATES
from analytics_gateway.storage.tables import assignment_class_scores, assignments, enrollments, submissions

__all__ = ["rebuild_assignment_class_scores"]

_COLUMNS = ["course_id", "assignment_id", "scored", "score", "submissions", "shown", "unposted"]


def _class_scores(course_ids: Collection[int] | None) -> Select[tuple[int, int, bool, float, int, int, int]]:
    """The table's rows computed from submissions, assignments and enrollments (``None``: every course)."""
    s, a, e = submissions, assignments, enrollments
    conditions = [
        s.c.user_id.is_not(None),
        or_(s.c.workflow_state.is_(None), s.c.workflow_state != "deleted"),
    ]
    if course_ids is not None:
        conditions.append(a.c.context_id.in_(sorted(course_ids)))
    live = (
        select(
            a.c.context_id.label("course_id"),
            s.c.assignment_id,
            s.c.user_id,
            s.c.score.is_not(None).label("scored"),
            func.coalesce(s.c.score, 0.0).label("score"),
            case((or_(s.c.score.is_not(None), s.c.submitted_at.is_not(None)), 1), else_=0).label("shown"),
            case(
                (
                    and_(
                        or_(s.c.score.is_not(None), s.c.workflow_state == "graded"), s.c.posted_at.is_(None)
                    ),
                    1,
                ),
                else_=0,
            ).label("unposted"),
            func.row_number().over(partition_by=(s.c.assignment_id, s.c.user_id), order_by=s.c.id).label("n"),
        )
        .select_from(s.join(a, and_(a.c.id == s.c.assignment_id, a.c.context_type == "Course")))
        .where(*conditions)
        .subquery("live")
    )
    current = exists().where(
        e.c.course_id == live.c.course_id,
        e.c.user_id == live.c.user_id,
        e.c.type == "StudentEnrollment",
        e.c.workflow_state.in_(STUDENT_STATES),
    )
    return (
        select(
            live.c.course_id,
            live.c.assignment_id,
            live.c.scored,
            live.c.score,
            func.count(),
            func.sum(live.c.shown),
            func.sum(live.c.unposted),
        )
        .where(live.c.n == 1, current)
        .group_by(live.c.course_id, live.c.assignment_id, live.c.scored, live.c.score)
    )


async def rebuild_assignment_class_scores(conn: AsyncConnection, course_ids: Collection[int] | None) -> None:
    """Recompute the rows of these courses (``None``: all) from their submissions and students."""
    t = assignment_class_scores
    if course_ids is None:
        await conn.execute(delete(t))
        await conn.execute(t.insert().from_select(_COLUMNS, _class_scores(None)))
        return
    for part in chunks(sorted(course_ids)):
        await conn.execute(delete(t).where(t.c.course_id.in_(part)))
        await conn.execute(t.insert().from_select(_COLUMNS, _class_scores(part)))
