"""The Alembic migrations are the schema: they must build exactly what ``tables.py`` declares."""

from __future__ import annotations

import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.engine import migrate
from analytics_gateway.storage.tables import metadata


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
