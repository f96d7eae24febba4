"""Course analytics: activity (C1), assignment statistics (C2) and student summaries (C3).

Each function takes the caller's :class:`CourseAccess` (from :func:`~.access.open_course`), applies the
route's last permission check itself (behaviour §5), so GraphQL and REST enforce the same rule, and
returns dialect-free dataclasses. Population and fixes: CONTRACT §3.1-§3.5, §7.4, §7.5, §7.13.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, TypeVar

from analytics_gateway.resolvers.cache import Scope, cached, visibility_key
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.coursework import Coursework, load_coursework, visible_students
from analytics_gateway.resolvers.policy import CourseAccess, require_grade_access, require_read_as_admin
from analytics_gateway.resolvers.stats import Quartiles, activity_level, quartiles
from analytics_gateway.resolvers.tardiness import TardinessBreakdown, TardinessCounts, TardinessFractions
from analytics_gateway.storage.queries.coursework import (
    get_course_daily_activity,
    get_course_student_sections,
    get_student_page_view_totals,
    get_user_names,
)
from analytics_gateway.storage.queries.scores import get_course_scores

__all__ = [
    "SORT_COLUMNS",
    "AssignmentStatistics",
    "CourseworkSource",
    "DayActivity",
    "SortKey",
    "StudentSummary",
    "SummaryBase",
    "course_activity",
    "course_assignments",
    "course_student_order",
    "course_student_summaries",
    "parse_sort_column",
    "sort_summaries",
    "student_name_order",
    "student_summaries_of",
]

SortKey = Literal["name", "score", "participations", "page_views"]

CourseworkSource = Callable[[], Awaitable[Coursework]]
"""Where a request's shared :class:`Coursework` comes from (its dataloader); called only on a cache miss."""
SORT_COLUMNS: tuple[str, ...] = tuple(
    f"{base}{suffix}"
    for base in ("name", "score", "participations", "page_views")
    for suffix in ("", "_ascending", "_descending")
)
"""The twelve ``sort_column`` values of C3 (behaviour §4 C3)."""


@dataclass(frozen=True, slots=True)
class DayActivity:
    """Page views and participations of one UTC day."""

    date: date
    views: int
    participations: int


async def course_activity(ctx: AnalyticsContext, access: CourseAccess) -> list[DayActivity]:
    """C1: the course's page views and participations per UTC day, all users, dates ascending."""
    require_read_as_admin(access)
    course_id = access.course.id

    async def compute() -> tuple[list[DayActivity], None]:
        async with ctx.engine.connect() as conn:
            rows = await get_course_daily_activity(conn=conn, course_id=course_id)
        return [DayActivity(day, views, parts) for day, views, parts in rows], None

    return await cached(ctx, ("C1", course_id), Scope.of(courses=[course_id]), compute)


@dataclass(frozen=True, slots=True)
class AssignmentStatistics:
    """C2: one assignment's score distribution and tardiness over the visible students assigned it."""

    assignment_id: int
    title: str | None
    points_possible: float | None
    due_at: datetime | None  # the base due date (behaviour §4 C2)
    unlock_at: datetime | None
    muted: bool  # the assignment's own value (CONTRACT §7.4)
    non_digital_submission: bool
    scores: Quartiles  # exact scores (CONTRACT §3.3); all None without scores
    tardiness: TardinessFractions


async def course_assignments(
    ctx: AnalyticsContext, access: CourseAccess, *, coursework: CourseworkSource | None = None
) -> list[AssignmentStatistics]:
    """C2: every published assignment (behaviour §3.4 order), even with no student (CONTRACT §3.2-§3.4)."""
    require_read_as_admin(access)
    course_id = access.course.id

    async def compute() -> tuple[list[AssignmentStatistics], datetime | None]:
        work = await coursework() if coursework is not None else await load_coursework(ctx, course_id)
        return _assignment_statistics(access, work), work.changes_at()

    key = ("C2", course_id, visibility_key(access))
    return await cached(ctx, key, Scope.of(courses=[course_id]), compute)


def _assignment_statistics(access: CourseAccess, work: Coursework) -> list[AssignmentStatistics]:
    population = visible_students(access, work.students)
    result: list[AssignmentStatistics] = []
    for assignment in work.assignments:
        aid = assignment.id
        judged = work.statuses(aid)
        assigned = [u for u in population if u in judged]
        non_digital = work.non_digital(aid)
        if non_digital:
            breakdown = TardinessBreakdown()
            breakdown.add_non_digital(len(assigned))
        else:
            breakdown = TardinessBreakdown.of(judged[u] for u in assigned)
        by_user = work.submissions.get(aid, {})
        values = [
            sub.score for user in assigned if (sub := by_user.get(user)) is not None and sub.score is not None
        ]
        result.append(
            AssignmentStatistics(
                assignment_id=aid,
                title=assignment.title,
                points_possible=assignment.points_possible,
                due_at=assignment.due_at,
                unlock_at=assignment.unlock_at,
                muted=work.muted(aid),
                non_digital_submission=non_digital,
                scores=quartiles(values),
                tardiness=breakdown.fractions(),
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class SummaryBase:
    """C3's row of one visible student without the tardiness: what C3 sorts by, and the levels."""

    id: int
    page_views: int
    max_page_views: int | None
    page_views_level: int
    participations: int
    max_participations: int | None
    participations_level: int
    sortable_name: str
    current_score: float | None


@dataclass(frozen=True, slots=True)
class StudentSummary:
    """C3: one visible student's page views, participations, levels and tardiness in the course."""

    id: int
    page_views: int
    max_page_views: int | None
    page_views_level: int
    participations: int
    max_participations: int | None
    participations_level: int
    tardiness: TardinessCounts
    sortable_name: str
    current_score: float | None

    @classmethod
    def of(cls, base: SummaryBase, tardiness: TardinessCounts) -> StudentSummary:
        """The summary of ``base``'s student with their tardiness."""
        return cls(
            id=base.id,
            page_views=base.page_views,
            max_page_views=base.max_page_views,
            page_views_level=base.page_views_level,
            participations=base.participations,
            max_participations=base.max_participations,
            participations_level=base.participations_level,
            tardiness=tardiness,
            sortable_name=base.sortable_name,
            current_score=base.current_score,
        )


class _Sortable(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def page_views(self) -> int: ...
    @property
    def participations(self) -> int: ...
    @property
    def sortable_name(self) -> str: ...
    @property
    def current_score(self) -> float | None: ...


RowT = TypeVar("RowT", bound=_Sortable)


def parse_sort_column(value: str | None) -> tuple[SortKey, bool]:
    """``(key, descending)`` of a ``sort_column``; anything unknown (or absent) sorts by name ascending."""
    if value is None or value not in SORT_COLUMNS:
        return "name", False
    descending = value.endswith("_descending")
    base = value.removesuffix("_descending").removesuffix("_ascending")
    return _SORT_KEYS[base], descending


_SORT_KEYS: dict[str, SortKey] = {
    "name": "name",
    "score": "score",
    "participations": "participations",
    "page_views": "page_views",
}


def _name_key(name: str) -> tuple[str, str]:
    # A stand-in for Canvas's ICU collation (behaviour §4 C3): accents and case only break ties.
    folded = name.casefold()
    base = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return base, folded


def student_name_order(names: dict[int, str], descending: bool = False) -> list[int]:
    """User ids ordered by sortable name as C3's name sort orders them (ties by id; reversed descending)."""
    ordered = sorted(names, key=lambda u: (_name_key(names[u]), u))
    if descending:
        ordered.reverse()
    return ordered


def sort_summaries(rows: Sequence[RowT], key: SortKey, descending: bool) -> list[RowT]:
    """C3's orders (behaviour §4 C3); every descending order is the exact reverse of the ascending one."""
    if key == "name":
        ordered = sorted(rows, key=lambda r: (_name_key(r.sortable_name), r.id))
    elif key == "score":  # nulls first ascending (so last descending), then id
        ordered = sorted(rows, key=lambda r: (r.current_score is not None, r.current_score or 0.0, r.id))
    elif key == "page_views":
        ordered = sorted(rows, key=lambda r: (r.page_views, r.id))
    else:
        ordered = sorted(rows, key=lambda r: (r.participations, r.id))
    if descending:
        ordered.reverse()
    return ordered


async def course_student_summaries(
    ctx: AnalyticsContext,
    access: CourseAccess,
    *,
    sort: SortKey = "name",
    descending: bool = False,
    coursework: CourseworkSource | None = None,
) -> list[StudentSummary]:
    """C3: every visible student, sorted; levels and maxima over all of them (CONTRACT §7.13)."""
    _require_summaries(access)
    course_id = access.course.id

    async def compute() -> tuple[list[StudentSummary], datetime | None]:
        work = await coursework() if coursework is not None else await load_coursework(ctx, course_id)
        bases = await _summary_bases(ctx, access, work.students)
        tardiness = _tardiness(work, [b.id for b in bases])
        return [StudentSummary.of(b, tardiness[b.id]) for b in bases], work.changes_at()

    key = ("C3", course_id, visibility_key(access))
    rows = await cached(ctx, key, Scope.of(courses=[course_id]), compute)
    return sort_summaries(rows, sort, descending)


async def course_student_order(
    ctx: AnalyticsContext, access: CourseAccess, *, sort: SortKey = "name", descending: bool = False
) -> list[SummaryBase]:
    """C3's rows without tardiness, sorted: what a page of C3 is cut from (REST reads one page).

    No submission is read: the tardiness of the page's students comes from :func:`student_summaries_of`.
    """
    _require_summaries(access)
    course_id = access.course.id

    async def compute() -> tuple[list[SummaryBase], None]:
        async with ctx.engine.connect() as conn:
            students = await get_course_student_sections(conn=conn, course_id=course_id)
        return await _summary_bases(ctx, access, students), None

    key = ("C3 order", course_id, visibility_key(access))
    rows = await cached(ctx, key, Scope.of(courses=[course_id]), compute)
    return sort_summaries(rows, sort, descending)


async def student_summaries_of(
    ctx: AnalyticsContext, access: CourseAccess, bases: Sequence[SummaryBase]
) -> list[StudentSummary]:
    """The C3 rows of these students (from :func:`course_student_order`), in their order.

    Their tardiness is judged from their own submissions only: a page of 100 students reads a fifth of a
    500-student course's submissions. A student's tardiness is the same whoever asks.
    """
    _require_summaries(access)
    course_id = access.course.id
    ids = tuple(b.id for b in bases)

    async def compute() -> tuple[dict[int, TardinessCounts], datetime | None]:
        if not ids:
            return {}, None
        work = await load_coursework(ctx, course_id, user_ids=ids)
        return _tardiness(work, ids), work.changes_at()

    tardiness = await cached(ctx, ("C3 tardiness", course_id, ids), Scope.of(courses=[course_id]), compute)
    return [StudentSummary.of(b, tardiness[b.id]) for b in bases]


def _require_summaries(access: CourseAccess) -> None:
    require_read_as_admin(access)  # C3 runs C1's checks, then needs grade rights (behaviour §5)
    require_grade_access(access)


def _tardiness(work: Coursework, users: Sequence[int]) -> dict[int, TardinessCounts]:
    """Each student's C3 tardiness: their digital assignments (CONTRACT §7.5) assigned to them (§3.4)."""
    judged = [work.statuses(a.id) for a in work.assignments if not work.non_digital(a.id)]
    return {
        user: TardinessBreakdown.of(found for st in judged if (found := st.get(user)) is not None).counts()
        for user in users
    }


async def _summary_bases(
    ctx: AnalyticsContext, access: CourseAccess, students: dict[int, frozenset[int]]
) -> list[SummaryBase]:
    """C3's rows without tardiness, in no particular order: levels and maxima over every visible student."""
    population = visible_students(access, students)
    async with ctx.engine.connect() as conn:
        totals = await get_student_page_view_totals(conn=conn, course_id=access.course.id)
        names = await get_user_names(conn=conn, user_ids=population) if population else {}
        scores = await get_course_scores(conn=conn, course_ids=[access.course.id]) if population else {}
    views = [totals.get(u, (0, 0))[0] for u in population]
    parts = [totals.get(u, (0, 0))[1] for u in population]
    qv, qp = quartiles(views), quartiles(parts)
    max_views = int(qv.max_score) if qv.max_score is not None else None
    max_parts = int(qp.max_score) if qp.max_score is not None else None
    return [
        SummaryBase(
            id=user,
            page_views=v,
            max_page_views=max_views,
            page_views_level=activity_level(v, qv.first_quartile, qv.third_quartile),
            participations=p,
            max_participations=max_parts,
            participations_level=activity_level(p, qp.first_quartile, qp.third_quartile),
            sortable_name=names.get(user, ""),
            current_score=scores.get((access.course.id, user)),
        )
        for user, v, p in zip(population, views, parts, strict=True)
    ]
