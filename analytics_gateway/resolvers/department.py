"""Department analytics (D1-D4): the scope of a department and its four computations.

:func:`open_department` runs the checks of behaviour §5 in order — account lookup (404), then
``view_analytics`` on the account (401/403), then the term of ``terms/:term_id`` (404) — and fixes the
department course set of behaviour §3.2 once; the computations read only that set, each in a constant
number of statements, and return dialect-free dataclasses (CONTRACT §3.8-§3.10, §7.9, §7.15).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from analytics_gateway.resolvers.cache import Scope, cached
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.lookup import default_term, resolve_account, resolve_term
from analytics_gateway.resolvers.policy import account_access, require_account_analytics
from analytics_gateway.resolvers.stats import grade_histogram_of_buckets
from analytics_gateway.storage.queries.department import (
    STUDENT_TYPE,
    TEACHER_TYPE,
    AccountNode,
    ContentCounts,
    count_department_users,
    count_department_users_by_branch,
    get_account_tree,
    get_content_counts,
    get_department_category_daily,
    get_department_courses,
    get_enrolled_users,
    get_enrolled_users_by_account,
)
from analytics_gateway.storage.queries.lookup import AccountRow, TermRow
from analytics_gateway.storage.queries.scores import get_department_grade_counts

__all__ = [
    "CategoryViews",
    "DepartmentActivity",
    "DepartmentCourse",
    "DepartmentDay",
    "DepartmentFilter",
    "DepartmentGrades",
    "DepartmentScope",
    "DepartmentStatistics",
    "Subaccount",
    "SubaccountStatistics",
    "department_activity",
    "department_grades",
    "department_statistics",
    "department_statistics_by_subaccount",
    "department_tree",
    "open_department",
]

DepartmentFilter = Literal["current", "completed", "term"]

# Course states of each filter (behaviour §3.2): current and completed read the default term only.
_STATES: dict[DepartmentFilter, tuple[str, ...]] = {
    "current": ("available",),
    "completed": ("completed",),
    "term": ("available", "completed"),
}


# --- Scope ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subaccount:
    """A direct, non-deleted child account of the department."""

    id: int
    name: str | None


@dataclass(frozen=True, slots=True)
class DepartmentCourse:
    """A course of the department course set."""

    id: int
    account_id: int
    # The account of the course's D4 row: the department itself for a course placed directly in it, else
    # the direct child whose subtree holds the course's account (CONTRACT §3.9).
    branch_id: int


@dataclass(frozen=True, slots=True)
class DepartmentScope:
    """A department the caller may look at, with its filter, term and course set."""

    account: AccountRow
    term: TermRow | None  # None: current/completed without any active term (the set is empty)
    filter: DepartmentFilter
    subaccounts: tuple[Subaccount, ...]  # direct non-deleted children, by id
    courses: tuple[DepartmentCourse, ...]  # the course set (behaviour §3.2), by id
    account_ids: tuple[int, ...]  # the department and its subtree through non-deleted accounts, by id

    @property
    def course_ids(self) -> list[int]:
        """Ids of the course set, ascending."""
        return [c.id for c in self.courses]


def _deleted(node: AccountNode) -> bool:
    return node.workflow_state == "deleted"  # a missing state is not a deletion


def department_tree(
    nodes: Iterable[AccountNode], account_id: int
) -> tuple[list[AccountNode], dict[int, int]]:
    """The direct non-deleted children of ``account_id`` (by id), and the branch of every account of its
    subtree: ``account → account_id`` itself, or the direct child it lies under.

    The subtree is reached through non-deleted accounts only: a deleted account and everything below it
    are left out (behaviour §3.2). Cycles in a corrupt export are cut where an account recurs.
    """
    children: dict[int, list[AccountNode]] = defaultdict(list)
    for node in nodes:
        if node.parent_account_id is not None and node.id != node.parent_account_id:
            children[node.parent_account_id].append(node)
    direct = sorted(
        (n for n in children[account_id] if not _deleted(n) and n.id != account_id), key=lambda n: n.id
    )
    branch: dict[int, int] = {account_id: account_id}
    stack = [(n.id, n.id) for n in reversed(direct)]
    while stack:
        current, top = stack.pop()
        if current in branch:
            continue
        branch[current] = top
        stack.extend((n.id, top) for n in children[current] if not _deleted(n) and n.id not in branch)
    return direct, branch


async def open_department(
    ctx: AnalyticsContext, account_ref: str, filter: DepartmentFilter, term_ref: str | None
) -> DepartmentScope:
    """The department of a path segment after the checks of behaviour §5, with its course set.

    ``term_ref`` is the ``:term_id`` segment for the ``term`` filter (``default``, ``current``, numeric,
    ``sis_term_id:``) and ignored otherwise; current/completed use the default term (CONTRACT §7.2).
    """

    async def compute() -> tuple[DepartmentScope, None]:
        return await _open_department(ctx, account_ref, filter, term_ref), None

    # The scope comes from accounts, terms, roles and admins (imports touching everything) and from the
    # courses placed in the department's accounts (imports touching those accounts).
    key = ("department", ctx.viewer.user_id, account_ref, filter, term_ref)
    return await cached(ctx, key, _scope, compute)


async def _open_department(
    ctx: AnalyticsContext, account_ref: str, filter: DepartmentFilter, term_ref: str | None
) -> DepartmentScope:
    account = await resolve_account(ctx, account_ref)
    require_account_analytics(await account_access(ctx, account))
    term: TermRow | None
    if filter == "term":
        if term_ref is None:
            raise ValueError("the term filter needs a term")
        term = await resolve_term(ctx, term_ref, account=account)
    else:
        term = await default_term(ctx, account=account)
    async with ctx.engine.connect() as conn:
        direct, branch = department_tree(await get_account_tree(conn=conn), account.id)
        placed = (
            []
            if term is None
            else await get_department_courses(
                conn=conn, account_ids=list(branch), term_id=term.id, states=_STATES[filter]
            )
        )
    return DepartmentScope(
        account=account,
        term=term,
        filter=filter,
        subaccounts=tuple(Subaccount(n.id, n.name) for n in direct),
        courses=tuple(DepartmentCourse(cid, aid, branch[aid]) for cid, aid in placed),
        account_ids=tuple(sorted(branch)),
    )


# --- D1 ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepartmentDay:
    """Page views and participations of one UTC day over the course set."""

    date: date
    views: int
    participations: int


@dataclass(frozen=True, slots=True)
class CategoryViews:
    """Page views of one category over the course set."""

    category: str
    views: int


@dataclass(frozen=True, slots=True)
class DepartmentActivity:
    """D1: the course set's rollups, all users, all time (behaviour §4 D1)."""

    by_date: list[DepartmentDay]  # days with data, ascending (CONTRACT §3.10)
    by_category: list[CategoryViews]  # categories with data, alphabetical


async def department_activity(ctx: AnalyticsContext, scope: DepartmentScope) -> DepartmentActivity:
    """D1: page views and participations per UTC day, page views per category."""
    if not scope.courses or scope.term is None:
        return DepartmentActivity([], [])
    term_id = scope.term.id

    async def compute() -> tuple[DepartmentActivity, None]:
        # The account rollup holds exactly the course set's sums (same accounts, term and states).
        async with ctx.engine.connect() as conn:
            rows = await get_department_category_daily(
                conn=conn, account_ids=scope.account_ids, term_id=term_id, states=_STATES[scope.filter]
            )
        return _activity(rows), None

    return await cached(ctx, _key("D1", scope), _scope(scope), compute)


def _key(analytic: str, scope: DepartmentScope) -> Hashable:
    # Admins see every course of the set: no visibility part (behaviour §3.2).
    return (analytic, scope.account.id, scope.filter, None if scope.term is None else scope.term.id)


def _scope(scope: DepartmentScope) -> Scope:
    # Everything a department result reads belongs to a course placed in one of these accounts; a course
    # moving in or out is an import touching both accounts.
    return Scope.of(accounts=scope.account_ids)


def _activity(rows: list[tuple[date, str, int, int]]) -> DepartmentActivity:
    days: dict[date, list[int]] = {}
    categories: dict[str, int] = {}
    for day, category, views, participations in rows:
        total = days.setdefault(day, [0, 0])
        total[0] += views
        total[1] += participations
        categories[category] = categories.get(category, 0) + views
    return DepartmentActivity(
        by_date=[DepartmentDay(d, v, p) for d, (v, p) in sorted(days.items())],
        by_category=[CategoryViews(c, v) for c, v in sorted(categories.items())],
    )


# --- D2 ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepartmentGrades:
    """D2: how many (course, student) overall scores round to each of 0..100 (CONTRACT §3.8, §7.9)."""

    counts: list[int] | None  # 101 counts, index = rounded score; None when no in-range value at all


async def department_grades(ctx: AnalyticsContext, scope: DepartmentScope) -> DepartmentGrades:
    """D2: the grade histogram of the course set, from current scores."""
    if not scope.courses:
        return DepartmentGrades(None)

    async def compute() -> tuple[DepartmentGrades, None]:
        if scope.term is None:
            return DepartmentGrades(None), None
        # The importer's per-account bucket counts hold exactly the course set's (same accounts, term and
        # states), as the account rollup does for D1.
        async with ctx.engine.connect() as conn:
            counts = await get_department_grade_counts(
                conn=conn, account_ids=scope.account_ids, term_id=scope.term.id, states=_STATES[scope.filter]
            )
        return DepartmentGrades(grade_histogram_of_buckets(counts.items())), None

    return await cached(ctx, _key("D2", scope), _scope(scope), compute)


# --- D3, D4 --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepartmentStatistics:
    """D3: counts over the course set (behaviour §4 D3, CONTRACT §7.15)."""

    courses: int
    subaccounts: int  # direct non-deleted children, whatever the filter and term
    teachers: int
    students: int
    discussion_topics: int
    media_objects: int
    attachments: int
    assignments: int


@dataclass(frozen=True, slots=True)
class SubaccountStatistics:
    """One D4 row: the department's own courses, or one direct child's whole subtree (CONTRACT §3.9)."""

    name: str | None
    id: int
    courses: int
    teachers: int
    students: int
    discussion_topics: int
    media_objects: int
    attachments: int
    assignments: int


def _content_total(counts: Sequence[ContentCounts]) -> ContentCounts:
    return ContentCounts(
        discussion_topics=sum(c.discussion_topics for c in counts),
        media_objects=sum(c.media_objects for c in counts),
        attachments=sum(c.attachments for c in counts),
        assignments=sum(c.assignments for c in counts),
    )


async def department_statistics(ctx: AnalyticsContext, scope: DepartmentScope) -> DepartmentStatistics:
    """D3: courses, direct sub-accounts, distinct teachers and students, and course content."""

    async def compute() -> tuple[DepartmentStatistics, None]:
        return await _statistics(ctx, scope), None

    return await cached(ctx, _key("D3", scope), _scope(scope), compute)


async def _statistics(ctx: AnalyticsContext, scope: DepartmentScope) -> DepartmentStatistics:
    people = {TEACHER_TYPE: 0, STUDENT_TYPE: 0}
    content: dict[int, ContentCounts] = {}
    if scope.courses and scope.term is not None:
        async with ctx.engine.connect() as conn:
            # Distinct people counted by the database over the course set's keys (not tens of thousands
            # of user ids sent back); listed only for a department of very many accounts.
            counted = await count_department_users(
                conn=conn, account_ids=scope.account_ids, term_id=scope.term.id, states=_STATES[scope.filter]
            )
            if counted is None:
                listed = await get_enrolled_users(conn=conn, course_ids=scope.course_ids)
                counted = {type_: len(ids) for type_, ids in listed.items()}
            people.update(counted)
            content = await get_content_counts(conn=conn, course_ids=scope.course_ids)
    total = _content_total(list(content.values()))
    return DepartmentStatistics(
        courses=len(scope.courses),
        subaccounts=len(scope.subaccounts),
        teachers=people[TEACHER_TYPE],
        students=people[STUDENT_TYPE],
        discussion_topics=total.discussion_topics,
        media_objects=total.media_objects,
        attachments=total.attachments,
        assignments=total.assignments,
    )


async def department_statistics_by_subaccount(
    ctx: AnalyticsContext, scope: DepartmentScope
) -> list[SubaccountStatistics]:
    """D4: the department's row (its own courses), then each direct child's (its subtree), by id."""

    async def compute() -> tuple[list[SubaccountStatistics], None]:
        return await _statistics_by_subaccount(ctx, scope), None

    return await cached(ctx, _key("D4", scope), _scope(scope), compute)


async def _statistics_by_subaccount(
    ctx: AnalyticsContext, scope: DepartmentScope
) -> list[SubaccountStatistics]:
    branch_of = {c.account_id: c.branch_id for c in scope.courses}
    people: defaultdict[tuple[int, str], int] = defaultdict(int)
    content: dict[int, ContentCounts] = {}
    if scope.courses and scope.term is not None:
        async with ctx.engine.connect() as conn:
            counted = await count_department_users_by_branch(
                conn=conn, branch_of=branch_of, term_id=scope.term.id, states=_STATES[scope.filter]
            )
            if counted is None:  # very many accounts: list the users and count them here
                by_account = await get_enrolled_users_by_account(conn=conn, course_ids=scope.course_ids)
                listed: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
                for (account_id, type_), user_ids in by_account.items():
                    if (top := branch_of.get(account_id)) is not None:
                        listed[(top, type_)] |= user_ids
                counted = {key: len(ids) for key, ids in listed.items()}
            people.update(counted)
            content = await get_content_counts(conn=conn, course_ids=scope.course_ids)
    courses_of: dict[int, list[DepartmentCourse]] = defaultdict(list)
    for course in scope.courses:
        courses_of[course.branch_id].append(course)
    rows: list[SubaccountStatistics] = []
    for branch in (Subaccount(scope.account.id, scope.account.name), *scope.subaccounts):
        mine = courses_of[branch.id]
        total = _content_total([content[c.id] for c in mine if c.id in content])
        rows.append(
            SubaccountStatistics(
                name=branch.name,
                id=branch.id,
                courses=len(mine),
                teachers=people[(branch.id, TEACHER_TYPE)],
                students=people[(branch.id, STUDENT_TYPE)],
                discussion_topics=total.discussion_topics,
                media_objects=total.media_objects,
                attachments=total.attachments,
                assignments=total.assignments,
            )
        )
    return rows
