"""Page-view rollups kept by the importer (CONTRACT §2, §7.10; behaviour §3.3), on SQLite and PostgreSQL.

After every import the three rollup tables must equal a direct ``GROUP BY`` over ``web_logs`` written here
in plain SQL: page views are rows with a user and a course and no ``real_user_id``; participations are
those with ``participated`` true; the category is the §3.3 lookup of the lower-cased controller (the
mapping of the controllers used below is written by hand), unknown or missing → ``other``; days and hours
are UTC. Duplicated web_log ids count once; deleting a web_log takes it out of the rollups.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage import importer
from analytics_gateway.storage.importer import import_paths
from tests.storage._exports import Record, delete, snapshot, upsert, write_export

T0, T1, T2, T3, T4 = (
    "2025-02-28T00:00:00Z",
    "2025-03-01T00:00:00Z",
    "2025-03-02T00:00:00Z",
    "2025-03-03T00:00:00Z",
    "2025-03-04T00:00:00Z",
)
ROLLUPS = ("page_view_course_daily", "page_view_student_daily", "page_view_student_hourly")

# §3.3, for the controllers of this module's rows (lower-cased); anything else is `other`.
CATEGORY_OF = {
    "assignments": "assignments",
    "quizzes/quizzes": "quizzes",
    "quizzes/quiz_questions": "quizzes",
    "wiki_pages": "pages",
    "discussion_topics": "discussions",
    "announcements": "announcements",
    "courses": "general",
    "files": "files",
}

_MISSING = object()


def web_log(
    key: str,
    when: str,
    user: int | None,
    course: int | None,
    controller: object,  # str, None or _MISSING
    participated: object,  # bool, None or _MISSING
    *,
    ts: str = T1,
    real_user: int | None = None,
) -> Record:
    """A web_logs record; ``_MISSING`` leaves the controller or participated property out entirely."""
    value: dict[str, Any] = {
        "timestamp": when,
        "user_id": user,
        "real_user_id": real_user,
        "course_id": course,
        "url": f"/courses/{course}/{key}",
        "http_method": "GET",
        "http_status": "200",
    }
    if controller is not _MISSING:
        value["web_application_controller"] = controller
    if participated is not _MISSING:
        value["participated"] = participated
    return upsert(key, ts, value)


async def reference_rollups(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """The rollups counted straight from web_logs with GROUP BY (the contract's page-view rule)."""
    sqlite = engine.dialect.name == "sqlite"
    day = 'date("timestamp")' if sqlite else 'CAST("timestamp" AS DATE)'
    hour = "strftime('%Y-%m-%d %H:00:00', \"timestamp\")" if sqlite else "date_trunc('hour', \"timestamp\")"
    whens = " ".join(f"WHEN '{controller}' THEN '{cat}'" for controller, cat in CATEGORY_OF.items())
    category = f"CASE lower(web_application_controller) {whens} ELSE 'other' END"
    counts = "COUNT(*), SUM(CASE WHEN participated THEN 1 ELSE 0 END)"
    page_views = "FROM web_logs WHERE user_id IS NOT NULL AND course_id IS NOT NULL AND real_user_id IS NULL"
    # table -> (query, position of the day/hour column)
    queries = {
        "page_view_course_daily": (
            f"SELECT course_id, {day}, {category}, {counts} {page_views} GROUP BY 1, 2, 3",
            1,
        ),
        "page_view_student_daily": (
            f"SELECT course_id, user_id, {day}, {counts} {page_views} GROUP BY 1, 2, 3",
            2,
        ),
        "page_view_student_hourly": (
            f"SELECT course_id, user_id, {hour}, {counts} {page_views} GROUP BY 1, 2, 3",
            2,
        ),
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for table, (sql, when) in queries.items():
            rows = []
            for row in await conn.exec_driver_sql(sql):
                values = list(row)
                if sqlite:  # date() and strftime() answer text
                    text = values[when]
                    values[when] = (
                        date.fromisoformat(text) if "hour" not in table else datetime.fromisoformat(text)
                    )
                values[-2:] = [int(values[-2]), int(values[-1])]
                rows.append(tuple(values))
            out[table] = sorted(rows)
    return out


async def stored_rollups(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    tables = await snapshot(engine)
    return {name: sorted(tables[name]) for name in ROLLUPS}


def mismatches(
    stored: dict[str, list[tuple[Any, ...]]], expected: dict[str, list[tuple[Any, ...]]]
) -> dict[str, dict[tuple[Any, ...], tuple[Any, Any]]]:
    """Rollup cells that differ: {table: {key: ((views, participations) stored, expected)}}; None = no row."""
    out: dict[str, dict[tuple[Any, ...], tuple[Any, Any]]] = {}
    for table in ROLLUPS:
        got = {tuple(row[:-2]): tuple(row[-2:]) for row in stored.get(table, [])}
        want = {tuple(row[:-2]): tuple(row[-2:]) for row in expected.get(table, [])}
        diff = {k: (got.get(k), want.get(k)) for k in got.keys() | want.keys() if got.get(k) != want.get(k)}
        if diff:
            out[table] = diff
    return out


async def import_web_logs(engine: AsyncEngine, root: Path) -> None:
    await import_paths(engine, [root])


async def test_rollups_equal_a_direct_count_after_incremental_imports(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)  # several batches per file

    first = tmp_path / "first"
    write_export(
        first,
        "web_logs",
        [
            web_log("w1", "2025-03-01T10:15:00Z", 10, 100, "assignments", True),
            web_log("w2", "2025-03-01T10:45:00.5Z", 10, 100, "Quizzes/Quizzes", False),
            # 01:30 at +02:00 is 23:30 UTC the day before.
            web_log("w3", "2025-03-02T01:30:00+02:00", 11, 100, "WIKI_PAGES", True),
            web_log("w4", "2025-03-01T11:00:00Z", 10, 100, "assignments", True, real_user=1),  # masquerade
            web_log("w5", "2025-03-01T11:00:00Z", 10, None, "courses", True),  # no course
        ],
        part=0,
    )
    write_export(
        first,
        "web_logs",
        [
            web_log("w6", "2025-03-01T11:00:00Z", None, 100, "courses", True),  # no user
            web_log("w7", "2025-03-03T00:00:00Z", 12, 101, _MISSING, True),  # no controller: other
            web_log("w8", "2025-03-03T00:59:59.999999Z", 12, 101, "brand_new_controller", _MISSING),
            web_log("w9", "2025-03-03T01:00:00Z", 12, 101, "quizzes/quiz_questions", False),
        ],
        part=1,
    )
    await import_web_logs(engine, first)
    assert mismatches(await stored_rollups(engine), await reference_rollups(engine)) == {}

    second = tmp_path / "second"
    write_export(
        second,
        "web_logs",
        [
            web_log("w1", "2025-03-01T10:15:00Z", 10, 100, "assignments", True, ts=T2),  # re-delivered
            web_log("w10", "2025-03-01T10:59:59.999Z", 10, 100, "Discussion_Topics", True, ts=T2),
            web_log("w10", "2025-03-01T10:59:59.999Z", 10, 100, "Discussion_Topics", True, ts=T2),
            delete("w2", T2),  # the course's only quizzes view of the day: its row goes
            delete("w-never-seen", T2),
        ],
        "csv",
        gzip=True,
    )
    await import_web_logs(engine, second)
    assert mismatches(await stored_rollups(engine), await reference_rollups(engine)) == {}

    third = tmp_path / "third"
    write_export(
        third,
        "web_logs",
        [
            web_log("w11", "2025-03-01T23:59:59Z", 11, 100, "announcements", False, ts=T3),
            web_log("w13", "2025-03-01T20:00:00Z", 11, 100, "files", True, ts=T3),  # deleted in part 1
            delete("w4", T3),  # a masquerade row: no rollup changes
            delete("w7", T0),  # older than the stored row: not deleted
            # A re-delivery of the deleted w2, older than its delete: neither the row nor its views return.
            web_log("w2", "2025-03-01T10:45:00.5Z", 10, 100, "Quizzes/Quizzes", False),
        ],
        "tsv",
        part=0,
    )
    # The import deletes the newest row it has just added, then meets a duplicate next to a new row.
    write_export(third, "web_logs", [delete("w13", T4)], "tsv", part=1)
    write_export(
        third,
        "web_logs",
        [
            web_log("w11", "2025-03-01T23:59:59Z", 11, 100, "announcements", False, ts=T3),
            web_log("w12", "2025-03-03T01:30:00Z", 12, 101, "COURSES", True, ts=T3),
        ],
        "tsv",
        part=2,
    )
    await import_web_logs(engine, third)
    stored = await stored_rollups(engine)
    assert mismatches(stored, await reference_rollups(engine)) == {}

    d1, d3 = date(2025, 3, 1), date(2025, 3, 3)
    hand_counted: dict[str, list[tuple[Any, ...]]] = {
        "page_view_course_daily": [
            (100, d1, "announcements", 1, 0),
            (100, d1, "assignments", 1, 1),
            (100, d1, "discussions", 1, 1),
            (100, d1, "pages", 1, 1),
            (101, d3, "general", 1, 1),
            (101, d3, "other", 2, 1),
            (101, d3, "quizzes", 1, 0),
        ],
        "page_view_student_daily": [
            (100, 10, d1, 2, 2),
            (100, 11, d1, 2, 1),
            (101, 12, d3, 4, 2),
        ],
        "page_view_student_hourly": [
            (100, 10, datetime(2025, 3, 1, 10), 2, 2),
            (100, 11, datetime(2025, 3, 1, 23), 2, 1),
            (101, 12, datetime(2025, 3, 3, 0), 2, 1),
            (101, 12, datetime(2025, 3, 3, 1), 2, 1),
        ],
    }
    assert mismatches(stored, hand_counted) == {}


async def test_duplicate_web_log_ids_are_stored_and_counted_once(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    d1 = web_log("d1", "2025-03-01T09:00:00Z", 10, 100, "assignments", True)
    d2 = web_log("d2", "2025-03-01T09:30:00Z", 10, 100, "assignments", False)
    d3 = web_log("d3", "2025-03-01T12:00:00Z", 11, 100, "files", True)
    d1_later = web_log("d1", "2025-03-01T09:00:00Z", 10, 100, "assignments", True, ts=T2)

    first = tmp_path / "first"
    # Within a file in one batch (d3, d3), across batches of a file (d1 … d1), across files (d1, d2).
    write_export(first, "web_logs", [d1, d2, d1, d3, d3], part=0)
    write_export(first, "web_logs", [d1_later, d2], "csv", part=1)
    await import_web_logs(engine, first)

    second = tmp_path / "second"
    write_export(second, "web_logs", [d2, d1_later, d3], "tsv", gzip=True)
    [summary] = await import_paths(engine, [second])
    assert summary.upserted == 0

    tables = await snapshot(engine)
    assert sorted(row[0] for row in tables["web_logs"]) == ["d1", "d2", "d3"]
    day = date(2025, 3, 1)
    assert {name: sorted(tables[name]) for name in ROLLUPS} == {
        "page_view_course_daily": [(100, day, "assignments", 2, 1), (100, day, "files", 1, 1)],
        "page_view_student_daily": [(100, 10, day, 2, 1), (100, 11, day, 1, 1)],
        "page_view_student_hourly": [
            (100, 10, datetime(2025, 3, 1, 9), 2, 1),
            (100, 11, datetime(2025, 3, 1, 12), 1, 1),
        ],
    }
    assert mismatches(await stored_rollups(engine), await reference_rollups(engine)) == {}


async def reference_account_rollup(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """The course rollup summed per (course's account, term, state, day, category), by a plain GROUP BY."""
    sql = (
        "SELECT c.account_id, c.enrollment_term_id, c.workflow_state, r.day, r.category, "
        "SUM(r.views), SUM(r.participations) "
        "FROM page_view_course_daily r JOIN courses c ON c.id = r.course_id "
        "WHERE c.account_id IS NOT NULL AND c.enrollment_term_id IS NOT NULL "
        "AND c.workflow_state IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
    )
    async with engine.connect() as conn:
        found = [tuple(row) for row in await conn.exec_driver_sql(sql)]
    # SQLite's driver answers the day as text.
    days = [day if isinstance(day, date) else date.fromisoformat(day) for day in (r[3] for r in found)]
    return sorted((*r[:3], day, r[4], int(r[5]), int(r[6])) for r, day in zip(found, days, strict=True))


async def stored_account_rollup(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    return sorted((await snapshot(engine))["page_view_account_daily"])


def course(key: int, ts: str, account: int | None, term: int | None, state: str | None) -> Record:
    return upsert(key, ts, {"account_id": account, "enrollment_term_id": term, "workflow_state": state})


async def test_account_rollup_follows_page_views_and_course_moves(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    d1 = date(2025, 3, 1)
    views = tmp_path / "views"
    write_export(
        views,
        "web_logs",
        [
            web_log("a1", "2025-03-01T10:00:00Z", 10, 100, "assignments", True),
            web_log("a2", "2025-03-01T11:00:00Z", 11, 100, "assignments", False),
            web_log("a3", "2025-03-01T12:00:00Z", 10, 101, "files", True),
            web_log("a4", "2025-03-01T13:00:00Z", 12, 102, "wiki_pages", False),
            web_log("a5", "2025-03-01T14:00:00Z", 12, 103, "wiki_pages", False),
        ],
    )
    # Page views of courses not imported yet belong to no account.
    await import_paths(engine, [views])
    assert await stored_account_rollup(engine) == []

    placed = tmp_path / "placed"
    write_export(
        placed,
        "courses",
        [
            course(100, T1, 2, 1, "available"),
            course(101, T1, 2, 1, "completed"),
            course(102, T1, 2, 1, "available"),
            course(103, T1, 2, None, "available"),  # no term: in no department course set
        ],
    )
    await import_paths(engine, [placed])
    assert await stored_account_rollup(engine) == [
        (2, 1, "available", d1, "assignments", 2, 1),
        (2, 1, "available", d1, "pages", 1, 0),
        (2, 1, "completed", d1, "files", 1, 1),
    ]
    assert await stored_account_rollup(engine) == await reference_account_rollup(engine)

    more = tmp_path / "more"
    write_export(
        more,
        "web_logs",
        [
            web_log("a1", "2025-03-01T10:00:00Z", 10, 100, "assignments", True, ts=T2),  # re-delivered
            web_log("a6", "2025-03-01T15:00:00Z", 13, 100, "assignments", True, ts=T2),
            delete("a4", T2),
        ],
    )
    await import_paths(engine, [more])
    assert await stored_account_rollup(engine) == [
        (2, 1, "available", d1, "assignments", 3, 2),
        (2, 1, "completed", d1, "files", 1, 1),
    ]

    moved = tmp_path / "moved"
    write_export(
        moved,
        "courses",
        [
            course(100, T2, 3, 1, "available"),  # to another account
            course(102, T2, 2, 1, "completed"),  # concluded
            course(101, T0, 9, 9, "available"),  # older than the stored row: ignored
            delete(101, T3),  # then removed
        ],
    )
    await import_paths(engine, [moved])
    assert await stored_account_rollup(engine) == [(3, 1, "available", d1, "assignments", 3, 2)]
    assert await stored_account_rollup(engine) == await reference_account_rollup(engine)
