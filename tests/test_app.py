"""The application factory: health, metrics, JSON errors, startup and shutdown, on both backends."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import ENGINE_KEY, ROUTE_SETUPS, SETTINGS_KEY, Metrics, create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.engine import DEFAULT_DATABASE_URL, create_engine

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret internals /etc/passwd")


async def _plain_unauthorized(request: web.Request) -> web.Response:
    raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="canvas-lms"'})


async def _shaped_error(request: web.Request) -> web.Response:
    raise web.HTTPForbidden(text='{"status":"unauthorized"}', content_type="application/json")


async def _plain_not_found(request: web.Request) -> web.Response:
    raise web.HTTPNotFound()


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/healthz")


def _test_routes(app: web.Application) -> None:
    app.router.add_get("/boom", _boom)
    app.router.add_get("/plain-401", _plain_unauthorized)
    app.router.add_get("/shaped-403", _shaped_error)
    app.router.add_get("/items/{id}", _plain_not_found)
    app.router.add_get("/redirect", _redirect)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A running app (core routes plus a few test routes) on a fresh database."""
    app = create_app(Settings(database_url=database_url), route_setups=[*ROUTE_SETUPS, _test_routes])
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_healthz_ok(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    assert await resp.json() == {"status": "ok"}


async def test_startup_migrates_and_keeps_settings(client: TestClient[web.Request, web.Application]) -> None:
    app = client.app
    assert app is not None
    assert app[SETTINGS_KEY].rest_dialect == "documented"

    def tables(conn: Connection) -> list[str]:
        return inspect(conn).get_table_names()

    async with app[ENGINE_KEY].connect() as conn:
        names = await conn.run_sync(tables)
    assert {"access_tokens", "accounts", "web_logs", "alembic_version"} <= set(names)


async def test_healthz_unavailable_when_the_database_is_down(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        app = create_app(Settings(database_url=database_url), engine=engine)
        async with TestClient(TestServer(app)) as client:
            await engine.dispose()  # drop pooled connections so the next request must connect

            def refuse(*args: Any, **kwargs: Any) -> None:
                raise ConnectionRefusedError("database is down")

            event.listen(engine.sync_engine, "do_connect", refuse)
            resp = await client.get("/healthz")
            assert resp.status == 503
            assert await resp.json() == {"status": "unavailable"}
            event.remove(engine.sync_engine, "do_connect", refuse)
            resp = await client.get("/healthz")
            assert resp.status == 200
    finally:
        await engine.dispose()


async def test_a_shared_engine_is_left_open(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with TestClient(TestServer(create_app(Settings(database_url=database_url), engine=engine))):
            pass
        async with engine.connect() as conn:  # still usable after the app shut down
            await conn.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()


async def test_unknown_path_is_a_json_404(client: TestClient[web.Request, web.Application]) -> None:
    for resp in (await client.get("/nope"), await client.post("/healthz"), await client.get("/items/3")):
        assert resp.status == 404
        assert resp.content_type == "application/json"
        assert await resp.json() == NOT_FOUND


async def test_unexpected_exception_is_a_json_500_and_logged(
    client: TestClient[web.Request, web.Application], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="analytics_gateway.app"):
        resp = await client.get("/boom")
    assert resp.status == 500
    assert resp.content_type == "application/json"
    body = await resp.text()
    assert body == '{"errors":[{"message":"An error occurred."}]}'
    assert "Traceback" not in body
    assert "secret" not in body
    assert any("/boom" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_plain_http_errors_become_json(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/plain-401")
    assert resp.status == 401
    assert resp.content_type == "application/json"
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert await resp.json() == {"errors": [{"message": "Unauthorized"}]}

    shaped = await client.get("/shaped-403")
    assert shaped.status == 403
    assert await shaped.json() == {"status": "unauthorized"}

    redirect = await client.get("/redirect", allow_redirects=False)
    assert redirect.status == 302
    assert redirect.headers["Location"] == "/healthz"


async def test_metrics(client: TestClient[web.Request, web.Application]) -> None:
    for _ in range(2):
        assert (await client.get("/healthz")).status == 200
    assert (await client.get("/items/1")).status == 404
    assert (await client.get("/items/2")).status == 404
    assert (await client.get("/nope")).status == 404
    assert (await client.get("/boom")).status == 500

    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    body = await resp.text()
    lines = body.splitlines()
    assert "# TYPE analytics_gateway_http_requests_total counter" in lines
    assert 'analytics_gateway_http_requests_total{method="GET",route="/healthz",status="200"} 2' in lines
    # The route pattern, not the raw path, labels the series.
    assert 'analytics_gateway_http_requests_total{method="GET",route="/items/{id}",status="404"} 2' in lines
    assert 'analytics_gateway_http_requests_total{method="GET",route="(unmatched)",status="404"} 1' in lines
    assert 'analytics_gateway_http_requests_total{method="GET",route="/boom",status="500"} 1' in lines
    assert 'analytics_gateway_http_request_duration_seconds_count{method="GET",route="/healthz"} 2' in lines
    durations = [
        line for line in lines if line.startswith("analytics_gateway_http_request_duration_seconds_sum")
    ]
    assert durations
    assert all(re.fullmatch(r"\S+\{.*\} [0-9.e-]+", line) for line in durations)
    # Two health checks ran one `SELECT 1` each (and nothing else touched the database).
    assert "analytics_gateway_sql_statements_total 2" in lines


def test_metrics_labels_are_escaped_and_bounded() -> None:
    metrics = Metrics()
    metrics.observe("BREW", 'a"b\\c\nd', 418, 0.5)
    text = metrics.render()
    assert (
        'analytics_gateway_http_requests_total{method="OTHER",route="a\\"b\\\\c\\nd",status="418"} 1' in text
    )
    assert text.endswith("\n")


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANALYTICS_DATABASE_URL", raising=False)
    assert Settings.from_env() == Settings(database_url=DEFAULT_DATABASE_URL)
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", "postgresql://db/analytics")
    settings = Settings.from_env(rest_dialect="canvas", port=9000)
    assert settings == Settings(
        database_url="postgresql://db/analytics", rest_dialect="canvas", host="127.0.0.1", port=9000
    )
    assert Settings.from_env(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="rest_dialect"):
        Settings(database_url="sqlite:///x.db", rest_dialect="fancy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port"):
        Settings(database_url="sqlite:///x.db", port=70000)


async def test_engine_fixture_compatible(engine: AsyncEngine) -> None:
    # Other layers test the app on their own loaded engine; migrating it again on startup is harmless.
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url), engine=engine)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
