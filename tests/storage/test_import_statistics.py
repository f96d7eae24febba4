"""PostgreSQL imports leave fresh planner statistics (ANALYZE in the import's transaction)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.importer import import_paths
from tests.storage._exports import upsert, write_export


async def _analyzed(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        )
        return {str(name) for (name,) in rows}


async def test_imported_and_derived_tables_are_analyzed(engine: AsyncEngine, tmp_path: Path) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (SQLite plans are pinned by test_query_plans)")
    assert await _analyzed(engine) == set()
    view = {"timestamp": "2025-03-01T10:00:00Z", "user_id": 5, "course_id": 10}
    write_export(tmp_path / "a", "web_logs", [upsert("w1", "2025-03-01T00:00:00Z", view)])
    await import_paths(engine, [tmp_path / "a"])
    assert await _analyzed(engine) == {
        "web_logs",
        "web_log_ids",
        "web_log_id_overflow",
        "page_view_course_daily",
        "page_view_student_daily",
        "page_view_student_hourly",
        "page_view_account_daily",
    }
    course = {"account_id": 1, "enrollment_term_id": 1, "workflow_state": "available"}
    write_export(tmp_path / "b", "courses", [upsert(10, "2025-03-01T00:00:00Z", course)])
    await import_paths(engine, [tmp_path / "b"])
    assert "courses" in await _analyzed(engine)
