"""Finding accounts, terms, courses and users by the id forms Canvas accepts (behaviour §2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.tables import accounts, courses, enrollment_terms, pseudonyms, users

__all__ = [
    "COURSE_COLUMNS",
    "LIVE_COURSE_STATES",
    "VISIBLE_COURSE_STATES",
    "AccountRow",
    "CourseRow",
    "TermRow",
    "UserRow",
    "get_account",
    "get_course",
    "get_root_account_id",
    "get_term",
    "get_terms_of_root",
    "get_user",
]

# Course states that exist for the analytics API: published or concluded (behaviour §2.1).
VISIBLE_COURSE_STATES = ("available", "completed")
# Every state a course can be in but deleted (GraphQL lists may show unpublished courses).
LIVE_COURSE_STATES = ("available", "completed", "created", "claimed")


@dataclass(frozen=True)
class AccountRow:
    """An account that is not deleted."""

    id: int
    name: str | None
    parent_account_id: int | None
    root_account_id: int | None


@dataclass(frozen=True)
class TermRow:
    """An active enrollment term."""

    id: int
    name: str | None
    root_account_id: int | None
    start_at: datetime | None
    end_at: datetime | None


@dataclass(frozen=True)
class CourseRow:
    """A published or concluded course."""

    id: int
    name: str | None
    course_code: str | None
    account_id: int | None
    root_account_id: int | None
    enrollment_term_id: int | None
    workflow_state: str
    sis_source_id: str | None
    settings: Any


@dataclass(frozen=True)
class UserRow:
    """Any user (no state filter, behaviour §2.1)."""

    id: int
    name: str | None
    sortable_name: str | None


_ACCOUNT_COLS = (accounts.c.id, accounts.c.name, accounts.c.parent_account_id, accounts.c.root_account_id)
_TERM_COLS = (
    enrollment_terms.c.id,
    enrollment_terms.c.name,
    enrollment_terms.c.root_account_id,
    enrollment_terms.c.start_at,
    enrollment_terms.c.end_at,
)
COURSE_COLUMNS = (
    courses.c.id,
    courses.c.name,
    courses.c.course_code,
    courses.c.account_id,
    courses.c.root_account_id,
    courses.c.enrollment_term_id,
    courses.c.workflow_state,
    courses.c.sis_source_id,
    courses.c.settings,
)


def _live_account() -> ColumnElement[bool]:
    # Exports leave optional columns empty: a NULL state is not "deleted" (as the department tree reads it).
    return or_(accounts.c.workflow_state.is_(None), accounts.c.workflow_state != "deleted")


async def _one(conn: AsyncConnection, query: Select[Any]) -> Any:
    return (await conn.execute(query.limit(1))).first()


async def get_root_account_id(*, conn: AsyncConnection) -> int | None:
    """The root account (no parent, not deleted; the lowest id if an export holds several)."""
    query = (
        select(accounts.c.id)
        .where(accounts.c.parent_account_id.is_(None), _live_account())
        .order_by(accounts.c.id)
    )
    row = await _one(conn, query)
    return None if row is None else int(row.id)


async def get_account(
    *, conn: AsyncConnection, account_id: int | None = None, sis_id: str | None = None
) -> AccountRow | None:
    """A non-deleted account by numeric id or ``sis_source_id``."""
    query = select(*_ACCOUNT_COLS).where(_live_account())
    if account_id is not None:
        query = query.where(accounts.c.id == account_id)
    else:
        query = query.where(accounts.c.sis_source_id == sis_id).order_by(accounts.c.id)
    row = await _one(conn, query)
    return None if row is None else AccountRow(**row._mapping)


async def get_term(
    *, conn: AsyncConnection, root_account_id: int, term_id: int | None = None, sis_id: str | None = None
) -> TermRow | None:
    """An active term of the root account by numeric id or ``sis_source_id``."""
    query = select(*_TERM_COLS).where(
        enrollment_terms.c.root_account_id == root_account_id, enrollment_terms.c.workflow_state == "active"
    )
    if term_id is not None:
        query = query.where(enrollment_terms.c.id == term_id)
    else:
        query = query.where(enrollment_terms.c.sis_source_id == sis_id).order_by(enrollment_terms.c.id)
    row = await _one(conn, query)
    return None if row is None else TermRow(**row._mapping)


async def get_terms_of_root(*, conn: AsyncConnection, root_account_id: int) -> list[TermRow]:
    """Every active term of the root account, by id."""
    query = (
        select(*_TERM_COLS)
        .where(
            enrollment_terms.c.root_account_id == root_account_id,
            enrollment_terms.c.workflow_state == "active",
        )
        .order_by(enrollment_terms.c.id)
    )
    return [TermRow(**row._mapping) for row in await conn.execute(query)]


async def get_course(
    *, conn: AsyncConnection, course_id: int | None = None, sis_id: str | None = None
) -> CourseRow | None:
    """A published or concluded course by numeric id or ``sis_source_id``."""
    query = select(*COURSE_COLUMNS).where(courses.c.workflow_state.in_(VISIBLE_COURSE_STATES))
    if course_id is not None:
        query = query.where(courses.c.id == course_id)
    else:
        query = query.where(courses.c.sis_source_id == sis_id).order_by(courses.c.id)
    row = await _one(conn, query)
    return None if row is None else CourseRow(**row._mapping)


async def get_user(
    *,
    conn: AsyncConnection,
    user_id: int | None = None,
    sis_user_id: str | None = None,
    login_id: str | None = None,
    root_account_id: int | None = None,
) -> UserRow | None:
    """A user by numeric id, or by a live login's ``sis_user_id`` / case-insensitive ``unique_id``."""
    cols = (users.c.id, users.c.name, users.c.sortable_name)
    if user_id is not None:
        row = await _one(conn, select(*cols).where(users.c.id == user_id))
    else:
        login = select(pseudonyms.c.user_id).where(pseudonyms.c.workflow_state != "deleted")
        if root_account_id is not None:
            login = login.where(pseudonyms.c.account_id == root_account_id)
        if sis_user_id is not None:
            login = login.where(pseudonyms.c.sis_user_id == sis_user_id)
        else:
            login = login.where(func.lower(pseudonyms.c.unique_id) == (login_id or "").lower())
        row = await _one(
            conn, select(*cols).where(users.c.id.in_(login.scalar_subquery())).order_by(users.c.id)
        )
    return None if row is None else UserRow(**row._mapping)
