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
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DatabaseUrlError",
    "create_engine",
    "is_sqlite",
    "is_unavailable",
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


SQLITE_PAGE_SIZE = 8192


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # Only a new, empty database takes a page size. 8 KiB pages halve the system calls of writing and
    # checkpointing an import (the importer's largest non-Python cost after the rows themselves).
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


POOL_SIZE_ENV = "ANALYTICS_DB_POOL_SIZE"
MAX_OVERFLOW_ENV = "ANALYTICS_DB_MAX_OVERFLOW"
DEFAULT_POOL_SIZE = 5  # SQLAlchemy's own defaults
DEFAULT_MAX_OVERFLOW = 10


def _pool_setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise DatabaseUrlError(f"{name} must be a whole number of connections (0 or more), not {raw!r}")
    return int(raw)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for a user-facing database URL.

    PostgreSQL connections are pinged when taken from the pool: after the server restarts, the pool's
    connections are dead, and without the ping each would fail one request before being replaced. The
    pool keeps ``ANALYTICS_DB_POOL_SIZE`` connections (default 5) and opens up to
    ``ANALYTICS_DB_MAX_OVERFLOW`` more under load (default 10), per process.
    """
    if make_url(normalize_url(url)).get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", _pool_setting(POOL_SIZE_ENV, DEFAULT_POOL_SIZE))
        kwargs.setdefault("max_overflow", _pool_setting(MAX_OVERFLOW_ENV, DEFAULT_MAX_OVERFLOW))
    engine = create_async_engine(normalize_url(url), **kwargs)
    if is_sqlite(engine):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or an error behind it) says the database cannot be reached right now.

    The server is down, restarting or refusing connections, or a connection was lost mid-statement:
    worth a 503 and a retry, not a 500. Connection attempts fail with plain ``OSError``s that SQLAlchemy
    passes through unwrapped; lost connections are ``DBAPIError``s SQLAlchemy marks as invalidated.
    """
    from asyncpg import exceptions as pg  # imported here: only PostgreSQL raises these

    gone = (
        pg.PostgresConnectionError,  # SQLSTATE class 08: connection exceptions
        pg.CannotConnectNowError,  # "the database system is starting up / shutting down"
        pg.AdminShutdownError,  # "terminating connection due to administrator command"
        pg.CrashShutdownError,
        pg.TooManyConnectionsError,
        OSError,  # refused, reset, unreachable, timed out
    )
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, gone):
            return True
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:
                return True
            pending.append(current.orig)
        pending += [current.__cause__, current.__context__]
    return False


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
