"""Plain records of accounts, terms, courses, sections, users and enrollments, by the batch (GraphQL).

Each function takes many ids and answers in one statement per ``IN`` chunk, so a GraphQL list of any
length costs the same number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.queries.lookup import (
    COURSE_COLUMNS,
    VISIBLE_COURSE_STATES,
    AccountRow,
    CourseRow,
    TermRow,
    UserRow,
)
from analytics_gateway.storage.tables import (
    accounts,
    assignments,
    course_sections,
    courses,
    enrollment_terms,
    enrollments,
    pseudonyms,
    users,
)

__all__ = [
    "EnrollmentRow",
    "OwnedKind",
    "SectionRow",
    "get_accounts",
    "get_child_account_ids",
    "get_course_enrollments",
    "get_course_ids_in_accounts",
    "get_course_sections",
    "get_courses",
    "get_owning_course_id",
    "get_sis_user_ids",
    "get_term_course_ids",
    "get_terms",
    "get_users",
]


def _live(column: ColumnElement[str | None]) -> ColumnElement[bool]:
    return or_(column.is_(None), column != "deleted")


async def get_accounts(*, conn: AsyncConnection, account_ids: Sequence[int]) -> dict[int, AccountRow]:
    """Non-deleted accounts by id."""
    found: dict[int, AccountRow] = {}
    for part in chunks(sorted(set(account_ids))):
        query = select(
            accounts.c.id, accounts.c.name, accounts.c.parent_account_id, accounts.c.root_account_id
        ).where(accounts.c.id.in_(part), _live(accounts.c.workflow_state))
        for row in await conn.execute(query):
            found[int(row.id)] = AccountRow(int(row.id), row.name, row.parent_account_id, row.root_account_id)
    return found


async def get_child_account_ids(*, conn: AsyncConnection, parent_ids: Sequence[int]) -> dict[int, list[int]]:
    """``parent → its non-deleted direct sub-accounts``, by id."""
    found: defaultdict[int, list[int]] = defaultdict(list)
    for part in chunks(sorted(set(parent_ids))):
        query = (
            select(accounts.c.parent_account_id, accounts.c.id)
            .where(accounts.c.parent_account_id.in_(part), _live(accounts.c.workflow_state))
            .order_by(accounts.c.id)
        )
        for parent, child in await conn.execute(query):
            found[int(parent)].append(int(child))
    return dict(found)


async def get_terms(*, conn: AsyncConnection, term_ids: Sequence[int]) -> dict[int, TermRow]:
    """Active terms by id."""
    found: dict[int, TermRow] = {}
    for part in chunks(sorted(set(term_ids))):
        query = select(
            enrollment_terms.c.id,
            enrollment_terms.c.name,
            enrollment_terms.c.root_account_id,
            enrollment_terms.c.start_at,
            enrollment_terms.c.end_at,
        ).where(enrollment_terms.c.id.in_(part), enrollment_terms.c.workflow_state == "active")
        for row in await conn.execute(query):
            found[int(row.id)] = TermRow(int(row.id), row.name, row.root_account_id, row.start_at, row.end_at)
    return found


async def get_courses(
    *, conn: AsyncConnection, course_ids: Sequence[int], states: Collection[str] = VISIBLE_COURSE_STATES
) -> dict[int, CourseRow]:
    """Courses by id in one of ``states`` (published or concluded unless told otherwise)."""
    found: dict[int, CourseRow] = {}
    for part in chunks(sorted(set(course_ids))):
        query = select(*COURSE_COLUMNS).where(
            courses.c.id.in_(part), courses.c.workflow_state.in_(list(states))
        )
        for row in await conn.execute(query):
            found[int(row.id)] = CourseRow(*row)
    return found


async def get_course_ids_in_accounts(
    *,
    conn: AsyncConnection,
    account_ids: Sequence[int],
    term_ids: Collection[int] | None,
    states: Collection[str],
) -> list[int]:
    """Ids of the courses placed in these accounts, optionally in these terms, in one of ``states``."""
    found: list[int] = []
    for part in chunks(sorted(set(account_ids))):
        query = select(courses.c.id).where(
            courses.c.account_id.in_(part), courses.c.workflow_state.in_(list(states))
        )
        if term_ids is not None:
            query = query.where(courses.c.enrollment_term_id.in_(list(term_ids)))
        found.extend(int(v) for v in await conn.scalars(query))
    return sorted(found)


async def get_term_course_ids(
    *, conn: AsyncConnection, term_ids: Sequence[int], states: Collection[str]
) -> dict[int, list[int]]:
    """``term → ids of its courses in one of states``, ascending."""
    found: defaultdict[int, list[int]] = defaultdict(list)
    for part in chunks(sorted(set(term_ids))):
        query = (
            select(courses.c.enrollment_term_id, courses.c.id)
            .where(courses.c.enrollment_term_id.in_(part), courses.c.workflow_state.in_(list(states)))
            .order_by(courses.c.id)
        )
        for term, course in await conn.execute(query):
            found[int(term)].append(int(course))
    return dict(found)


@dataclass(frozen=True, slots=True)
class SectionRow:
    """A non-deleted section of a course."""

    id: int
    course_id: int
    name: str | None
    sis_source_id: str | None
    start_at: datetime | None
    end_at: datetime | None


async def get_course_sections(
    *, conn: AsyncConnection, course_ids: Sequence[int]
) -> dict[int, list[SectionRow]]:
    """``course → its non-deleted sections``, by id."""
    found: defaultdict[int, list[SectionRow]] = defaultdict(list)
    for part in chunks(sorted(set(course_ids))):
        query = (
            select(
                course_sections.c.id,
                course_sections.c.course_id,
                course_sections.c.name,
                course_sections.c.sis_source_id,
                course_sections.c.start_at,
                course_sections.c.end_at,
            )
            .where(course_sections.c.course_id.in_(part), _live(course_sections.c.workflow_state))
            .order_by(course_sections.c.id)
        )
        for row in await conn.execute(query):
            found[int(row.course_id)].append(SectionRow(*row))
    return dict(found)


@dataclass(frozen=True, slots=True)
class EnrollmentRow:
    """A non-deleted enrollment of a course."""

    id: int
    user_id: int
    course_id: int
    course_section_id: int | None
    type: str | None
    workflow_state: str | None
    role_id: int | None
    limit_privileges_to_course_section: bool | None
    associated_user_id: int | None


async def get_course_enrollments(
    *, conn: AsyncConnection, course_ids: Sequence[int]
) -> dict[int, list[EnrollmentRow]]:
    """``course → its non-deleted enrollments``, by id."""
    found: defaultdict[int, list[EnrollmentRow]] = defaultdict(list)
    for part in chunks(sorted(set(course_ids))):
        query = (
            select(
                enrollments.c.id,
                enrollments.c.user_id,
                enrollments.c.course_id,
                enrollments.c.course_section_id,
                enrollments.c.type,
                enrollments.c.workflow_state,
                enrollments.c.role_id,
                enrollments.c.limit_privileges_to_course_section,
                enrollments.c.associated_user_id,
            )
            .where(
                enrollments.c.course_id.in_(part),
                enrollments.c.user_id.is_not(None),
                _live(enrollments.c.workflow_state),
            )
            .order_by(enrollments.c.id)
        )
        for row in await conn.execute(query):
            found[int(row.course_id)].append(EnrollmentRow(*row))
    return dict(found)


async def get_users(*, conn: AsyncConnection, user_ids: Sequence[int]) -> dict[int, UserRow]:
    """Users by id (no state filter, as Canvas's lookups)."""
    found: dict[int, UserRow] = {}
    for part in chunks(sorted(set(user_ids))):
        query = select(users.c.id, users.c.name, users.c.sortable_name).where(users.c.id.in_(part))
        for row in await conn.execute(query):
            found[int(row.id)] = UserRow(int(row.id), row.name, row.sortable_name)
    return found


async def get_sis_user_ids(*, conn: AsyncConnection, user_ids: Sequence[int]) -> dict[int, str]:
    """``user → the SIS id of their first live login that has one`` (by login position, then id)."""
    found: dict[int, str] = {}
    for part in chunks(sorted(set(user_ids))):
        query = (
            select(pseudonyms.c.user_id, pseudonyms.c.sis_user_id)
            .where(
                pseudonyms.c.user_id.in_(part),
                pseudonyms.c.sis_user_id.is_not(None),
                _live(pseudonyms.c.workflow_state),
            )
            .order_by(pseudonyms.c.user_id, func.coalesce(pseudonyms.c.position, 0), pseudonyms.c.id)
        )
        for user, sis in await conn.execute(query):
            found.setdefault(int(user), sis)
    return found


OwnedKind = Literal["section", "assignment", "enrollment"]


async def get_owning_course_id(*, conn: AsyncConnection, kind: OwnedKind, object_id: int) -> int | None:
    """The course of a live section, a course assignment or a live enrollment."""
    if kind == "section":
        query = select(course_sections.c.course_id).where(
            course_sections.c.id == object_id, _live(course_sections.c.workflow_state)
        )
    elif kind == "assignment":
        query = select(assignments.c.context_id).where(
            assignments.c.id == object_id, assignments.c.context_type == "Course"
        )
    else:
        query = select(enrollments.c.course_id).where(
            enrollments.c.id == object_id, _live(enrollments.c.workflow_state)
        )
    found = await conn.scalar(query)
    return None if found is None else int(found)
