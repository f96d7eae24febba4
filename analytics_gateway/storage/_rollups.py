"""Page-view rollup deltas (behaviour §3.3, CONTRACT §7.10), computed from converted web_logs rows.

The parser process counts the rows it reads and hands sorted cells to the importer, which adds them to the
rollup tables as they come; rows that turn out not to be new (known ids, tombstoned) are counted again
with ``sign=-1`` by the importer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage._convert import DialectValues
from analytics_gateway.storage.categories import page_view_category
from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.tables import (
    DAP_TABLES,
    courses,
    page_view_account_daily,
    page_view_course_daily,
)

__all__ = [
    "ROLLUP_TABLES",
    "FlatDeltas",
    "PageViewCounter",
    "apply_deltas",
    "count_page_views",
    "rebuild_account_rollup",
    "touched_courses",
]

_WEB_LOG_COLUMNS = ["id", *DAP_TABLES["web_logs"].columns, "meta_ts"]
I_TS = _WEB_LOG_COLUMNS.index("timestamp")
I_USER = _WEB_LOG_COLUMNS.index("user_id")
I_REAL = _WEB_LOG_COLUMNS.index("real_user_id")
I_COURSE = _WEB_LOG_COLUMNS.index("course_id")
I_CTRL = _WEB_LOG_COLUMNS.index("web_application_controller")
I_PART = _WEB_LOG_COLUMNS.index("participated")

ROLLUP_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("page_view_course_daily", ("course_id", "day", "category")),
    ("page_view_student_daily", ("course_id", "user_id", "day")),
    ("page_view_student_hourly", ("course_id", "user_id", "hour")),
)


# The three rollups' cells as lists of ``(*key, views, participations)``, in key order: cheap to send
# between processes, and upserted in the order of the tables' primary keys.
FlatDeltas = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]

# A student's hourly and daily cells are nearly all new within a window of a million rows (the same
# (course, student, hour) rarely recurs), so they are handed over this often. A course's daily cells by
# category recur across the whole import (shuffled exports spread a course's day over every part), so they
# are kept up to this many cells: each is written once per import instead of once per window.
STUDENT_CELLS_PER_HANDOVER = 200_000
COURSE_CELLS_KEPT = 1_500_000


class PageViewCounter:
    """Page views and participations of web_logs rows, counted into the rollups' cells.

    The parser counts every row it reads into one counter and hands the cells over as
    :data:`FlatDeltas` from time to time (:meth:`take`); the importer counts rows it did not insert with
    ``sign=-1``. Memory is bounded by the cells kept, not by the rows counted.
    """

    def __init__(self, dv: DialectValues) -> None:
        # Keys hold an hour *key* (SQLite: the timestamp text up to the hour, a C-level slice per row);
        # it becomes the stored hour (and its day) once per cell, when the cells are handed over.
        self.course_daily: dict[tuple[Any, ...], list[int]] = {}
        self.student_hourly: dict[tuple[Any, ...], list[int]] = {}
        self._hour_key = dv.hour_key
        self._hour_of_key: dict[Any, Any] = {}
        self._day_of_key: dict[Any, Any] = {}
        self._hour_of, self._day_of = dv.hour_of_key, dv.day_of_key
        self._categories: dict[Any, str] = {}

    @property
    def size(self) -> int:
        """Cells held."""
        return len(self.course_daily) + len(self.student_hourly)

    def add(self, rows: Iterable[tuple[Any, ...]], sign: int = 1) -> None:
        """Count converted web_logs rows (``sign=-1``: rows taken back out)."""
        # The per-row loop of the largest import: cells are updated inline (not through _add) and the
        # dicts' methods bound to locals, because a call per cell costs more than the rest of the row.
        course_daily, student_hourly = self.course_daily, self.student_hourly
        hourly_get, daily_get = student_hourly.get, course_daily.get
        hour_key, day_of_key, categories = self._hour_key, self._day_of_key, self._categories
        for row in rows:
            course, user, ts = row[I_COURSE], row[I_USER], row[I_TS]
            # CONTRACT §7.10: a page view has a user, a course and no masquerading real user.
            if course is None or user is None or ts is None or row[I_REAL] is not None:
                continue
            part = sign if row[I_PART] else 0
            hk = hour_key(ts)
            key = (course, user, hk)
            cell = hourly_get(key)
            if cell is None:
                student_hourly[key] = [sign, part]
            else:
                cell[0] += sign
                cell[1] += part
            day = day_of_key.get(hk)
            if day is None:
                day = day_of_key[hk] = self._day_of(hk)
            controller = row[I_CTRL]
            cat = categories.get(controller)
            if cat is None:
                cat = page_view_category(controller)
                if len(categories) < 10_000:
                    categories[controller] = cat
            key = (course, day, cat)
            cell = daily_get(key)
            if cell is None:
                course_daily[key] = [sign, part]
            else:
                cell[0] += sign
                cell[1] += part

    def take(self, everything: bool = False) -> FlatDeltas | None:
        """Hand over the cells due (all with ``everything``) and forget them; None when none are due."""
        take_courses = everything or len(self.course_daily) >= COURSE_CELLS_KEPT
        take_students = everything or len(self.student_hourly) >= STUDENT_CELLS_PER_HANDOVER
        if not (take_courses or take_students):
            return None
        course_rows: list[tuple[Any, ...]] = []
        daily_rows: list[tuple[Any, ...]] = []
        hourly_rows: list[tuple[Any, ...]] = []
        if take_courses:
            course_rows = sorted((*k, v[0], v[1]) for k, v in self.course_daily.items() if v[0] or v[1])
            self.course_daily = {}
        if take_students:
            # A student's day is the sum of their hours: derived from the hours handed over with it.
            daily: dict[tuple[Any, ...], list[int]] = {}
            hour_of_key, day_of_key, hour_of = self._hour_of_key, self._day_of_key, self._hour_of
            for (course, user, hk), (views, parts) in self.student_hourly.items():
                if views or parts:
                    hour = hour_of_key.get(hk)
                    if hour is None:
                        hour = hour_of_key[hk] = hour_of(hk)
                    hourly_rows.append((course, user, hour, views, parts))
                    _add(daily, (course, user, day_of_key[hk]), views, parts)
            hourly_rows.sort()
            daily_rows = sorted((*k, v[0], v[1]) for k, v in daily.items() if v[0] or v[1])
            self.student_hourly = {}
        return course_rows, daily_rows, hourly_rows


def count_page_views(rows: Iterable[tuple[Any, ...]], dv: DialectValues, sign: int = 1) -> FlatDeltas:
    """The rollup deltas of converted web_logs rows; ``sign=-1`` for rows removed (or not inserted)."""
    counter = PageViewCounter(dv)
    counter.add(rows, sign)
    deltas = counter.take(everything=True)
    assert deltas is not None
    return deltas


def touched_courses(deltas: FlatDeltas) -> set[Any]:
    """The courses whose page views these deltas change."""
    return {row[0] for rows in deltas for row in rows}


async def apply_deltas(conn: AsyncConnection, dv: DialectValues, deltas: FlatDeltas) -> None:
    """Add :data:`FlatDeltas` to the rollup tables (the caller removes cells that reach zero)."""
    for (table, keys), rows in zip(ROLLUP_TABLES, deltas, strict=True):
        if not rows:
            continue
        conflict = (
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            f"views = {table}.views + excluded.views, "
            f"participations = {table}.participations + excluded.participations"
        )
        if dv.name == "sqlite":
            sql = (
                f"INSERT INTO {table} ({', '.join(keys)}, views, participations) "
                f"VALUES ({dv.placeholders(len(keys) + 2)}) {conflict}"
            )
            await conn.exec_driver_sql(sql, rows)
        else:
            types = {"course_id": "bigint", "user_id": "bigint", "day": "date", "category": "text"}
            types["hour"] = "timestamp"
            casts = [f"${i + 1}::{types[k]}[]" for i, k in enumerate(keys)]
            casts += [f"${len(keys) + 1}::bigint[]", f"${len(keys) + 2}::bigint[]"]
            sql = (
                f"INSERT INTO {table} ({', '.join(keys)}, views, participations) "
                f"SELECT * FROM unnest({', '.join(casts)}) {conflict}"
            )
            await conn.exec_driver_sql(sql, tuple(list(col) for col in zip(*rows, strict=True)))


def _add(acc: dict[tuple[Any, ...], list[int]], key: tuple[Any, ...], views: int, parts: int) -> None:
    cell = acc.get(key)
    if cell is None:
        acc[key] = [views, parts]
    else:
        cell[0] += views
        cell[1] += parts


async def rebuild_account_rollup(conn: AsyncConnection, account_ids: Collection[int] | None) -> None:
    """Recompute ``page_view_account_daily`` for these accounts (``None``: all) from the course rollup.

    Derived, never incremented: whatever moved (page views, a course to another account, term or state),
    the rows of an account are the sum of its courses' rows as they are now, in the caller's transaction.
    """
    r, c, a = page_view_course_daily, courses, page_view_account_daily
    group = (c.c.account_id, c.c.enrollment_term_id, c.c.workflow_state, r.c.day, r.c.category)
    source = (
        select(*group, func.sum(r.c.views), func.sum(r.c.participations))
        .select_from(r.join(c, c.c.id == r.c.course_id))
        .where(
            c.c.account_id.is_not(None),
            c.c.enrollment_term_id.is_not(None),
            c.c.workflow_state.is_not(None),
        )
        .group_by(*group)
    )
    columns = ["account_id", "term_id", "workflow_state", "day", "category", "views", "participations"]
    if account_ids is None:
        await conn.execute(delete(a))
        await conn.execute(a.insert().from_select(columns, source))
        return
    for part in chunks(sorted(account_ids)):
        await conn.execute(delete(a).where(a.c.account_id.in_(part)))
        await conn.execute(a.insert().from_select(columns, source.where(c.c.account_id.in_(part))))
