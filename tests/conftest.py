"""Shared fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL tests get a fresh database each (``CREATE DATABASE``) on the server named by
``ANALYTICS_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``).
``ANALYTICS_TEST_BACKENDS=sqlite`` restricts a local run to SQLite; CI runs both.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.engine import create_engine, migrate

PG_ADMIN_URL = os.environ.get("ANALYTICS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("ANALYTICS_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running event loop."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    result: T = box["value"]
    return result


def _pg_admin_dsn() -> str:
    return make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(_pg_admin_dsn())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty (unmigrated) database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = f"ag_test_{uuid.uuid4().hex[:12]}"
    run_sync(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sync(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database on each backend."""
    eng = create_engine(database_url)
    await migrate(eng)
    try:
        yield eng
    finally:
        await eng.dispose()


Client = TestClient[web.Request, web.Application]
Serve = Callable[[Any], Awaitable[Client]]


@pytest.fixture
async def serve(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Serve]:
    """``await serve(dataset)``: load a ``tests._dataset.Dataset`` into the test database and serve it."""
    clients: list[Client] = []

    async def make(dataset: Any) -> Client:
        await dataset.load(engine, tmp_path / f"export{len(clients)}")
        app = create_app(Settings(database_url="sqlite://unused"), engine=engine)
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
