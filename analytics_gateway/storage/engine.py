"""Database URLs, engines and migrations.

SQLite (the default) gets WAL, foreign keys and a busy timeout on every connection; ``postgresql://``
URLs are served by asyncpg. Alembic migrations are the only way the schema is created or changed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DatabaseUrlError",
    "create_engine",
    "is_sqlite",
    "migrate",
    "normalize_url",
    "resolve_database_url",
]

DEFAULT_DATABASE_URL = "sqlite:///analytics.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseUrlError(ValueError):
    """The database URL names no backend we support."""


def resolve_database_url(url: str | None) -> str:
    """The URL given, else ``ANALYTICS_DATABASE_URL``, else ``./analytics.db``."""
    return url or os.environ.get("ANALYTICS_DATABASE_URL") or DEFAULT_DATABASE_URL


def normalize_url(url: str) -> str:
    """Map user-facing URLs (``sqlite:///x.db``, ``postgresql://...``) to their async drivers."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql://...")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for a user-facing database URL."""
    engine = create_async_engine(normalize_url(url), **kwargs)
    if is_sqlite(engine):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` with the packaged Alembic migrations."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)
