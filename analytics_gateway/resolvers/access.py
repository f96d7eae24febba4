"""The checks that open every course and student analytic, in the order of behaviour §5.

C1-C3: course lookup (404) → ``view_analytics`` on the course (401/403); the route's own last check
(``read_as_admin``, or grade rights for C3) follows. The "course has visible students" 404 of Canvas is
not applied (CONTRACT §3.2). S1-S3 then resolve the user (404), require a visible student enrollment
(404) and ``read_grades`` on it (403).
"""

from __future__ import annotations

from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.lookup import resolve_course, resolve_user
from analytics_gateway.resolvers.policy import (
    CourseAccess,
    StudentAccess,
    authorize_student,
    course_access,
    require_course_analytics,
)

__all__ = ["open_course", "open_student"]


async def open_course(ctx: AnalyticsContext, course_ref: str) -> CourseAccess:
    """The course of a path segment and the caller's rights on it, after ``view_analytics``."""
    course = await resolve_course(ctx, course_ref)
    access = await course_access(ctx, course)
    require_course_analytics(access)
    return access


async def open_student(ctx: AnalyticsContext, course_ref: str, student_ref: str) -> StudentAccess:
    """A student of a course the caller may look at (S1-S3's checks, behaviour §5)."""
    access = await open_course(ctx, course_ref)
    student = await resolve_user(ctx, student_ref)
    return await authorize_student(ctx, access, student)
