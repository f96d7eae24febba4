"""Page-view rollup deltas (behaviour §3.3, CONTRACT §7.10), computed from converted web_logs rows.

Deltas are plain dicts so that a parser process can compute them next to the rows it sends; the importer
subtracts the contribution of rows that turn out not to be new (known ids) before adding them up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
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
    "RollupDeltas",
    "count_page_views",
    "rebuild_account_rollup",
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


# The three maps as lists of ``(*key, views, participations)``: cheap to pickle between processes.
FlatDeltas = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


@dataclass
class RollupDeltas:
    """Increments per rollup key: ``key -> [views, participations]`` for each of the three rollups."""

    course_daily: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)
    student_daily: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)
    student_hourly: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of keys held."""
        return len(self.course_daily) + len(self.student_daily) + len(self.student_hourly)

    def maps(self) -> tuple[dict[tuple[Any, ...], list[int]], ...]:
        """The three maps, in the order of :data:`ROLLUP_TABLES`."""
        return self.course_daily, self.student_daily, self.student_hourly

    def merge(self, other: RollupDeltas) -> None:
        """Add ``other`` into this."""
        for mine, theirs in zip(self.maps(), other.maps(), strict=True):
            for key, (views, parts) in theirs.items():
                _add(mine, key, views, parts)

    def flat(self) -> FlatDeltas:
        """The deltas as :data:`FlatDeltas`."""
        a, b, c = ([(*k, v[0], v[1]) for k, v in acc.items()] for acc in self.maps())
        return a, b, c

    def merge_flat(self, flat: FlatDeltas) -> None:
        """Add deltas given as :data:`FlatDeltas`."""
        for mine, rows in zip(self.maps(), flat, strict=True):
            for *key_parts, views, parts in rows:
                _add(mine, tuple(key_parts), views, parts)

    async def flush(self, conn: AsyncConnection, dv: DialectValues) -> None:
        """Add the deltas to the rollup tables and forget them."""
        for (table, keys), acc in zip(ROLLUP_TABLES, self.maps(), strict=True):
            if not acc:
                continue
            # Sorted keys walk the primary-key B-tree in order: far fewer page visits than random order.
            rows = sorted((*k, v[0], v[1]) for k, v in acc.items() if v[0] or v[1])
            acc.clear()
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
            if any(r[-2] < 0 or r[-1] < 0 for r in rows):
                await conn.exec_driver_sql(f"DELETE FROM {table} WHERE views <= 0 AND participations <= 0")


def count_page_views(rows: list[tuple[Any, ...]], dv: DialectValues, sign: int = 1) -> RollupDeltas:
    """Rollup deltas of converted web_logs rows; ``sign=-1`` for rows being removed (or not inserted)."""
    deltas = RollupDeltas()
    course_daily, student_daily, student_hourly = deltas.maps()
    hour_of, day_of = dv.hour_of, dv.day_of
    category = page_view_category
    # One object per distinct hour/day: keys hash faster and pickle memoises the repeats.
    hours: dict[Any, Any] = {}
    day_of_hour: dict[Any, Any] = {}
    for row in rows:
        course, user, ts = row[I_COURSE], row[I_USER], row[I_TS]
        # CONTRACT §7.10: a page view has a user, a course and no masquerading real user.
        if course is None or user is None or ts is None or row[I_REAL] is not None:
            continue
        part = sign if row[I_PART] else 0
        hour = hour_of(ts)
        hour = hours.setdefault(hour, hour)
        _add(student_hourly, (course, user, hour), sign, part)
        day = day_of_hour.get(hour)
        if day is None:
            day = day_of_hour[hour] = day_of(ts)
        _add(course_daily, (course, day, category(row[I_CTRL])), sign, part)
    # A student's day is the sum of their hours: derived from the (much smaller) hourly map.
    for (course, user, hour), (views, parts) in student_hourly.items():
        _add(student_daily, (course, user, day_of_hour[hour]), views, parts)
    return deltas


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
