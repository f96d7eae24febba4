"""Student-in-course analytics: activity (S1) and assignments (S2).

The caller has passed :func:`~.access.open_student` (behaviour §5's S checks). Results are dialect-free;
the REST serializers choose hourly or daily keys, key names and what a hidden value looks like.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from analytics_gateway.resolvers.cache import Scope, cached
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.coursework import Coursework, load_coursework
from analytics_gateway.resolvers.policy import CourseAccess, StudentAccess
from analytics_gateway.resolvers.stats import Quartiles, quartiles
from analytics_gateway.resolvers.tardiness import Status, recorded_time
from analytics_gateway.storage.queries.coursework import (
    get_module_ids,
    get_participations,
    get_student_hourly_views,
)

__all__ = [
    "MIN_SUBMISSIONS_FOR_STATISTICS",
    "Participation",
    "StudentActivity",
    "StudentAssignment",
    "SubmissionView",
    "activities_for_students",
    "assignments_for_students",
    "hides_distribution",
    "student_activity",
    "student_assignments",
]

MIN_SUBMISSIONS_FOR_STATISTICS = 5
"""Fewer submitted-or-scored submissions hide S2's statistics from a non-privileged caller (§7.6)."""


@dataclass(frozen=True, slots=True)
class Participation:
    """One participating page view (CONTRACT §7.10): when, and the URL as stored."""

    created_at: datetime
    url: str | None


@dataclass(frozen=True, slots=True)
class StudentActivity:
    """S1: the student's page views per UTC hour, and their participations oldest first."""

    hourly: tuple[tuple[datetime, int], ...]
    participations: tuple[Participation, ...]

    @property
    def daily(self) -> list[tuple[date, int]]:
        """Page views per UTC day, ascending (the sums of the hours)."""
        days: dict[date, int] = {}
        for hour, views in self.hourly:
            day = hour.date()
            days[day] = days.get(day, 0) + views
        return list(days.items())

    @property
    def page_views(self) -> int:
        """All of the student's page views in the course."""
        return sum(views for _, views in self.hourly)


async def activities_for_students(
    ctx: AnalyticsContext, course: CourseAccess, student_ids: Sequence[int]
) -> dict[int, StudentActivity]:
    """S1 for several students of one course in two statements (students already authorized)."""
    ids = sorted(set(student_ids))
    if not ids:
        return {}
    async with ctx.engine.connect() as conn:
        hourly = await get_student_hourly_views(conn=conn, course_id=course.course.id, user_ids=ids)
        parts = await get_participations(conn=conn, course_id=course.course.id, user_ids=ids)
    return {
        user: StudentActivity(
            hourly=tuple(hourly.get(user, ())),
            participations=tuple(Participation(p.created_at, p.url) for p in parts.get(user, ())),
        )
        for user in ids
    }


async def student_activity(ctx: AnalyticsContext, access: StudentAccess) -> StudentActivity:
    """S1 for one student (the same for every caller allowed to see it)."""
    course_id, student_id = access.course.course.id, access.student.id

    async def compute() -> tuple[StudentActivity, None]:
        found = await activities_for_students(ctx, access.course, [student_id])
        return found[student_id], None

    return await cached(ctx, ("S1", course_id, student_id), Scope.of(courses=[course_id]), compute)


@dataclass(frozen=True, slots=True)
class SubmissionView:
    """The student's own submission as S2 shows it (CONTRACT §7.6, §7.7)."""

    posted_at: datetime | None
    submitted_at: datetime | None  # the §3.5 recorded time, not the raw column
    score: float | None  # None when hidden as well as when ungraded
    score_hidden: bool  # unposted and the caller is not privileged
    excused: bool


@dataclass(frozen=True, slots=True)
class StudentAssignment:
    """S2: one assignment as the student has it, with the class's distribution when shown."""

    assignment_id: int
    title: str | None
    unlock_at: datetime | None
    points_possible: float | None
    non_digital_submission: bool
    due_at: datetime | None  # the student's effective due date (CONTRACT §7.3)
    status: Status
    muted: bool  # viewer-adjusted (CONTRACT §7.4)
    statistics: Quartiles | None  # None when hidden from this caller (CONTRACT §7.6)
    module_ids: tuple[int, ...]
    submission: SubmissionView | None  # None without a non-deleted submission


def hides_distribution(settings: Any) -> bool:
    """Whether ``courses.settings`` (JSON text or a mapping) sets ``hide_distribution_graphs``."""
    if isinstance(settings, str):
        try:
            settings = json.loads(settings)
        except ValueError:
            return False
    if not isinstance(settings, dict):
        return False
    value = settings.get("hide_distribution_graphs")
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


async def assignments_for_students(
    ctx: AnalyticsContext,
    course: CourseAccess,
    student_ids: Sequence[int],
    *,
    coursework: Coursework | None = None,
) -> dict[int, list[StudentAssignment]]:
    """S2 for several students of one course (already authorized): two statements plus the coursework.

    Each student's list holds the assignments assigned to them (behaviour §3.4 order); CONTRACT §3.6 and
    §7.4-§7.7 decide what the caller is shown.
    """
    work = coursework if coursework is not None else await load_coursework(ctx, course.course.id)
    privileged = course.privileged
    hidden_graphs = hides_distribution(course.course.settings)
    async with ctx.engine.connect() as conn:
        ids = [a.id for a in work.assignments]
        modules = await get_module_ids(conn=conn, assignment_ids=ids) if ids else {}
    shared: dict[int, tuple[bool, Quartiles | None]] = {}
    for assignment in work.assignments:
        aid = assignment.id
        scores = work.scores_of(aid)
        muted = scores.muted
        statistics: Quartiles | None = quartiles(scores.scores)
        if not privileged and (muted or hidden_graphs or scores.shown < MIN_SUBMISSIONS_FOR_STATISTICS):
            statistics = None
        shared[aid] = (muted, statistics)
    result: dict[int, list[StudentAssignment]] = {}
    for user in dict.fromkeys(student_ids):
        rows: list[StudentAssignment] = []
        for assignment in work.assignments:
            aid = assignment.id
            due = work.due(aid, user)
            if not due.assigned:
                continue
            muted, statistics = shared[aid]
            sub = work.submission(aid, user)
            view: SubmissionView | None = None
            if sub is not None:
                hidden = not privileged and sub.posted_at is None
                view = SubmissionView(
                    posted_at=sub.posted_at,
                    submitted_at=recorded_time(
                        sub, due_at=due.due_at, submission_types=work.types[aid], now=work.now
                    ),
                    score=None if hidden else sub.score,
                    score_hidden=hidden,
                    excused=bool(sub.excused),
                )
            rows.append(
                StudentAssignment(
                    assignment_id=aid,
                    title=assignment.title,
                    unlock_at=assignment.unlock_at,
                    points_possible=assignment.points_possible,
                    non_digital_submission=work.non_digital(aid),
                    due_at=due.due_at,
                    status=work.status(aid, user),
                    muted=False if privileged else muted,
                    statistics=statistics,
                    module_ids=tuple(modules.get(aid, ())),
                    submission=view,
                )
            )
        result[user] = rows
    return result


async def student_assignments(
    ctx: AnalyticsContext, access: StudentAccess, *, coursework: Coursework | None = None
) -> list[StudentAssignment]:
    """S2 for one student; what it shows depends only on whether the caller sees every grade."""
    course_id, student_id = access.course.course.id, access.student.id

    async def compute() -> tuple[list[StudentAssignment], datetime | None]:
        if coursework is not None:
            work = coursework
        else:  # this student's submissions in full, the class's only as score facts
            work = await load_coursework(ctx, course_id, user_ids=[student_id], class_scores=True)
        found = await assignments_for_students(ctx, access.course, [student_id], coursework=work)
        return found[student_id], work.changes_at()

    key = ("S2", course_id, student_id, access.course.privileged)
    return await cached(ctx, key, Scope.of(courses=[course_id]), compute)
