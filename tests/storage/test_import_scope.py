"""The scope each import records (storage/_scopes.py): the courses and accounts it touched, or ``all``."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage import _scopes
from analytics_gateway.storage.importer import import_paths
from analytics_gateway.storage.tables import import_log, import_scope
from tests.storage._exports import Record, delete, upsert, write_export

T1, T2, T3 = "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z", "2025-03-03T00:00:00Z"
_dirs = count()


async def scope_of_last_import(engine: AsyncEngine) -> set[tuple[str, int]]:
    async with engine.connect() as conn:
        last = await conn.scalar(select(func.max(import_log.c.id)))
        rows = await conn.execute(
            select(import_scope.c.kind, import_scope.c.scope_id).where(import_scope.c.import_id == last)
        )
        return {(str(kind), int(scope_id)) for kind, scope_id in rows}


async def load(engine: AsyncEngine, tmp_path: Path, table: str, records: list[Record]) -> None:
    root = tmp_path / f"export{next(_dirs)}"
    write_export(root, table, records)
    await import_paths(engine, [root])


def course(key: int, account: int, ts: str = T1) -> Record:
    return upsert(key, ts, {"account_id": account, "enrollment_term_id": 1, "workflow_state": "available"})


def assignment(key: int, course_id: int, ts: str = T1) -> Record:
    return upsert(key, ts, {"context_id": course_id, "context_type": "Course", "workflow_state": "published"})


def submission(key: int, assignment_id: int, ts: str = T1) -> Record:
    value: dict[str, Any] = {"assignment_id": assignment_id, "user_id": 50, "workflow_state": "submitted"}
    return upsert(key, ts, value)


@pytest.fixture
async def placed(engine: AsyncEngine, tmp_path: Path) -> AsyncEngine:
    """Courses 10 and 11 in account 2, course 12 in account 3, with one assignment each."""
    await load(engine, tmp_path, "courses", [course(10, 2), course(11, 2), course(12, 3)])
    assert await scope_of_last_import(engine) == {
        ("course", 10),
        ("course", 11),
        ("course", 12),
        ("account", 2),
        ("account", 3),
    }
    await load(
        engine, tmp_path, "assignments", [assignment(100, 10), assignment(110, 11), assignment(120, 12)]
    )
    return engine


async def test_rows_of_one_course_scope_that_course_and_its_account(
    placed: AsyncEngine, tmp_path: Path
) -> None:
    await load(placed, tmp_path, "submissions", [submission(1, 110)])
    assert await scope_of_last_import(placed) == {("course", 11), ("account", 2)}

    enrollment = {"course_id": 12, "user_id": 50, "type": "StudentEnrollment", "workflow_state": "active"}
    await load(placed, tmp_path, "enrollments", [upsert(7, T1, enrollment)])
    assert await scope_of_last_import(placed) == {("course", 12), ("account", 3)}

    # Deleting a row scopes the course it was in.
    await load(placed, tmp_path, "enrollments", [delete(7, T2)])
    assert await scope_of_last_import(placed) == {("course", 12), ("account", 3)}


async def test_a_row_moving_between_courses_scopes_both(placed: AsyncEngine, tmp_path: Path) -> None:
    await load(placed, tmp_path, "submissions", [submission(1, 100)])
    await load(placed, tmp_path, "submissions", [submission(1, 120, ts=T2)])
    assert await scope_of_last_import(placed) == {
        ("course", 10),
        ("course", 12),
        ("account", 2),
        ("account", 3),
    }


async def test_a_course_moving_scopes_both_accounts(placed: AsyncEngine, tmp_path: Path) -> None:
    await load(placed, tmp_path, "courses", [course(10, 3, ts=T2)])
    assert await scope_of_last_import(placed) == {("course", 10), ("account", 2), ("account", 3)}


async def test_web_logs_scope_the_courses_whose_page_views_changed(
    placed: AsyncEngine, tmp_path: Path
) -> None:
    def view(key: str, course_id: int | None, user: int | None = 50) -> Record:
        value = {"timestamp": "2025-03-01T10:00:00Z", "user_id": user, "course_id": course_id}
        return upsert(key, T1, value)

    # A row without a user is no page view (CONTRACT §7.10): it changes no analytics.
    await load(placed, tmp_path, "web_logs", [view("a", 12), view("b", 99), view("c", 10, user=None)])
    assert await scope_of_last_import(placed) == {("course", 12), ("course", 99), ("account", 3)}


async def test_tables_without_a_course_scope_everything(placed: AsyncEngine, tmp_path: Path) -> None:
    await load(placed, tmp_path, "users", [upsert(50, T1, {"name": "Ada", "sortable_name": "Ada"})])
    assert await scope_of_last_import(placed) == {("all", 0)}


async def test_bulk_imports_scope_everything(
    placed: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_scopes, "SCOPE_KEYS_MAX", 2)
    await load(placed, tmp_path, "submissions", [submission(k, 100) for k in range(1, 4)])
    assert await scope_of_last_import(placed) == {("all", 0)}
