"""The checks that open every course and student analytic, in the order of behaviour §5.

C1-C3: course lookup (404) → ``view_analytics`` on the course (401/403); the route's own last check
(``read_as_admin``, or grade rights for C3) follows. The "course has visible students" 404 of Canvas is
not applied (CONTRACT §3.2). S1-S3 then resolve the user (404), require a visible student enrollment
(404) and ``read_grades`` on it (403).
"""

from __future__ import annotations

from analytics_gateway.resolvers.cache import Scope, cached
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.coursework import visible_students
from analytics_gateway.resolvers.errors import Forbidden, NotFound
from analytics_gateway.resolvers.lookup import resolve_course, resolve_user
from analytics_gateway.resolvers.policy import (
    CourseAccess,
    StudentAccess,
    authorize_student,
    course_access,
    require_course_analytics,
)
from analytics_gateway.storage.queries.lookup import UserRow

__all__ = ["authorize_loaded_student", "open_course", "open_student"]


async def open_course(ctx: AnalyticsContext, course_ref: str) -> CourseAccess:
    """The course of a path segment and the caller's rights on it, after ``view_analytics``."""

    async def compute() -> tuple[CourseAccess, None]:
        return await course_access(ctx, await resolve_course(ctx, course_ref)), None

    # The caller's rights come from the course's rows (enrollments: course-scoped imports) and from
    # accounts, roles, role overrides and admins, whose imports touch everything (resolvers/cache.py).
    key = ("course_access", ctx.viewer.user_id, course_ref)
    access = await cached(ctx, key, lambda a: Scope.of(courses=[a.course.id]), compute)
    require_course_analytics(access)
    return access


async def open_student(ctx: AnalyticsContext, course_ref: str, student_ref: str) -> StudentAccess:
    """A student of a course the caller may look at (S1-S3's checks, behaviour §5)."""
    access = await open_course(ctx, course_ref)

    async def compute() -> tuple[StudentAccess, None]:
        return await authorize_student(ctx, access, await resolve_user(ctx, student_ref)), None

    # From the course's enrollments and the users' rows (imports of users touch everything), on top of the
    # caller's course access just checked. A refusal (404, 403) is not kept: it is checked again each time.
    key = ("student_access", ctx.viewer.user_id, course_ref, student_ref)
    return await cached(ctx, key, Scope.of(courses=[access.course.id]), compute)


def authorize_loaded_student(
    access: CourseAccess, students: dict[int, frozenset[int]], student: UserRow
) -> StudentAccess:
    """:func:`open_student`'s last two checks against loaded enrollments (GraphQL lists): 404, then 403."""
    if student.id not in students or student.id not in visible_students(
        access, {student.id: students[student.id]}
    ):
        raise NotFound(f"user {student.id} is not a visible student of course {access.course.id}")
    if student.id == access.user_id or access.privileged or student.id in access.observed_user_ids:
        return StudentAccess(access, student)
    raise Forbidden
