"""What the department analytics (D1-D4) read: the account tree, the course set and per-course totals.

Every function over courses takes the course ids of the set (behaviour §3.2) and issues one statement
per :data:`~._util.IN_CHUNK` ids, whatever their number; callers add the per-chunk results up.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Table, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import IN_CHUNK, chunks
from analytics_gateway.storage.queries.permissions import STUDENT_STATES
from analytics_gateway.storage.tables import (
    accounts,
    assignments,
    attachments,
    courses,
    discussion_topics,
    enrollments,
    media_objects,
    page_view_account_daily,
)

__all__ = [
    "STUDENT_TYPE",
    "TEACHER_TYPE",
    "AccountNode",
    "ContentCounts",
    "count_department_users",
    "count_department_users_by_branch",
    "get_account_tree",
    "get_content_counts",
    "get_department_category_daily",
    "get_department_courses",
    "get_enrolled_users",
    "get_enrolled_users_by_account",
]

TEACHER_TYPE = "TeacherEnrollment"  # exactly: TAs and designers are not teachers (behaviour §4 D3)
STUDENT_TYPE = "StudentEnrollment"  # exactly: Test Students and observers are not students (CONTRACT §3.1)
_COUNTED_TYPES = (TEACHER_TYPE, STUDENT_TYPE)


@dataclass(frozen=True)
class AccountNode:
    """One account of the tree, whatever its state."""

    id: int
    parent_account_id: int | None
    workflow_state: str | None
    name: str | None


@dataclass(frozen=True)
class ContentCounts:
    """One course's content counted by D3/D4 (CONTRACT §7.15)."""

    discussion_topics: int = 0
    media_objects: int = 0
    attachments: int = 0
    assignments: int = 0


async def get_account_tree(*, conn: AsyncConnection) -> list[AccountNode]:
    """Every account (deleted ones included, so that their subtrees can be cut off), by id."""
    query = select(
        accounts.c.id, accounts.c.parent_account_id, accounts.c.workflow_state, accounts.c.name
    ).order_by(accounts.c.id)
    return [
        AccountNode(int(r.id), r.parent_account_id, r.workflow_state, r.name)
        for r in await conn.execute(query)
    ]


async def get_department_courses(
    *, conn: AsyncConnection, account_ids: Collection[int], term_id: int, states: Collection[str]
) -> list[tuple[int, int]]:
    """``(course_id, account_id)`` of the courses placed in these accounts, in the term and states, by id."""
    found: list[tuple[int, int]] = []
    for part in chunks(sorted(account_ids)):
        query = select(courses.c.id, courses.c.account_id).where(
            courses.c.account_id.in_(part),
            courses.c.enrollment_term_id == term_id,
            courses.c.workflow_state.in_(list(states)),
        )
        found.extend((int(cid), int(aid)) for cid, aid in await conn.execute(query))
    return sorted(found)


async def get_department_category_daily(
    *, conn: AsyncConnection, account_ids: Collection[int], term_id: int, states: Collection[str]
) -> list[tuple[date, str, int, int]]:
    """``(day, category, views, participations)`` over the courses placed in these accounts, in the term and
    states (the course set of :func:`get_department_courses`), from the account rollup (chunks not merged)."""
    rollup = page_view_account_daily
    found: list[tuple[date, str, int, int]] = []
    for part in chunks(sorted(account_ids)):
        query = (
            select(
                rollup.c.day, rollup.c.category, func.sum(rollup.c.views), func.sum(rollup.c.participations)
            )
            .where(
                rollup.c.account_id.in_(part),
                rollup.c.term_id == term_id,
                rollup.c.workflow_state.in_(list(states)),
            )
            .group_by(rollup.c.day, rollup.c.category)
        )
        found.extend(
            (day, str(category), int(views), int(parts))
            for day, category, views, parts in await conn.execute(query)
        )
    return found


def _enrollment_conditions(part: Collection[int]) -> list[ColumnElement[bool]]:
    return [
        enrollments.c.course_id.in_(list(part)),
        enrollments.c.type.in_(_COUNTED_TYPES),
        enrollments.c.workflow_state.in_(STUDENT_STATES),
        enrollments.c.user_id.is_not(None),
    ]


async def get_enrolled_users(*, conn: AsyncConnection, course_ids: Collection[int]) -> dict[str, set[int]]:
    """Distinct users with an active/completed enrollment in the courses, by type (both types always keys)."""
    found: dict[str, set[int]] = {t: set() for t in _COUNTED_TYPES}
    for part in chunks(sorted(course_ids)):
        query = (
            select(enrollments.c.type, enrollments.c.user_id).where(*_enrollment_conditions(part)).distinct()
        )
        for type_, user_id in await conn.execute(query):
            found[type_].add(int(user_id))
    return found


async def get_enrolled_users_by_account(
    *, conn: AsyncConnection, course_ids: Collection[int]
) -> dict[tuple[int, str], set[int]]:
    """Like :func:`get_enrolled_users`, keyed by ``(the course's account_id, type)``; absent when none."""
    found: dict[tuple[int, str], set[int]] = {}
    for part in chunks(sorted(course_ids)):
        query = (
            select(courses.c.account_id, enrollments.c.type, enrollments.c.user_id)
            .select_from(enrollments.join(courses, courses.c.id == enrollments.c.course_id))
            .where(*_enrollment_conditions(part))
            .distinct()
        )
        for account_id, type_, user_id in await conn.execute(query):
            found.setdefault((int(account_id), type_), set()).add(int(user_id))
    return found


def _department_enrollments(
    account_ids: Collection[int], term_id: int, states: Collection[str], types: tuple[str, ...]
) -> list[ColumnElement[bool]]:
    """Counted enrollments of these types in the courses placed in these accounts, in the term and states
    (the course set of :func:`get_department_courses`, joined through ``courses`` instead of listed)."""
    return [
        courses.c.account_id.in_(sorted(account_ids)),
        courses.c.enrollment_term_id == term_id,
        courses.c.workflow_state.in_(list(states)),
        enrollments.c.type == types[0] if len(types) == 1 else enrollments.c.type.in_(types),
        enrollments.c.workflow_state.in_(STUDENT_STATES),
        enrollments.c.user_id.is_not(None),
    ]


# Both count one type per statement: grouping by type as well made SQLite sort every enrollment row
# first (63 ms instead of 38 for a large term's 59,000 student enrollments).


def _distinct_users(type_: str) -> ColumnElement[int]:
    """Distinct users of the enrollments of one type, among the rows a statement reads."""
    return func.count(enrollments.c.user_id.distinct()).filter(enrollments.c.type == type_)


async def count_department_users(
    *, conn: AsyncConnection, account_ids: Collection[int], term_id: int, states: Collection[str]
) -> dict[str, int] | None:
    """:func:`get_enrolled_users` of the department's course set, counted by the database.

    PostgreSQL reads the enrollments once and counts both types (``FILTER``); SQLite runs one statement
    per type, each a range of the ``(course_id, type, workflow_state, user_id)`` index. None when there
    are too many accounts for one statement (the caller lists the users instead).
    """
    if len(account_ids) > IN_CHUNK:
        return None
    joined = enrollments.join(courses, courses.c.id == enrollments.c.course_id)
    if conn.dialect.name == "postgresql":
        query = (
            select(*(_distinct_users(t) for t in _COUNTED_TYPES))
            .select_from(joined)
            .where(*_department_enrollments(account_ids, term_id, states, _COUNTED_TYPES))
        )
        row = (await conn.execute(query)).one()
        return {t: int(n or 0) for t, n in zip(_COUNTED_TYPES, row, strict=True)}
    found: dict[str, int] = {}
    for type_ in _COUNTED_TYPES:
        counted = (
            select(func.count(enrollments.c.user_id.distinct()))
            .select_from(joined)
            .where(*_department_enrollments(account_ids, term_id, states, (type_,)))
        )
        found[type_] = int(await conn.scalar(counted) or 0)
    return found


async def count_department_users_by_branch(
    *, conn: AsyncConnection, branch_of: Mapping[int, int], term_id: int, states: Collection[str]
) -> dict[tuple[int, str], int] | None:
    """Distinct users per ``(branch, type)`` over the department's course set, counted by the database;
    ``branch_of`` maps each of the department's accounts to its branch (D4's rows). One statement on
    PostgreSQL, one per type on SQLite, as :func:`count_department_users`.

    None when there are too many accounts for one statement (the caller lists the users instead).
    """
    if not branch_of or 2 * len(branch_of) > IN_CHUNK:
        return None
    branch = case({a: b for a, b in sorted(branch_of.items())}, value=courses.c.account_id).label("branch")
    joined = enrollments.join(courses, courses.c.id == enrollments.c.course_id)
    found: dict[tuple[int, str], int] = {}
    if conn.dialect.name == "postgresql":
        query = (
            select(branch, *(_distinct_users(t) for t in _COUNTED_TYPES))
            .select_from(joined)
            .where(*_department_enrollments(branch_of, term_id, states, _COUNTED_TYPES))
            .group_by(branch)
        )
        for b, *counts in await conn.execute(query):
            for type_, n in zip(_COUNTED_TYPES, counts, strict=True):
                if n:
                    found[(int(b), type_)] = int(n)
        return found
    for type_ in _COUNTED_TYPES:
        per_type = (
            select(branch, func.count(enrollments.c.user_id.distinct()))
            .select_from(joined)
            .where(*_department_enrollments(branch_of, term_id, states, (type_,)))
            .group_by(branch)
        )
        found.update(((int(b), type_), int(n)) for b, n in await conn.execute(per_type))
    return found


def _not_deleted(table: Table) -> ColumnElement[bool]:
    # A missing state is not a deletion (CONTRACT §7.15 counts everything not deleted).
    return or_(table.c.workflow_state.is_(None), table.c.workflow_state != "deleted")


async def get_content_counts(
    *, conn: AsyncConnection, course_ids: Collection[int]
) -> dict[int, ContentCounts]:
    """Per course with any, its course-context content as counted by CONTRACT §7.15."""
    # Discussion topics (announcements and unpublished ones included), media objects and assignments: not
    # deleted; attachments: ``file_state`` available. Group and user content never counts (behaviour §4 D3).
    kinds: tuple[tuple[str, Table, ColumnElement[bool]], ...] = (
        ("discussion_topics", discussion_topics, _not_deleted(discussion_topics)),
        ("media_objects", media_objects, _not_deleted(media_objects)),
        ("attachments", attachments, attachments.c.file_state == "available"),
        ("assignments", assignments, _not_deleted(assignments)),
    )
    counts: dict[int, dict[str, int]] = {}
    for part in chunks(sorted(course_ids)):
        for kind, table, condition in kinds:
            query = (
                select(table.c.context_id, func.count())
                .where(table.c.context_type == "Course", table.c.context_id.in_(part), condition)
                .group_by(table.c.context_id)
            )
            for course_id, n in await conn.execute(query):
                counts.setdefault(int(course_id), {})[kind] = int(n)
    return {course_id: ContentCounts(**values) for course_id, values in counts.items()}
