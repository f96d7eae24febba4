"""Point reads of SQLite on the event loop's own thread: the two statements every request makes.

aiosqlite runs each statement on a worker thread. For a one-row indexed read (the token lookup that
starts every authenticated request, the data-version check that ends every response) the hop to that
thread and back through SQLAlchemy's async layer costs 0.3 to 0.5 ms, while the read itself takes about 5 µs:
for a response served from the result cache those two hops were most of its time. Here those reads run
inline, on a second, synchronous SQLAlchemy engine on the same database file.

They never make the event loop wait: the inline connection has a busy timeout of 0, so when the database
is locked (a bulk import holds it, a checkpoint is resetting the WAL) or the read fails for any other
reason, the caller gets None and sends the statement through the async engine as before, which waits on
its own thread. Each inline statement reads one committed snapshot and holds no transaction open after it
(the result is read to the end), exactly like a statement on the async engine: the consistency argument
of ``resolvers/consistency.py`` is unchanged. PostgreSQL is asynchronous end to end (asyncpg) and keeps
its one path; so does SQLite in memory (a second connection would see another database).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Engine, Executable, Result, Row, ScalarResult, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

__all__ = ["inline_engine", "read_inline", "small_reads"]

# The engine per async engine (None: not SQLite on a file). Entries go with their async engine.
_INLINE: weakref.WeakKeyDictionary[AsyncEngine, Engine | None] = weakref.WeakKeyDictionary()


def _inline_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")  # never wait on the event loop: fall back instead
    cursor.execute("PRAGMA query_only=ON")  # reads only, whatever a caller passes
    cursor.close()


def _file_database(engine: AsyncEngine) -> str | None:
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return database


def inline_engine(engine: AsyncEngine) -> Engine | None:
    """The synchronous engine reading ``engine``'s SQLite file inline (created on first use), or None."""
    try:
        return _INLINE[engine]
    except KeyError:
        pass
    database = _file_database(engine)
    inline: Engine | None = None
    if database is not None:
        # One connection, used only from the event loop's thread (and only between two awaits).
        inline = create_sync_engine(
            engine.url.set(drivername="sqlite+pysqlite"),
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        event.listen(inline, "connect", _inline_pragmas)
        weakref.finalize(engine, inline.dispose)
    _INLINE[engine] = inline
    return inline


def read_inline(
    engine: AsyncEngine, statement: Executable, params: Mapping[str, Any] | None = None
) -> Sequence[Row[Any]] | None:
    """All rows of ``statement`` read inline, or None: send it through ``engine`` instead.

    Build ``statement`` once (with bind parameters) and reuse it: building a select costs more than
    reading the row inline.
    """
    inline = inline_engine(engine)
    if inline is None:
        return None
    try:
        with inline.connect() as conn:
            return conn.execute(statement, params).all()
    except DBAPIError:
        # Busy or locked (a bulk import, a WAL reset), or anything else: the async path waits for it or
        # raises the error where every other statement would.
        return None


class _InlineReads:
    """What storage's query functions use of an ``AsyncConnection`` (``execute``, ``scalar``,
    ``scalars``), each statement read inline when it can be, else through the async engine.

    Every result is read to the end before it is returned (frozen): no statement stays open on the shared
    inline connection across an ``await``, where another request's statement would share its snapshot.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Result[Any]:
        inline = inline_engine(self._engine)
        if inline is not None:
            try:
                with inline.connect() as conn:
                    return conn.execute(statement, parameters).freeze()()
            except DBAPIError:
                pass  # busy or locked: the async engine waits for it (or raises the error itself)
        async with self._engine.connect() as conn:
            return (await conn.execute(statement, parameters)).freeze()()

    async def scalar(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def scalars(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> ScalarResult[Any]:
        return (await self.execute(statement, parameters)).scalars()


@asynccontextmanager
async def small_reads(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for a few small indexed reads (lookups, permission checks): inline on SQLite.

    Use it in place of ``engine.connect()`` only where every statement reads a handful of rows through
    an index: an inline statement holds the event loop for its whole duration. It supports what the
    query functions of ``storage/queries`` call (``execute``, ``scalar``, ``scalars``). PostgreSQL, and
    SQLite in memory, get an ordinary connection.
    """
    if inline_engine(engine) is None:
        async with engine.connect() as conn:
            yield conn
    else:
        # Typed as the connection it stands in for: it offers the reading methods the query functions use.
        yield cast(AsyncConnection, _InlineReads(engine))
