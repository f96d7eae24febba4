"""What the authorization policy reads: account chains, memberships, enrollments, roles and overrides."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.tables import (
    account_users,
    accounts,
    courses,
    enrollments,
    role_overrides,
    roles,
)

__all__ = [
    "EnrollmentGrant",
    "MembershipGrant",
    "OverrideRow",
    "RoleRow",
    "get_account_chain",
    "get_account_memberships",
    "get_builtin_role_ids",
    "get_enrolled_course_account_ids",
    "get_has_account_membership",
    "get_observed_user_ids",
    "get_role_overrides",
    "get_roles",
    "get_user_course_enrollments",
    "get_visible_student_ids",
]

# Enrollments that carry their role's rights: current and concluded ones (view_analytics "applies to
# concluded", behaviour §5); invited, inactive, rejected and deleted ones carry none.
GRANTING_STATES = ("active", "completed")
STUDENT_STATES = ("active", "completed")  # CONTRACT §7.1
_MAX_DEPTH = 64  # a guard against a cycle in a corrupt export


@dataclass(frozen=True)
class MembershipGrant:
    """An active ``account_users`` row of the caller."""

    account_id: int
    role_id: int | None


@dataclass(frozen=True)
class EnrollmentGrant:
    """One of the caller's enrollments in a course."""

    type: str
    workflow_state: str
    role_id: int | None
    course_section_id: int | None
    limit_privileges_to_course_section: bool
    associated_user_id: int | None


@dataclass(frozen=True)
class RoleRow:
    """A role: built-in (named after its base type) or custom (based on one)."""

    id: int
    name: str | None
    base_role_type: str | None


@dataclass(frozen=True)
class OverrideRow:
    """A ``role_overrides`` row set on an account."""

    role_id: int
    account_id: int
    permission: str
    enabled: bool
    locked: bool
    applies_to_self: bool
    applies_to_descendants: bool


async def get_account_chain(*, conn: AsyncConnection, account_id: int) -> list[int]:
    """The account and its ancestors, root first (deleted ancestors included: the tree is the tree)."""
    # One statement for the whole walk (a recursive query), bounded by the same depth as the walk below.
    walk = (
        select(accounts.c.id, accounts.c.parent_account_id, literal(1).label("depth"))
        .where(accounts.c.id == account_id)
        .cte("walk", recursive=True)
    )
    parent = accounts.alias("parent")
    walk = walk.union_all(
        select(parent.c.id, parent.c.parent_account_id, (walk.c.depth + 1).label("depth")).where(
            parent.c.id == walk.c.parent_account_id, walk.c.depth < _MAX_DEPTH
        )
    )
    parent_of = {
        int(r.id): r.parent_account_id
        for r in await conn.execute(select(walk.c.id, walk.c.parent_account_id))
    }
    chain: list[int] = []
    current: int | None = account_id
    # An account missing from the export ends the chain after itself, a cycle at its first repeat.
    while current is not None and current not in chain and len(chain) < _MAX_DEPTH:
        chain.append(current)
        current = parent_of.get(current)
    chain.reverse()
    return chain


async def get_account_memberships(
    *, conn: AsyncConnection, user_id: int, account_ids: Collection[int]
) -> list[MembershipGrant]:
    """The caller's non-deleted ``account_users`` rows on the given accounts."""
    query = select(account_users.c.account_id, account_users.c.role_id).where(
        account_users.c.user_id == user_id,
        account_users.c.account_id.in_(list(account_ids)),
        account_users.c.workflow_state != "deleted",
    )
    return [MembershipGrant(int(r.account_id), r.role_id) for r in await conn.execute(query)]


async def get_user_course_enrollments(
    *, conn: AsyncConnection, user_id: int, course_id: int
) -> list[EnrollmentGrant]:
    """The caller's enrollments in the course that grant rights (active or concluded)."""
    query = select(
        enrollments.c.type,
        enrollments.c.workflow_state,
        enrollments.c.role_id,
        enrollments.c.course_section_id,
        enrollments.c.limit_privileges_to_course_section,
        enrollments.c.associated_user_id,
    ).where(
        enrollments.c.user_id == user_id,
        enrollments.c.course_id == course_id,
        enrollments.c.workflow_state.in_(GRANTING_STATES),
    )
    return [
        EnrollmentGrant(
            type=r.type or "",
            workflow_state=r.workflow_state,
            role_id=r.role_id,
            course_section_id=r.course_section_id,
            limit_privileges_to_course_section=bool(r.limit_privileges_to_course_section),
            associated_user_id=r.associated_user_id,
        )
        for r in await conn.execute(query)
    ]


async def get_roles(*, conn: AsyncConnection, role_ids: Collection[int]) -> dict[int, RoleRow]:
    """Roles by id (deleted ones left out: their holders keep only their base type's defaults)."""
    if not role_ids:
        return {}
    query = select(roles.c.id, roles.c.name, roles.c.base_role_type).where(
        roles.c.id.in_(list(role_ids)), roles.c.workflow_state != "deleted"
    )
    return {int(r.id): RoleRow(int(r.id), r.name, r.base_role_type) for r in await conn.execute(query)}


async def get_builtin_role_ids(*, conn: AsyncConnection, names: Collection[str]) -> dict[str, int]:
    """Ids of the built-in roles with these names (e.g. ``TeacherEnrollment``, ``AccountAdmin``)."""
    if not names:
        return {}
    query = (
        select(roles.c.name, roles.c.id)
        .where(roles.c.name.in_(list(names)), roles.c.workflow_state == "built_in")
        .order_by(roles.c.id.desc())
    )
    return {r.name: int(r.id) for r in await conn.execute(query)}


async def get_role_overrides(
    *,
    conn: AsyncConnection,
    role_ids: Collection[int],
    account_ids: Collection[int],
    permissions: Collection[str],
) -> list[OverrideRow]:
    """Overrides of these roles' permissions set on these accounts."""
    if not role_ids or not account_ids:
        return []
    query = select(
        role_overrides.c.role_id,
        role_overrides.c.context_id,
        role_overrides.c.permission,
        role_overrides.c.enabled,
        role_overrides.c.locked,
        role_overrides.c.applies_to_self,
        role_overrides.c.applies_to_descendants,
    ).where(
        role_overrides.c.role_id.in_(list(role_ids)),
        role_overrides.c.context_id.in_(list(account_ids)),
        role_overrides.c.context_type == "Account",
        role_overrides.c.permission.in_(list(permissions)),
    )
    return [
        OverrideRow(
            role_id=int(r.role_id),
            account_id=int(r.context_id),
            permission=r.permission,
            enabled=bool(r.enabled),
            locked=bool(r.locked),
            # Canvas's defaults when the columns are absent: an override applies to both.
            applies_to_self=r.applies_to_self is not False,
            applies_to_descendants=r.applies_to_descendants is not False,
        )
        for r in await conn.execute(query)
    ]


async def get_observed_user_ids(*, conn: AsyncConnection, user_id: int, course_id: int) -> set[int]:
    """Students the caller observes in the course (active/concluded observer enrollments)."""
    query = select(enrollments.c.associated_user_id).where(
        enrollments.c.user_id == user_id,
        enrollments.c.course_id == course_id,
        enrollments.c.type == "ObserverEnrollment",
        enrollments.c.workflow_state.in_(GRANTING_STATES),
        enrollments.c.associated_user_id.is_not(None),
    )
    return {int(v) for v in (await conn.scalars(query))}


async def get_visible_student_ids(
    *,
    conn: AsyncConnection,
    course_id: int,
    section_ids: Collection[int] | None = None,
    user_ids: Collection[int] | None = None,
) -> list[int]:
    """Distinct students of the course (CONTRACT §7.1), optionally only in these sections / these users.

    Test Students (``StudentViewEnrollment``) are never students here (CONTRACT §3.1).
    """
    conditions = [
        enrollments.c.course_id == course_id,
        enrollments.c.type == "StudentEnrollment",
        enrollments.c.workflow_state.in_(STUDENT_STATES),
    ]
    if section_ids is not None:
        conditions.append(
            enrollments.c.course_section_id.in_(list(section_ids)) if section_ids else literal(False)
        )
    if user_ids is not None:
        conditions.append(enrollments.c.user_id.in_(list(user_ids)) if user_ids else literal(False))
    query = select(enrollments.c.user_id).where(and_(*conditions)).distinct().order_by(enrollments.c.user_id)
    return [int(v) for v in await conn.scalars(query)]


async def get_has_account_membership(*, conn: AsyncConnection, user_id: int) -> bool:
    """Whether the user holds any non-deleted ``account_users`` row (an account admin or member)."""
    query = select(account_users.c.id).where(
        account_users.c.user_id == user_id, account_users.c.workflow_state != "deleted"
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def get_enrolled_course_account_ids(*, conn: AsyncConnection, user_id: int) -> set[int]:
    """The accounts of the (not deleted) courses where the user holds a non-deleted enrollment."""
    query = (
        select(courses.c.account_id)
        .distinct()
        .join(enrollments, enrollments.c.course_id == courses.c.id)
        .where(
            enrollments.c.user_id == user_id,
            enrollments.c.workflow_state != "deleted",
            courses.c.workflow_state != "deleted",
            courses.c.account_id.is_not(None),
        )
    )
    return {int(r.account_id) for r in await conn.execute(query)}
