"""What one table import touched, as courses and accounts: the scope cached results are invalidated by.

Every committed table import that changed rows writes its ``import_log`` row and, in the same transaction,
``import_scope`` rows: the courses whose rows it changed, the accounts those courses were placed in before
and after, or a single ``all`` row when the change cannot be pinned to courses (accounts, roles, users,
conversations...) or touched too many rows to be worth listing. A result cached at data version ``v``
for some courses and accounts is stale exactly when an ``import_scope`` row with ``import_id > v`` names
one of them, or is ``all`` (resolvers/cache.py).

The course of a row is read by table (:func:`_course_query`) before the batch is written (where the row
was) and after the import (where it is now), so a row that moves between courses invalidates both.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.tables import DAP_TABLES, assignments, enrollments, import_scope

__all__ = ["SCOPE_ALL", "SCOPE_KEYS_MAX", "ScopeTracker", "accounts_of_courses", "write_scope"]

SCOPE_ALL = "all"
# Past this many changed rows an import is a bulk load: listing its courses costs more than it saves.
SCOPE_KEYS_MAX = 100_000

# Tables whose rows belong to a course through `context_type = 'Course'` and `context_id`.
_CONTEXT_TABLES = frozenset(
    {
        "assignments",
        "context_modules",
        "content_tags",
        "discussion_topics",
        "attachments",
        "media_objects",
        "submission_comments",
    }
)
# Tables whose rows belong to a course through their assignment.
_ASSIGNMENT_TABLES = frozenset({"assignment_overrides", "assignment_override_students", "submissions"})


def _course_query(table_name: str, keys: Sequence[Any]) -> Select[tuple[Any]] | None:
    """Course ids of the table's rows with these keys; None when rows have no single course."""
    t = DAP_TABLES[table_name].table
    if table_name == "courses":
        return select(t.c.id).where(t.c.id.in_(keys))
    if table_name in ("course_sections", "enrollments"):
        return select(t.c.course_id).where(t.c.id.in_(keys))
    if table_name == "scores":
        return (
            select(enrollments.c.course_id)
            .select_from(t.join(enrollments, enrollments.c.id == t.c.enrollment_id))
            .where(t.c.id.in_(keys))
        )
    if table_name in _CONTEXT_TABLES:
        return select(t.c.context_id).where(t.c.id.in_(keys), t.c.context_type == "Course")
    if table_name in _ASSIGNMENT_TABLES:
        return (
            select(assignments.c.context_id)
            .select_from(t.join(assignments, assignments.c.id == t.c.assignment_id))
            .where(t.c.id.in_(keys), assignments.c.context_type == "Course")
        )
    return None


async def accounts_of_courses(conn: AsyncConnection, course_ids: Collection[int]) -> set[int]:
    """The accounts the given courses are placed in now (unknown courses and missing accounts left out)."""
    courses = DAP_TABLES["courses"].table
    found: set[int] = set()
    for part in chunks(sorted(course_ids)):
        query = select(courses.c.account_id).where(courses.c.id.in_(part)).distinct()
        found.update(int(a) for (a,) in await conn.execute(query) if a is not None)
    return found


class ScopeTracker:
    """Collects the courses and accounts one table import touches (inside its transaction)."""

    def __init__(self, conn: AsyncConnection, table_name: str) -> None:
        self.conn = conn
        self.table_name = table_name
        self.mapped = table_name == "web_logs" or _course_query(table_name, [0]) is not None
        self.everything = not self.mapped
        self.keys: set[Any] = set()
        self.courses: set[int] = set()
        self.accounts: set[int] = set()  # where the touched courses were placed before the import

    async def _courses_of(self, keys: Sequence[Any]) -> set[int]:
        found: set[int] = set()
        for part in chunks(keys):
            query = _course_query(self.table_name, part)
            assert query is not None
            found.update(int(c) for (c,) in await self.conn.execute(query) if c is not None)
        return found

    async def before_write(self, keys: Collection[Any]) -> None:
        """Note the rows about to be written or deleted, with the courses they belong to now."""
        if self.everything or self.table_name == "web_logs":
            return
        fresh = [k for k in keys if k not in self.keys]
        self.keys.update(fresh)
        if len(self.keys) > SCOPE_KEYS_MAX:
            self.everything = True
            return
        old = await self._courses_of(fresh)
        self.courses |= old
        if self.table_name == "courses":
            self.accounts |= await accounts_of_courses(self.conn, old)

    def add_courses(self, course_ids: Collection[int]) -> None:
        """Courses known to be touched some other way (web_logs: the page-view rollups it changed)."""
        self.courses.update(course_ids)

    async def finish(self) -> None:
        """After the last write: where the touched rows belong now."""
        if self.everything:
            return
        if self.table_name != "web_logs":
            self.courses |= await self._courses_of(sorted(self.keys))
        self.accounts |= await accounts_of_courses(self.conn, self.courses)


async def write_scope(conn: AsyncConnection, import_id: int, tracker: ScopeTracker) -> None:
    """The ``import_scope`` rows of one import."""
    if tracker.everything:
        rows = [{"import_id": import_id, "kind": SCOPE_ALL, "scope_id": 0}]
    else:
        rows = [{"import_id": import_id, "kind": "course", "scope_id": c} for c in sorted(tracker.courses)]
        rows += [{"import_id": import_id, "kind": "account", "scope_id": a} for a in sorted(tracker.accounts)]
    if rows:
        await conn.execute(import_scope.insert(), rows)
