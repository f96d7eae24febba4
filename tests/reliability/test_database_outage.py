"""A database outage: clean 503s while PostgreSQL is unreachable, and recovery without a restart.

The test never touches the shared PostgreSQL server's availability: the app reaches its test database
through an in-test TCP proxy, and the test cuts the proxy (every open connection reset, new ones refused)
and later restores it on the same port, as a PostgreSQL restart looks to the gateway. SQLite has no
server to lose, so this test runs on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.tokens import create_token
from tests._dataset import Dataset

Client = TestClient[web.Request, web.Application]

COURSE = 10
TEACHER = 5
ACTIVITY = f"/api/v1/courses/{COURSE}/analytics/activity"
QUERY = {"query": f'{{ course(id: "{COURSE}") {{ name analytics {{ activity {{ date views }} }} }} }}'}
UNAVAILABLE = {"errors": [{"message": "The database is unavailable; please retry later."}]}


class Proxy:
    """A TCP proxy to the database that can be cut (connections reset, new ones refused) and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.connections += 1
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}
            self._tasks.discard(task)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def restore(self) -> None:
        """Accept again, on the same port."""
        await self.start()

    async def close(self) -> None:
        if self._server is not None:
            await self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@pytest.fixture
async def through_proxy(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Proxy, Client, str]]:
    """(proxy, client, token): the gateway on a small course, reaching PostgreSQL through the proxy."""
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("an outage of the database server: SQLite has no server")
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        ds = Dataset()
        root = ds.account(1, name="Root")
        term = ds.term(root=root)
        ds.course(COURSE, account=root, term=term)
        section = ds.section(course=COURSE)
        ds.user(TEACHER, name="Teacher")
        ds.enroll(TEACHER, course=COURSE, section=section, type="TeacherEnrollment")
        ds.page_view(user=TEACHER, course=COURSE, at=datetime(2024, 1, 10, 10, tzinfo=UTC))
        await ds.load(engine, tmp_path / "export")
        _, token = await create_token(engine, user_id=TEACHER)
    finally:
        await engine.dispose()
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    client: Client = TestClient(TestServer(create_app(Settings(database_url=proxied))))
    await client.start_server()
    try:
        yield proxy, client, token
    finally:
        await client.close()
        await proxy.close()


async def _round(client: Client, token: str, parallel: int = 4) -> list[tuple[int, object, str | None]]:
    """The REST route and the GraphQL query, ``parallel`` of each at once (several pool connections)."""
    headers = {"Authorization": f"Bearer {token}"}

    async def rest() -> tuple[int, object, str | None]:
        async with client.get(ACTIVITY, headers=headers) as answer:
            return answer.status, await answer.json(), answer.headers.get("Retry-After")

    async def graphql() -> tuple[int, object, str | None]:
        async with client.post("/graphql", json=QUERY, headers=headers) as answer:
            return answer.status, await answer.json(), answer.headers.get("Retry-After")

    return list(
        await asyncio.gather(*[rest() for _ in range(parallel)], *[graphql() for _ in range(parallel)])
    )


async def test_outage_gives_clean_503s_and_recovers_by_itself(
    through_proxy: tuple[Proxy, Client, str], caplog: pytest.LogCaptureFixture
) -> None:
    proxy, client, token = through_proxy
    up = await _round(client, token)
    assert [status for status, _, _ in up] == [200] * 8
    expected_rest, expected_graphql = up[0][1], up[-1][1]
    assert expected_graphql == {
        "data": {
            "course": {"name": "Course", "analytics": {"activity": [{"date": "2024-01-10", "views": 1}]}}
        }
    }
    assert proxy.connections >= 2  # the pool holds several connections, all about to go stale

    await proxy.cut()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # the pool's dead connections, then fresh attempts: all refused cleanly
            down = await _round(client, token)
            assert down == [(503, UNAVAILABLE, "5")] * 8
        health = await client.get("/healthz")
        assert (health.status, await health.json()) == (503, {"status": "unavailable"})
    # Logged as one-line warnings, never as an unexpected error with a traceback.
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    assert any("database unavailable" in r.getMessage() for r in caplog.records)

    await proxy.restore()
    # The very first requests after the database returns succeed: no restart, no failed "first try".
    back = await _round(client, token)
    assert back == [(200, expected_rest, None)] * 4 + [(200, expected_graphql, None)] * 4
    assert (await client.get("/healthz")).status == 200

    # A restart while no request runs: every pooled connection is dead when the next requests come, and
    # they must not be the ones to find out (the pool pings a connection before handing it out).
    await proxy.cut()
    await proxy.restore()
    again = await _round(client, token)
    assert again == back
