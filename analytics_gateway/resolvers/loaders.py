"""Per-request dataloaders: the analytics layer as a GraphQL request reads it (design: batch per level).

One :class:`Loaders` is made per request. Entity loaders batch every key of a level into one statement;
course-level loaders (access, coursework, summaries) are computed once per course and shared by every
field that needs them; per-student analytics are batched per course, so a course page with 100 students
costs the same number of statements as one with 10.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from analytics_gateway.resolvers.access import authorize_loaded_student
from analytics_gateway.resolvers.communication import Communication, communications_for_students
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.course import StudentSummary, course_student_summaries
from analytics_gateway.resolvers.coursework import Coursework, load_coursework
from analytics_gateway.resolvers.errors import AnalyticsError, NotFound
from analytics_gateway.resolvers.policy import (
    AccountAccess,
    CourseAccess,
    StudentAccess,
    account_access,
    course_access,
    require_course_analytics,
    require_grade_access,
)
from analytics_gateway.resolvers.student import (
    StudentActivity,
    StudentAssignment,
    activities_for_students,
    assignments_for_students,
)
from analytics_gateway.storage.queries.coursework import get_course_student_sections
from analytics_gateway.storage.queries.entities import (
    EnrollmentRow,
    SectionRow,
    get_accounts,
    get_child_account_ids,
    get_course_enrollments,
    get_course_sections,
    get_courses,
    get_sis_user_ids,
    get_terms,
    get_users,
)
from analytics_gateway.storage.queries.lookup import (
    LIVE_COURSE_STATES,
    VISIBLE_COURSE_STATES,
    AccountRow,
    CourseRow,
    TermRow,
    UserRow,
)

__all__ = ["Loaders", "StudentKey"]

K = TypeVar("K")
V = TypeVar("V")
StudentKey = tuple[int, int]
"""``(course_id, user_id)``."""


def _batch(
    ctx: AnalyticsContext, fetch: Callable[..., Awaitable[dict[K, V]]], keyword: str
) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    """A load function running one batched query function for all keys (missing keys → None)."""

    async def load(keys: list[K]) -> list[V | None]:
        async with ctx.engine.connect() as conn:
            found = await fetch(conn=conn, **{keyword: keys})
        return [found.get(k) for k in keys]

    return load


def _lists(
    ctx: AnalyticsContext, fetch: Callable[..., Awaitable[dict[K, list[V]]]], keyword: str
) -> Callable[[list[K]], Awaitable[list[list[V]]]]:
    async def load(keys: list[K]) -> list[list[V]]:
        async with ctx.engine.connect() as conn:
            found = await fetch(conn=conn, **{keyword: keys})
        return [found.get(k, []) for k in keys]

    return load


async def _live_courses(*, conn: AsyncConnection, course_ids: list[int]) -> dict[int, CourseRow]:
    """Courses in any state but deleted: lists may show unpublished ones (their analytics are 404)."""
    return await get_courses(conn=conn, course_ids=course_ids, states=LIVE_COURSE_STATES)


class Loaders:
    """Every loader of one request."""

    def __init__(self, ctx: AnalyticsContext) -> None:
        self.ctx = ctx
        self.accounts: DataLoader[int, AccountRow | None] = DataLoader(
            _batch(ctx, get_accounts, "account_ids")
        )
        self.child_accounts: DataLoader[int, list[int]] = DataLoader(
            _lists(ctx, get_child_account_ids, "parent_ids")
        )
        self.terms: DataLoader[int, TermRow | None] = DataLoader(_batch(ctx, get_terms, "term_ids"))
        self.courses: DataLoader[int, CourseRow | None] = DataLoader(_batch(ctx, _live_courses, "course_ids"))
        self.users: DataLoader[int, UserRow | None] = DataLoader(_batch(ctx, get_users, "user_ids"))
        self.sis_user_ids: DataLoader[int, str | None] = DataLoader(_batch(ctx, get_sis_user_ids, "user_ids"))
        self.sections: DataLoader[int, list[SectionRow]] = DataLoader(
            _lists(ctx, get_course_sections, "course_ids")
        )
        self.enrollments: DataLoader[int, list[EnrollmentRow]] = DataLoader(
            _lists(ctx, get_course_enrollments, "course_ids")
        )
        self.account_access: DataLoader[int, AccountAccess] = DataLoader(self._account_access)
        self.course_access: DataLoader[int, CourseAccess] = DataLoader(self._course_access)
        self.students: DataLoader[int, dict[int, frozenset[int]]] = DataLoader(self._students)
        self.coursework: DataLoader[int, Coursework] = DataLoader(self._coursework)
        self.summaries: DataLoader[int, dict[int, StudentSummary]] = DataLoader(self._summaries)
        self.activity: DataLoader[StudentKey, StudentActivity] = DataLoader(self._activity)
        self.student_assignments: DataLoader[StudentKey, list[StudentAssignment]] = DataLoader(
            self._student_assignments
        )
        self.communication: DataLoader[StudentKey, Communication] = DataLoader(self._communication)

    # --- access --------------------------------------------------------------------------------------

    async def _account_access(self, keys: list[int]) -> list[AccountAccess | BaseException]:
        found: list[AccountAccess | BaseException] = []
        for key in keys:
            account = await self.accounts.load(key)
            found.append(
                NotFound(f"account {key}") if account is None else await account_access(self.ctx, account)
            )
        return found

    async def _course_access(self, keys: list[int]) -> list[CourseAccess | BaseException]:
        found: list[CourseAccess | BaseException] = []
        for key in keys:
            course = await self.courses.load(key)
            found.append(
                NotFound(f"course {key}") if course is None else await course_access(self.ctx, course)
            )
        return found

    async def analytics_course(self, course_id: int) -> CourseAccess:
        """The course and the caller's rights on it, after ``view_analytics`` (REST's first checks).

        Only published and concluded courses have analytics (behaviour §2.1), as on the REST routes.
        """
        access = await self.course_access.load(course_id)
        if access.course.workflow_state not in VISIBLE_COURSE_STATES:
            raise NotFound(f"course {course_id}")
        require_course_analytics(access)
        return access

    async def student_access(self, course_id: int, user_id: int) -> StudentAccess:
        """A student of the course the caller may look at (S1-S3's checks, without a query per student)."""
        access = await self.analytics_course(course_id)
        user = await self.users.load(user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        students = await self.students.load(course_id)
        return authorize_loaded_student(access, students, user)

    # --- course-level analytics ------------------------------------------------------------------------

    async def _students(self, keys: list[int]) -> list[dict[int, frozenset[int]]]:
        found = []
        async with self.ctx.engine.connect() as conn:
            for key in keys:
                found.append(await get_course_student_sections(conn=conn, course_id=key))
        return found

    async def _coursework(self, keys: list[int]) -> list[Coursework]:
        return [await load_coursework(self.ctx, key) for key in keys]

    async def _summaries(self, keys: list[int]) -> list[dict[int, StudentSummary] | BaseException]:
        found: list[dict[int, StudentSummary] | BaseException] = []
        for key in keys:
            try:
                access = await self.analytics_course(key)
                require_grade_access(access)
                rows = await course_student_summaries(
                    self.ctx, access, coursework=partial(self.coursework.load, key)
                )
            except AnalyticsError as exc:
                found.append(exc)
                continue
            found.append({row.id: row for row in rows})
        return found

    # --- per-student analytics, batched per course -------------------------------------------------------

    async def _by_course(
        self,
        keys: list[StudentKey],
        compute: Callable[[CourseAccess, list[int]], Awaitable[dict[int, V]]],
    ) -> list[V | BaseException]:
        """Authorize each (course, student) key, then compute each course's students in one call."""
        users: defaultdict[int, list[int]] = defaultdict(list)
        failures: dict[StudentKey, BaseException] = {}
        courses: dict[int, CourseAccess] = {}
        for course_id, user_id in keys:
            try:
                access = await self.student_access(course_id, user_id)
            except AnalyticsError as exc:
                failures[(course_id, user_id)] = exc
                continue
            courses[course_id] = access.course
            users[course_id].append(user_id)
        computed: dict[StudentKey, V] = {}
        for course_id, ids in users.items():
            for user_id, value in (await compute(courses[course_id], ids)).items():
                computed[(course_id, user_id)] = value
        return [failures[k] if k in failures else computed[k] for k in keys]

    async def _activity(self, keys: list[StudentKey]) -> list[StudentActivity | BaseException]:
        async def compute(access: CourseAccess, ids: list[int]) -> dict[int, StudentActivity]:
            return await activities_for_students(self.ctx, access, ids)

        return await self._by_course(keys, compute)

    async def _student_assignments(
        self, keys: list[StudentKey]
    ) -> list[list[StudentAssignment] | BaseException]:
        async def compute(access: CourseAccess, ids: list[int]) -> dict[int, list[StudentAssignment]]:
            work = await self.coursework.load(access.course.id)
            return await assignments_for_students(self.ctx, access, ids, coursework=work)

        return await self._by_course(keys, compute)

    async def _communication(self, keys: list[StudentKey]) -> list[Communication | BaseException]:
        async def compute(access: CourseAccess, ids: list[int]) -> dict[int, Communication]:
            return await communications_for_students(self.ctx, access, ids)

        return await self._by_course(keys, compute)
