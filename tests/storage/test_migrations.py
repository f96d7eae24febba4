"""The Alembic migrations are the schema: they must build exactly what ``tables.py`` declares."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.tables import (
    courses,
    metadata,
    page_view_account_daily,
    page_view_course_daily,
)


async def test_migrations_match_table_definitions(engine: AsyncEngine) -> None:
    def diff(conn: Connection) -> list[Any]:
        with warnings.catch_warnings():
            # Expression indexes (lower(unique_id)) cannot be reflected on SQLite; checked separately.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            return list(compare_metadata(MigrationContext.configure(conn), metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrate_is_idempotent(engine: AsyncEngine) -> None:
    await migrate(engine)
    await migrate(engine)


async def test_expression_and_partial_indexes_exist(engine: AsyncEngine) -> None:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    async with engine.connect() as conn:
        names = {row[0] for row in await conn.exec_driver_sql(sql)}
    assert {"ix_pseudonyms_lower_unique_id", "ix_web_logs_participations"} <= names


async def test_account_rollup_migration_derives_rows_from_existing_course_rollups(database_url: str) -> None:
    # A database imported before revision 0003 has course rollups but no account rollup.
    eng = create_engine(database_url)
    try:
        await migrate(eng, "0002")
        async with eng.begin() as conn:
            placed = [(1, 5), (2, 5), (3, None)]  # (course, account): course 3 has no account
            await conn.execute(
                courses.insert(),
                [
                    {
                        "id": cid,
                        "account_id": account,
                        "enrollment_term_id": 7,
                        "workflow_state": "available",
                        "meta_ts": datetime(2025, 1, 1),
                    }
                    for cid, account in placed
                ],
            )
            day = date(2025, 3, 1)
            await conn.execute(
                page_view_course_daily.insert(),
                [
                    {"course_id": 1, "day": day, "category": "files", "views": 2, "participations": 1},
                    {"course_id": 2, "day": day, "category": "files", "views": 3, "participations": 0},
                    {"course_id": 3, "day": day, "category": "files", "views": 9, "participations": 9},
                    {"course_id": 4, "day": day, "category": "pages", "views": 1, "participations": 1},
                ],
            )
        await migrate(eng)
        async with eng.connect() as conn:
            rows = [tuple(r) for r in await conn.execute(select(page_view_account_daily))]
        assert rows == [(5, 7, "available", day, "files", 5, 1)]
    finally:
        await eng.dispose()
