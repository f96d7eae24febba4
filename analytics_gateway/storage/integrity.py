"""Integrity checks of an imported database: table digests and rollups recounted from ``web_logs``.

Used by the import fault trials (``bench/import_faults.py``, ``tests/storage/test_import_faults.py``) to
decide whether a database an importer was killed in is consistent: every table either as before or as a
clean import leaves it, and the page-view rollups equal a direct count over the ``web_logs`` rows present.

* :func:`table_digests` fingerprints each table's content in SQL, independent of row order: the row count
  and two sums of 64-bit (PostgreSQL ``hashtextextended`` of the row's text) or 31-bit (SQLite, a
  registered function over the row's values) row hashes. Equal digests mean equal contents up to a
  negligible chance; they compare states of one backend, not SQLite with PostgreSQL.
* :func:`rollup_mismatches` counts rollup cells that differ from a ``GROUP BY`` over ``web_logs``
  (CONTRACT §7.10: a page view has a user, a course and no ``real_user_id``; a participation has
  ``participated`` true; days and hours are UTC; the category is §3.3's lookup of the controller), and the
  account rollup cells that differ from the course rollup summed per course placement.
* :func:`web_log_id_problems` checks the id index of ``web_logs``: each row registered once, under its own
  id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage._weblog_ids import id_hash
from analytics_gateway.storage.categories import page_view_category
from analytics_gateway.storage.tables import DAP_TABLES, metadata

__all__ = [
    "CHECKED_TABLES",
    "ROLLUP_TABLE_NAMES",
    "TableDigest",
    "recount_rollups",
    "rollup_mismatches",
    "stored_rollups",
    "table_digests",
    "web_log_id_problems",
]

ROLLUP_TABLE_NAMES = (
    "page_view_course_daily",
    "page_view_student_daily",
    "page_view_student_hourly",
    "page_view_account_daily",
)
# What an import writes and a fault check compares: the DAP tables and the rollups kept from them.
# (dap_tombstones and import_log are shared by every table's import; they are not compared per table.)
CHECKED_TABLES: tuple[str, ...] = (*DAP_TABLES, *(t for t in ROLLUP_TABLE_NAMES if t in metadata.tables))

TableDigest = tuple[int, int, int]
"""``(rows, hash sum 1, hash sum 2)``."""

Cells = dict[tuple[Any, ...], tuple[int, int]]
"""Rollup cells: key columns → ``(views, participations)``."""

_HASH_FUNCTION = "ag_row_hash"


def _row_hash(salt: int, *values: Any) -> int:
    digest = hashlib.blake2b(repr((salt, values)).encode(), digest_size=4).digest()
    return int.from_bytes(digest) & 0x7FFFFFFF  # 31 bits: a sum over 2**32 rows still fits SQLite's int64


def _register_sqlite_hash(sync_conn: Connection) -> None:
    dbapi = sync_conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.create_function(_HASH_FUNCTION, -1, _row_hash, deterministic=True)


async def table_digests(
    conn: AsyncConnection, tables: Iterable[str] = CHECKED_TABLES
) -> dict[str, TableDigest]:
    """An order-independent content digest of each table, computed in SQL."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        await conn.run_sync(_register_sqlite_hash)
    out: dict[str, TableDigest] = {}
    for name in tables:
        if name not in metadata.tables:
            raise ValueError(f"unknown table {name!r}")
        # Content only: web_logs' `seq` is where a row was stored, which depends on arrival order.
        cols = ", ".join(f'"{c.name}"' for c in metadata.tables[name].columns if c.name != "seq")
        if sqlite:
            sql = (
                f"SELECT count(*), coalesce(sum({_HASH_FUNCTION}(0, {cols})), 0), "
                f"coalesce(sum({_HASH_FUNCTION}(1, {cols})), 0) FROM {name}"
            )
        else:
            sql = (
                f"SELECT count(*), coalesce(sum(hashtextextended(ROW({cols})::text, 0)::numeric), 0), "
                f"coalesce(sum(hashtextextended(ROW({cols})::text, 1)::numeric), 0) FROM {name}"
            )
        row: tuple[Any, ...] = tuple((await conn.exec_driver_sql(sql)).one())
        out[name] = (int(row[0]), int(row[1]), int(row[2]))
    return out


async def web_log_id_problems(conn: AsyncConnection) -> list[str]:
    """What is wrong with the id index of ``web_logs`` (``storage/_weblog_ids.py``); empty: nothing.

    Every row is registered exactly once, under the hash of its own id or in the overflow table, no
    registration points at a missing row or another id, and no id is stored twice.
    """

    async def count(sql: str) -> int:
        return int((await conn.exec_driver_sql(sql)).scalar_one())

    problems: list[str] = []
    rows = await count("SELECT count(*) FROM web_logs")
    hashed = await count("SELECT count(*) FROM web_log_ids")
    spilled = await count("SELECT count(*) FROM web_log_id_overflow")
    if hashed + spilled != rows:
        problems.append(f"{rows} rows but {hashed} + {spilled} registrations")
    checks = {
        "registrations of missing rows": "SELECT count(*) FROM web_log_ids i "
        "LEFT JOIN web_logs w ON w.seq = i.seq WHERE w.seq IS NULL",
        "overflow entries of missing rows or other ids": "SELECT count(*) FROM web_log_id_overflow o "
        "LEFT JOIN web_logs w ON w.seq = o.seq WHERE w.seq IS NULL OR w.id <> o.id",
        "rows registered twice": "SELECT count(*) FROM (SELECT seq FROM (SELECT seq FROM web_log_ids "
        "UNION ALL SELECT seq FROM web_log_id_overflow) r GROUP BY seq HAVING count(*) > 1) t",
        "ids stored twice": "SELECT count(*) FROM "
        "(SELECT id FROM web_logs GROUP BY id HAVING count(*) > 1) t",
    }
    for what, sql in checks.items():
        if found := await count(sql):
            problems.append(f"{found} {what}")
    result = await conn.stream(
        text("SELECT i.id_hash, w.id FROM web_log_ids i JOIN web_logs w ON w.seq = i.seq")
    )
    wrong = 0
    async for part in result.partitions(10_000):
        wrong += sum(1 for h, web_log_id in part if id_hash(web_log_id) != h)
    if wrong:
        problems.append(f"{wrong} registrations under another id's hash")
    return problems


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_hour(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(minute=0, second=0, microsecond=0)
    return datetime.fromisoformat(str(value)).replace(minute=0, second=0, microsecond=0)


def _add(cells: dict[tuple[Any, ...], list[int]], key: tuple[Any, ...], views: int, parts: int) -> None:
    cell = cells.setdefault(key, [0, 0])
    cell[0] += views
    cell[1] += parts


async def recount_rollups(conn: AsyncConnection) -> dict[str, Cells]:
    """The three page-view rollups counted straight from ``web_logs`` (one ``GROUP BY``)."""
    hour = (
        "strftime('%Y-%m-%d %H:00:00', \"timestamp\")"
        if conn.dialect.name == "sqlite"
        else "date_trunc('hour', \"timestamp\")"
    )
    sql = (
        f"SELECT course_id, user_id, {hour}, web_application_controller, COUNT(*), "
        "SUM(CASE WHEN participated THEN 1 ELSE 0 END) FROM web_logs "
        "WHERE user_id IS NOT NULL AND course_id IS NOT NULL AND real_user_id IS NULL "
        'AND "timestamp" IS NOT NULL GROUP BY 1, 2, 3, 4'
    )
    course_daily: dict[tuple[Any, ...], list[int]] = {}
    student_daily: dict[tuple[Any, ...], list[int]] = {}
    student_hourly: dict[tuple[Any, ...], list[int]] = {}
    found: list[Any] = list(await conn.exec_driver_sql(sql))
    for course, user, when, controller, views, parts in found:
        at = _as_hour(when)
        views, parts = int(views), int(parts or 0)
        _add(student_hourly, (int(course), int(user), at), views, parts)
        _add(student_daily, (int(course), int(user), at.date()), views, parts)
        _add(course_daily, (int(course), at.date(), page_view_category(controller)), views, parts)
    return {
        "page_view_course_daily": {k: (v[0], v[1]) for k, v in course_daily.items()},
        "page_view_student_daily": {k: (v[0], v[1]) for k, v in student_daily.items()},
        "page_view_student_hourly": {k: (v[0], v[1]) for k, v in student_hourly.items()},
    }


async def stored_rollups(conn: AsyncConnection) -> dict[str, Cells]:
    """The three page-view rollups as stored."""
    out: dict[str, Cells] = {}
    for name, when in (
        ("page_view_course_daily", 1),
        ("page_view_student_daily", 2),
        ("page_view_student_hourly", 2),
    ):
        table = metadata.tables[name]
        cells: Cells = {}
        for row in await conn.execute(select(table)):
            values = list(row)
            values[when] = _as_date(values[when]) if "daily" in name else _as_hour(values[when])
            cells[tuple(int(v) if k < when else v for k, v in enumerate(values[:-2]))] = (
                int(values[-2]),
                int(values[-1]),
            )
        out[name] = cells
    return out


async def _account_rollup_mismatches(conn: AsyncConnection) -> int:
    if "page_view_account_daily" not in metadata.tables:
        return 0
    expected_sql = (
        "SELECT c.account_id, c.enrollment_term_id, c.workflow_state, r.day, r.category, "
        "SUM(r.views), SUM(r.participations) "
        "FROM page_view_course_daily r JOIN courses c ON c.id = r.course_id "
        "WHERE c.account_id IS NOT NULL AND c.enrollment_term_id IS NOT NULL "
        "AND c.workflow_state IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
    )
    stored_sql = (
        "SELECT account_id, term_id, workflow_state, day, category, views, participations "
        "FROM page_view_account_daily"
    )

    def cells(rows: Iterable[Any]) -> Cells:
        return {
            (int(r[0]), int(r[1]), str(r[2]), _as_date(r[3]), str(r[4])): (int(r[5]), int(r[6])) for r in rows
        }

    expected = cells(await conn.exec_driver_sql(expected_sql))
    stored = cells(await conn.exec_driver_sql(stored_sql))
    return sum(1 for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))


async def rollup_mismatches(conn: AsyncConnection) -> dict[str, int]:
    """Per rollup table, how many cells differ from a direct count (empty: the rollups are right)."""
    expected = await recount_rollups(conn)
    stored = await stored_rollups(conn)
    out: dict[str, int] = {}
    for name, want in expected.items():
        got = stored[name]
        diff = sum(1 for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        if diff:
            out[name] = diff
    accounts = await _account_rollup_mismatches(conn)
    if accounts:
        out["page_view_account_daily"] = accounts
    return out
