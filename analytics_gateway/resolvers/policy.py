"""The authorization policy of behaviour §5, once, for GraphQL and REST alike.

Rights come from roles: an account membership (``account_users``) on the target's account chain, or the
caller's active/concluded enrollments in the course. Each role starts from its base type's defaults
(below) and is then adjusted by ``role_overrides`` set on the accounts of the chain, root first; a
``locked`` override stops the ones below it. Designer and Observer roles can never hold
``view_analytics`` (behaviour §5: "not available" to them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.errors import Forbidden, NotFound, Unauthenticated
from analytics_gateway.storage.point_reads import small_reads
from analytics_gateway.storage.queries.lookup import AccountRow, CourseRow, UserRow
from analytics_gateway.storage.queries.permissions import (
    EnrollmentGrant,
    OverrideRow,
    RoleRow,
    get_account_chain,
    get_account_memberships,
    get_builtin_role_ids,
    get_enrolled_course_account_ids,
    get_has_account_membership,
    get_observed_user_ids,
    get_role_overrides,
    get_roles,
    get_user_course_enrollments,
    get_visible_student_ids,
)

__all__ = [
    "PERMISSIONS",
    "AccountAccess",
    "CourseAccess",
    "StudentAccess",
    "account_access",
    "administers_user",
    "authorize_student",
    "course_access",
    "require_account_analytics",
    "require_course_analytics",
    "require_grade_access",
    "require_read_as_admin",
    "visible_student_ids",
]

Permission = Literal["view_analytics", "read_as_admin", "manage_grades", "view_all_grades", "read_roster"]
PERMISSIONS: tuple[Permission, ...] = (
    "view_analytics",
    "read_as_admin",
    "manage_grades",
    "view_all_grades",
    "read_roster",
)
VisibilityLevel = Literal["full", "sections", "sections_limited", "limited", "restricted"]

ACCOUNT_ADMIN = "AccountAdmin"
_ALL: frozenset[Permission] = frozenset(PERMISSIONS)
# Canvas's defaults per base role type (behaviour §5: view_analytics on for admins, teachers and TAs,
# off for students; custom account roles start with nothing).
_DEFAULTS: dict[str, frozenset[Permission]] = {
    ACCOUNT_ADMIN: _ALL,
    "AccountMembership": frozenset(),
    "TeacherEnrollment": _ALL,
    "TaEnrollment": _ALL,
    "DesignerEnrollment": frozenset({"read_as_admin", "read_roster"}),
    "StudentEnrollment": frozenset({"read_roster"}),
    "StudentViewEnrollment": frozenset({"read_roster"}),
    "ObserverEnrollment": frozenset(),
}
_UNAVAILABLE: dict[str, frozenset[Permission]] = {
    "DesignerEnrollment": frozenset({"view_analytics"}),
    "ObserverEnrollment": frozenset({"view_analytics"}),
}
_ADMIN_RIGHTS: frozenset[Permission] = frozenset({"read_as_admin", "manage_grades", "view_all_grades"})
_STAFF_TYPES = frozenset({"TeacherEnrollment", "TaEnrollment", "DesignerEnrollment"})


@dataclass(frozen=True)
class _Role:
    """A role as the policy sees it: its id (for overrides) and its base type (for defaults)."""

    role_id: int | None
    base: str


def _effective(
    role: _Role, chain: list[int], overrides: list[OverrideRow], *, target_is_account: int | None
) -> frozenset[Permission]:
    """The role's permissions at the bottom of ``chain`` after the chain's overrides, root first.

    ``target_is_account``: the account being asked about (D1-D4), where an override on that very account
    applies when ``applies_to_self``; for a course every chain account is an ancestor, so an override
    applies when ``applies_to_descendants``.
    """
    granted = set(_DEFAULTS.get(role.base, frozenset()))
    unavailable = _UNAVAILABLE.get(role.base, frozenset())
    mine = [o for o in overrides if role.role_id is not None and o.role_id == role.role_id]
    for permission in PERMISSIONS:
        for account_id in chain:
            found = [o for o in mine if o.account_id == account_id and o.permission == permission]
            if not found:
                continue
            override = found[0]
            on_target = target_is_account == account_id
            applies = override.applies_to_self if on_target else override.applies_to_descendants
            if applies:
                if override.enabled:
                    granted.add(permission)
                else:
                    granted.discard(permission)
            if override.locked:
                break
    return frozenset(granted - unavailable)


async def _membership_roles(conn: AsyncConnection, user_id: int, chain: list[int]) -> list[_Role]:
    grants = await get_account_memberships(conn=conn, user_id=user_id, account_ids=chain)
    if not grants:
        return []
    known = await get_roles(conn=conn, role_ids={g.role_id for g in grants if g.role_id is not None})
    builtin = await get_builtin_role_ids(conn=conn, names=[ACCOUNT_ADMIN])
    result: list[_Role] = []
    for grant in grants:
        role = known.get(grant.role_id) if grant.role_id is not None else None
        if grant.role_id is None or (role is not None and role.name == ACCOUNT_ADMIN):
            result.append(_Role(grant.role_id or builtin.get(ACCOUNT_ADMIN), ACCOUNT_ADMIN))
        elif role is not None:
            result.append(_Role(role.id, role.base_role_type or "AccountMembership"))
    return result


async def _enrollment_roles(conn: AsyncConnection, grants: list[EnrollmentGrant]) -> list[_Role]:
    known: dict[int, RoleRow] = await get_roles(
        conn=conn, role_ids={g.role_id for g in grants if g.role_id is not None}
    )
    builtin = await get_builtin_role_ids(conn=conn, names={g.type for g in grants})
    result: list[_Role] = []
    for grant in grants:
        role = known.get(grant.role_id) if grant.role_id is not None else None
        if role is not None:
            result.append(_Role(role.id, role.base_role_type or grant.type))
        else:
            result.append(_Role(builtin.get(grant.type), grant.type))
    return result


async def _permissions(
    conn: AsyncConnection, roles: Iterable[_Role], chain: list[int], *, target_is_account: int | None
) -> frozenset[Permission]:
    roles = list(roles)
    overrides = await get_role_overrides(
        conn=conn,
        role_ids={r.role_id for r in roles if r.role_id is not None},
        account_ids=chain,
        permissions=PERMISSIONS,
    )
    granted: set[Permission] = set()
    for role in roles:
        granted |= _effective(role, chain, overrides, target_is_account=target_is_account)
    return frozenset(granted)


# --- Accounts (D1-D4) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountAccess:
    """The caller's rights on an account."""

    account: AccountRow
    user_id: int | None
    permissions: frozenset[Permission]


async def account_access(ctx: AnalyticsContext, account: AccountRow) -> AccountAccess:
    """Rights from memberships on the account or an ancestor; enrollments never qualify (behaviour §5)."""
    user_id = ctx.viewer.user_id
    if user_id is None:
        return AccountAccess(account, None, frozenset())
    async with small_reads(ctx.engine) as conn:
        chain = await get_account_chain(conn=conn, account_id=account.id)
        roles = await _membership_roles(conn, user_id, chain)
        perms = await _permissions(conn, roles, chain, target_is_account=account.id) if roles else frozenset()
    return AccountAccess(account, user_id, perms)


def require_account_analytics(access: AccountAccess) -> None:
    """``view_analytics`` on the account: 401 without a user, 403 without the right."""
    if access.user_id is None:
        raise Unauthenticated
    if "view_analytics" not in access.permissions:
        raise Forbidden


# --- Courses (C1-C3, S1-S3) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseAccess:
    """The caller's rights on a course and which of its students they can see (behaviour §3.1)."""

    course: CourseRow
    user_id: int | None
    permissions: frozenset[Permission]
    level: VisibilityLevel
    section_ids: frozenset[int] | None  # the caller's sections when section-limited, else None
    observed_user_ids: frozenset[int]
    is_staff: bool  # holds a teacher, TA or designer enrollment in the course
    member: bool = False  # holds any role here: an admin role on the chain or a live enrollment

    @property
    def can_read(self) -> bool:
        """May see the course itself (its name, sections, assignments): any role in it."""
        return self.member

    def can(self, permission: Permission) -> bool:
        """Whether the caller holds ``permission`` on the course."""
        return permission in self.permissions

    @property
    def privileged(self) -> bool:
        """``manage_grades`` or ``view_all_grades``: sees every grade (CONTRACT §7.4, §7.6)."""
        return self.can("manage_grades") or self.can("view_all_grades")


async def course_access(ctx: AnalyticsContext, course: CourseRow) -> CourseAccess:
    """Rights on the course from account memberships on its chain and the caller's own enrollments."""
    user_id = ctx.viewer.user_id
    if user_id is None:
        return CourseAccess(course, None, frozenset(), "restricted", None, frozenset(), False, False)
    async with small_reads(ctx.engine) as conn:
        chain = await get_account_chain(conn=conn, account_id=course.account_id) if course.account_id else []
        admin_roles = await _membership_roles(conn, user_id, chain) if chain else []
        grants = await get_user_course_enrollments(conn=conn, user_id=user_id, course_id=course.id)
        roles = admin_roles + await _enrollment_roles(conn, grants)
        perms = await _permissions(conn, roles, chain, target_is_account=None) if roles else frozenset()
        observed = await get_observed_user_ids(conn=conn, user_id=user_id, course_id=course.id)
    # Account admins are never section-limited; an enrolled caller is when *every* enrollment is.
    limited = not admin_roles and bool(grants) and all(g.limit_privileges_to_course_section for g in grants)
    sections = (
        frozenset(g.course_section_id for g in grants if g.course_section_id is not None) if limited else None
    )
    level: VisibilityLevel
    if perms & _ADMIN_RIGHTS:
        level = "sections" if limited else "full"
    elif "read_roster" in perms:
        level = "sections_limited" if limited else "limited"
    else:
        level = "restricted"
    return CourseAccess(
        course=course,
        user_id=user_id,
        permissions=perms,
        level=level,
        section_ids=sections,
        observed_user_ids=frozenset(observed),
        is_staff=any(g.type in _STAFF_TYPES for g in grants),
        member=bool(roles),
    )


def require_course_analytics(access: CourseAccess) -> None:
    """``view_analytics`` on the course: 401 without a user, 403 without the right."""
    if access.user_id is None:
        raise Unauthenticated
    if not access.can("view_analytics"):
        raise Forbidden


def require_read_as_admin(access: CourseAccess) -> None:
    """C1/C2's last check (behaviour §5)."""
    if not access.can("read_as_admin"):
        raise Forbidden


def require_grade_access(access: CourseAccess) -> None:
    """C3's last check: ``manage_grades`` or ``view_all_grades`` (behaviour §5)."""
    if not access.privileged:
        raise Forbidden


async def visible_student_ids(ctx: AnalyticsContext, access: CourseAccess) -> list[int]:
    """The course's students the caller can see, ascending (behaviour §3.1 with CONTRACT §3.1)."""
    user_ids: Collection[int] | None = None
    if access.level == "restricted":
        user_ids = {access.user_id, *access.observed_user_ids} if access.user_id is not None else set()
    async with ctx.engine.connect() as conn:
        return await get_visible_student_ids(
            conn=conn, course_id=access.course.id, section_ids=access.section_ids, user_ids=user_ids
        )


@dataclass(frozen=True)
class StudentAccess:
    """A student of the course the caller may look at (S1-S3)."""

    course: CourseAccess
    student: UserRow

    @property
    def privileged(self) -> bool:
        """Sees every grade and statistic (CONTRACT §7.4, §7.6)."""
        return self.course.privileged


async def authorize_student(ctx: AnalyticsContext, access: CourseAccess, student: UserRow) -> StudentAccess:
    """S1-S3 after the course checks: a visible student (404), then ``read_grades`` on them (403).

    ``read_grades`` (behaviour §5): the student themself; a caller with ``manage_grades`` or
    ``view_all_grades`` who can see the student; an observer linked to the student.
    """
    async with small_reads(ctx.engine) as conn:
        visible = await get_visible_student_ids(
            conn=conn,
            course_id=access.course.id,
            section_ids=access.section_ids,
            user_ids=[student.id]
            if access.level != "restricted"
            else [u for u in (student.id,) if u == access.user_id or u in access.observed_user_ids],
        )
    if not visible:
        raise NotFound(f"user {student.id} is not a visible student of course {access.course.id}")
    if student.id == access.user_id or access.privileged or student.id in access.observed_user_ids:
        return StudentAccess(access, student)
    raise Forbidden


async def administers_user(ctx: AnalyticsContext, user_id: int) -> bool:
    """Whether the caller holds an account role above a course the user is enrolled in.

    GraphQL's user lookup for account admins below the root: a sub-account admin finds the people of
    their sub-account's courses, never those of a sibling account (issue 6: nothing leaks across
    accounts).
    """
    viewer = ctx.viewer.user_id
    if viewer is None:
        return False
    async with small_reads(ctx.engine) as conn:
        if not await get_has_account_membership(conn=conn, user_id=viewer):
            return False
        chains: set[int] = set()
        for account_id in await get_enrolled_course_account_ids(conn=conn, user_id=user_id):
            chains.update(await get_account_chain(conn=conn, account_id=account_id))
        return bool(chains) and bool(await _membership_roles(conn, viewer, sorted(chains)))
