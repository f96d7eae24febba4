"""Lists of the institution's objects as GraphQL walks them: courses of an account or term, enrollments.

Visibility follows behaviour §3.1: a section-limited caller sees the enrollments of their sections, a
caller without roster rights only their own (and their observees'); the Test Student is shown to
full-visibility callers and the course's staff only.
"""

from __future__ import annotations

from collections.abc import Sequence

from analytics_gateway.resolvers.errors import NotFound
from analytics_gateway.resolvers.loaders import Loaders
from analytics_gateway.storage.queries.coursework import AssignmentRow
from analytics_gateway.storage.queries.entities import (
    EnrollmentRow,
    OwnedKind,
    get_course_ids_in_accounts,
    get_owning_course_id,
    get_term_course_ids,
)

__all__ = [
    "MAX_ACCOUNT_DEPTH",
    "account_course_ids",
    "owning_course",
    "subtree_account_ids",
    "term_course_ids",
    "visible_assignments",
    "visible_enrollments",
]

MAX_ACCOUNT_DEPTH = 32  # a guard against a cycle in a corrupt export
_TEST_STUDENT = "StudentViewEnrollment"


async def subtree_account_ids(loaders: Loaders, account_id: int) -> list[int]:
    """The account and every non-deleted account below it (one batched statement per level)."""
    seen = [account_id]
    level = [account_id]
    for _ in range(MAX_ACCOUNT_DEPTH):
        children = [c for parent in level for c in await loaders.child_accounts.load(parent) if c not in seen]
        if not children:
            break
        seen.extend(children)
        level = children
    return seen


async def account_course_ids(
    loaders: Loaders,
    account_id: int,
    *,
    term_id: int | None,
    states: Sequence[str],
    include_sub_accounts: bool,
) -> list[int]:
    """Ids of the courses placed in the account (and below), optionally of one term, ascending."""
    accounts = await subtree_account_ids(loaders, account_id) if include_sub_accounts else [account_id]
    async with loaders.ctx.engine.connect() as conn:
        return await get_course_ids_in_accounts(
            conn=conn, account_ids=accounts, term_ids=None if term_id is None else [term_id], states=states
        )


async def term_course_ids(loaders: Loaders, term_id: int, *, states: Sequence[str]) -> list[int]:
    """Ids of the term's courses in these states, ascending."""
    async with loaders.ctx.engine.connect() as conn:
        found = await get_term_course_ids(conn=conn, term_ids=[term_id], states=states)
    return found.get(term_id, [])


async def visible_enrollments(
    loaders: Loaders, course_id: int, *, types: Sequence[str] | None, states: Sequence[str] | None
) -> list[EnrollmentRow]:
    """The course's enrollments the caller may see, by id, optionally of these types and states."""
    access = await loaders.course_access.load(course_id)
    rows = await loaders.enrollments.load(course_id)
    if types is not None:
        rows = [r for r in rows if r.type in types]
    if states is not None:
        rows = [r for r in rows if r.workflow_state in states]
    if access.level == "restricted":
        mine = {access.user_id, *access.observed_user_ids}
        rows = [r for r in rows if r.user_id in mine]
    elif access.section_ids is not None:
        rows = [r for r in rows if r.course_section_id in access.section_ids]
    if access.level != "full" and not access.is_staff:
        rows = [r for r in rows if r.type != _TEST_STUDENT or r.user_id == access.user_id]
    return rows


async def owning_course(loaders: Loaders, kind: OwnedKind, object_id: int) -> int:
    """The course a section, assignment or enrollment belongs to (NotFound when there is none)."""
    async with loaders.ctx.engine.connect() as conn:
        found = await get_owning_course_id(conn=conn, kind=kind, object_id=object_id)
    if found is None:
        raise NotFound(f"{kind} {object_id}")
    return found


async def visible_assignments(loaders: Loaders, course_id: int) -> list[AssignmentRow]:
    """The course's published assignments the caller may see: all with ``read_as_admin``, else those
    assigned to them (behaviour §3.4: an ``only_visible_to_overrides`` one only to its override's
    students)."""
    access = await loaders.course_access.load(course_id)
    work = await loaders.coursework.load(course_id)
    rows = work.assignments
    if not access.can("read_as_admin") and access.user_id is not None:
        rows = [a for a in rows if work.due(a.id, access.user_id).assigned]
    return rows
