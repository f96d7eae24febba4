"""A course's students, assignments, overrides and submissions (C2, C3, S2), and its page-view rollups.

Every function reads one thing for a whole course (or a set of its assignments / students) in one
statement per ``IN`` chunk, so the cost of a request does not grow with its number of rows' queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.queries.permissions import STUDENT_STATES
from analytics_gateway.storage.tables import (
    PARTICIPATING_PAGE_VIEW,
    assignment_class_scores,
    assignment_override_students,
    assignment_overrides,
    assignments,
    content_tags,
    context_modules,
    discussion_topics,
    enrollments,
    page_view_course_daily,
    page_view_student_daily,
    page_view_student_hourly,
    submissions,
    users,
    web_logs,
)

__all__ = [
    "AssignmentRow",
    "ClassScores",
    "OverrideRow",
    "ParticipationRow",
    "SubmissionRow",
    "get_assignment_overrides",
    "get_class_scores",
    "get_course_daily_activity",
    "get_course_student_sections",
    "get_module_ids",
    "get_participations",
    "get_published_assignments",
    "get_student_hourly_views",
    "get_student_page_view_totals",
    "get_submissions",
    "get_user_names",
]


def _not_deleted(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """NULL counts as not deleted: exports leave optional columns empty."""
    return or_(column.is_(None), column != "deleted")


async def get_course_student_sections(*, conn: AsyncConnection, course_id: int) -> dict[int, frozenset[int]]:
    """Every current student of the course (CONTRACT §7.1) → the sections of their student enrollments."""
    query = select(enrollments.c.user_id, enrollments.c.course_section_id).where(
        enrollments.c.course_id == course_id,
        enrollments.c.type == "StudentEnrollment",
        enrollments.c.workflow_state.in_(STUDENT_STATES),
        enrollments.c.user_id.is_not(None),
    )
    found: defaultdict[int, set[int]] = defaultdict(set)
    for user_id, section_id in await conn.execute(query):
        sections = found[int(user_id)]
        if section_id is not None:
            sections.add(int(section_id))
    return {user: frozenset(sections) for user, sections in sorted(found.items())}


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """A published assignment of a course."""

    id: int
    title: str | None
    points_possible: float | None
    due_at: datetime | None
    unlock_at: datetime | None
    submission_types: str | None
    only_visible_to_overrides: bool


async def get_published_assignments(*, conn: AsyncConnection, course_id: int) -> list[AssignmentRow]:
    """The course's published assignments in behaviour §3.4's order: base due date, undated last, then id."""
    query = (
        select(
            assignments.c.id,
            assignments.c.title,
            assignments.c.points_possible,
            assignments.c.due_at,
            assignments.c.unlock_at,
            assignments.c.submission_types,
            assignments.c.only_visible_to_overrides,
        )
        .where(
            assignments.c.context_id == course_id,
            assignments.c.context_type == "Course",
            assignments.c.workflow_state == "published",
        )
        .order_by(assignments.c.due_at.is_(None), assignments.c.due_at, assignments.c.id)
    )
    return [
        AssignmentRow(
            id=int(r.id),
            title=r.title,
            points_possible=None if r.points_possible is None else float(r.points_possible),
            due_at=r.due_at,
            unlock_at=r.unlock_at,
            submission_types=r.submission_types,
            only_visible_to_overrides=bool(r.only_visible_to_overrides),
        )
        for r in await conn.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class OverrideRow:
    """A non-deleted override with the users of its active ``assignment_override_students`` rows."""

    id: int
    assignment_id: int
    set_type: str | None
    set_id: int | None
    due_at: datetime | None
    due_at_overridden: bool | None
    workflow_state: str | None
    student_ids: frozenset[int]


async def get_assignment_overrides(
    *, conn: AsyncConnection, assignment_ids: Sequence[int]
) -> dict[int, list[OverrideRow]]:
    """``assignment_id → overrides`` (active ADHOC students attached), by override id."""
    rows: list[Row[Any, Any, Any, Any, Any, Any, Any]] = []
    students: defaultdict[int, set[int]] = defaultdict(set)
    for part in chunks(assignment_ids):
        query = (
            select(
                assignment_overrides.c.id,
                assignment_overrides.c.assignment_id,
                assignment_overrides.c.set_type,
                assignment_overrides.c.set_id,
                assignment_overrides.c.due_at,
                assignment_overrides.c.due_at_overridden,
                assignment_overrides.c.workflow_state,
            )
            .where(
                assignment_overrides.c.assignment_id.in_(part),
                _not_deleted(assignment_overrides.c.workflow_state),
            )
            .order_by(assignment_overrides.c.id)
        )
        rows.extend((await conn.execute(query)).all())
        adhoc = select(
            assignment_override_students.c.assignment_override_id, assignment_override_students.c.user_id
        ).where(
            assignment_override_students.c.assignment_id.in_(part),
            _not_deleted(assignment_override_students.c.workflow_state),
            assignment_override_students.c.user_id.is_not(None),
        )
        for override_id, user_id in await conn.execute(adhoc):
            students[int(override_id)].add(int(user_id))
    found: defaultdict[int, list[OverrideRow]] = defaultdict(list)
    for r in rows:
        found[int(r.assignment_id)].append(
            OverrideRow(
                id=int(r.id),
                assignment_id=int(r.assignment_id),
                set_type=r.set_type,
                set_id=r.set_id,
                due_at=r.due_at,
                due_at_overridden=r.due_at_overridden,
                workflow_state=r.workflow_state,
                student_ids=frozenset(students.get(int(r.id), ())),
            )
        )
    return dict(found)


class SubmissionRow(NamedTuple):
    """A non-deleted submission: the columns the tardiness rules read plus identity and posting."""

    id: int
    assignment_id: int
    user_id: int
    submitted_at: datetime | None
    workflow_state: str | None
    score: float | None
    excused: bool | None
    late_policy_status: str | None
    seconds_late_override: int | None
    grader_id: int | None
    graded_at: datetime | None
    custom_grade_status_id: int | None
    submission_type: str | None
    posted_at: datetime | None


_SUBMISSION_COLUMNS = [submissions.c[name] for name in SubmissionRow._fields]


async def get_submissions(
    *, conn: AsyncConnection, assignment_ids: Sequence[int], user_ids: Collection[int] | None = None
) -> list[SubmissionRow]:
    """Non-deleted submissions of these assignments (optionally of these users only).

    By assignment, user and id: the order of the ``(assignment_id, user_id)`` index, so the database reads
    them in index order and sorts nothing; a pair's lowest id comes first.
    """
    found: list[SubmissionRow] = []
    users_filter = None if user_ids is None else sorted(user_ids)
    if users_filter is not None and not users_filter:
        return []
    c = submissions.c
    for part in chunks(assignment_ids):
        query = select(*_SUBMISSION_COLUMNS).where(
            c.assignment_id.in_(part), c.user_id.is_not(None), _not_deleted(c.workflow_state)
        )
        if users_filter is not None and len(users_filter) <= 100:  # one student (S2) or a small page
            query = query.where(c.user_id.in_(users_filter))
        result = await conn.execute(query.order_by(c.assignment_id, c.user_id, c.id))
        found.extend(map(SubmissionRow._make, result))
    if users_filter is not None and len(users_filter) > 100:
        wanted = set(users_filter)
        found = [s for s in found if s.user_id in wanted]
    return found


@dataclass(slots=True)
class ClassScores:
    """One assignment's grade distribution over the class: what S2's statistics and muting read.

    Built from each current student's live submission (the lowest id of a pair): by :meth:`add` from
    submissions read in full, or read from the importer's ``assignment_class_scores``
    (:func:`get_class_scores`), which applies the same rule in SQL (storage/_class_scores.py).
    """

    scores: list[float] = field(default_factory=list)  # the scores given, in no particular order
    shown: int = 0  # submissions submitted or scored (CONTRACT §7.6 hides fewer than 5 from students)
    muted: bool = False  # one is scored or in state ``graded`` and not posted (CONTRACT §7.4)

    def add(self, submission: SubmissionRow) -> None:
        """Count one student's submission."""
        if submission.score is not None:
            self.scores.append(submission.score)
            self.shown += 1
        elif submission.submitted_at is not None:
            self.shown += 1
        graded = submission.score is not None or submission.workflow_state == "graded"
        if graded and submission.posted_at is None:
            self.muted = True


async def get_class_scores(*, conn: AsyncConnection, assignment_ids: Sequence[int]) -> dict[int, ClassScores]:
    """``assignment_id → ClassScores`` over the course's current students, from the importer's
    ``assignment_class_scores`` (one row per assignment and score): the narrow read behind one student's
    S2, instead of every submission of the course."""
    t = assignment_class_scores
    found: dict[int, ClassScores] = {}
    for part in chunks(assignment_ids):
        query = select(
            t.c.assignment_id, t.c.scored, t.c.score, t.c.submissions, t.c.shown, t.c.unposted
        ).where(t.c.assignment_id.in_(part))
        for assignment_id, scored, score, count, shown, unposted in await conn.execute(query):
            scores = found.setdefault(int(assignment_id), ClassScores())
            if scored:
                scores.scores.extend([float(score)] * int(count))
            scores.shown += int(shown)
            scores.muted = scores.muted or bool(unposted)
    return found


async def get_module_ids(*, conn: AsyncConnection, assignment_ids: Sequence[int]) -> dict[int, list[int]]:
    """``assignment_id → ids of the live modules holding it``, ascending and distinct (S2 ``module_ids``).

    An assignment is in a module through a module item of type ``Assignment``, or through a
    ``DiscussionTopic`` item of its graded discussion (Canvas finds only the first kind; behaviour §9.11).
    """
    found: defaultdict[int, set[int]] = defaultdict(set)
    live_item = and_(
        content_tags.c.tag_type == "context_module",
        _not_deleted(content_tags.c.workflow_state),
        _not_deleted(context_modules.c.workflow_state),
    )
    joined = content_tags.join(context_modules, context_modules.c.id == content_tags.c.context_module_id)
    for part in chunks(assignment_ids):
        direct = (
            select(content_tags.c.content_id, context_modules.c.id)
            .select_from(joined)
            .where(
                live_item, content_tags.c.content_type == "Assignment", content_tags.c.content_id.in_(part)
            )
        )
        via_topic = (
            select(discussion_topics.c.assignment_id, context_modules.c.id)
            .select_from(
                joined.join(
                    discussion_topics,
                    and_(
                        discussion_topics.c.id == content_tags.c.content_id,
                        content_tags.c.content_type == "DiscussionTopic",
                    ),
                )
            )
            .where(
                live_item,
                discussion_topics.c.assignment_id.in_(part),
                _not_deleted(discussion_topics.c.workflow_state),
            )
        )
        for assignment_id, module_id in await conn.execute(direct.union_all(via_topic)):
            found[int(assignment_id)].add(int(module_id))
    return {a: sorted(modules) for a, modules in found.items()}


async def get_user_names(*, conn: AsyncConnection, user_ids: Sequence[int]) -> dict[int, str]:
    """``user_id → sortable name`` (the name when no sortable name is set; empty when neither)."""
    found: dict[int, str] = {}
    for part in chunks(user_ids):
        query = select(users.c.id, users.c.sortable_name, users.c.name).where(users.c.id.in_(part))
        for user_id, sortable, name in await conn.execute(query):
            found[int(user_id)] = sortable or name or ""
    return found


async def get_course_daily_activity(*, conn: AsyncConnection, course_id: int) -> list[tuple[date, int, int]]:
    """``(day, views, participations)`` of the course's page views, all users and categories, by day."""
    query = (
        select(
            page_view_course_daily.c.day,
            func.sum(page_view_course_daily.c.views),
            func.sum(page_view_course_daily.c.participations),
        )
        .where(page_view_course_daily.c.course_id == course_id)
        .group_by(page_view_course_daily.c.day)
        .order_by(page_view_course_daily.c.day)
    )
    return [(day, int(views), int(parts)) for day, views, parts in await conn.execute(query)]


async def get_student_page_view_totals(
    *, conn: AsyncConnection, course_id: int
) -> dict[int, tuple[int, int]]:
    """``user_id → (views, participations)`` in the course over all time, for every user with page views."""
    query = (
        select(
            page_view_student_daily.c.user_id,
            func.sum(page_view_student_daily.c.views),
            func.sum(page_view_student_daily.c.participations),
        )
        .where(page_view_student_daily.c.course_id == course_id)
        .group_by(page_view_student_daily.c.user_id)
    )
    return {int(user): (int(views), int(parts)) for user, views, parts in await conn.execute(query)}


async def get_student_hourly_views(
    *, conn: AsyncConnection, course_id: int, user_ids: Sequence[int]
) -> dict[int, list[tuple[datetime, int]]]:
    """``user_id → [(UTC hour, views)]`` ascending, for these users in the course."""
    found: defaultdict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for part in chunks(user_ids):
        query = (
            select(
                page_view_student_hourly.c.user_id,
                page_view_student_hourly.c.hour,
                page_view_student_hourly.c.views,
            )
            .where(
                page_view_student_hourly.c.course_id == course_id,
                page_view_student_hourly.c.user_id.in_(part),
                page_view_student_hourly.c.views > 0,
            )
            .order_by(page_view_student_hourly.c.user_id, page_view_student_hourly.c.hour)
        )
        for user, hour, views in await conn.execute(query):
            found[int(user)].append((hour, int(views)))
    return dict(found)


class ParticipationRow(NamedTuple):
    """One participating page view."""

    user_id: int
    created_at: datetime
    url: str | None


async def get_participations(
    *, conn: AsyncConnection, course_id: int, user_ids: Sequence[int]
) -> dict[int, list[ParticipationRow]]:
    """``user_id → participating page views`` in the course, oldest first (CONTRACT §3.10, §7.10)."""
    found: defaultdict[int, list[ParticipationRow]] = defaultdict(list)
    for part in chunks(user_ids):
        query = (
            select(web_logs.c.user_id, web_logs.c.timestamp, web_logs.c.url)
            .where(
                web_logs.c.course_id == course_id,
                web_logs.c.user_id.in_(part),
                text(PARTICIPATING_PAGE_VIEW),  # the partial index's own condition (tables.py)
                web_logs.c.timestamp.is_not(None),
            )
            .order_by(web_logs.c.user_id, web_logs.c.timestamp, web_logs.c.id)
        )
        for user, at, url in await conn.execute(query):
            found[int(user)].append(ParticipationRow(int(user), at, url))
    return dict(found)
