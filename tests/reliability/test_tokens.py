"""Token guarantees (issue 6, item 3), on a running app over both backends.

* The database holds a token's SHA-256 only: after ``tokens create`` no column of any table holds the
  plaintext or a piece of it.
* A presented token is found by its digest through the unique index, and the stored digest is then
  compared with :func:`hmac.compare_digest` (its answer decides); no ``==`` on a secret in Python.
* Revocation (``tokens revoke`` while the server runs) and expiry (the clock passing, or the row
  changed) refuse the very next request, REST and GraphQL, though the same token was just served
  (and its results cached).
* A scoped token opens exactly its routes: every one of the 19 routes and GraphQL, with a token for each.
* Tokens never reach the logs: every logger at DEBUG, aiohttp's access log as ``serve`` configures it, the
  token in the header and in ``access_token``, bad/expired/revoked tokens, failing requests; and the
  ``Link`` and ``progress_url`` values never echo it.
"""

from __future__ import annotations

import ast
import asyncio
import hmac
import logging
import traceback
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner, Result
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

import analytics_gateway
from analytics_gateway import cli
from analytics_gateway.access_log import ACCESS_LOG_CLASS, REDACTED
from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.tables import access_tokens, metadata
from analytics_gateway.storage.tokens import TOKEN_PREFIX, create_token, hash_token, revoke_token, utcnow
from tests.conftest import Serve
from tests.reliability._institution import (
    COURSE_A,
    COURSE_B,
    ROOT,
    ROOT_ADMIN,
    STU_A1,
    TERM,
    build,
)
from tests.reliability.test_permission_leaks import ALL_TEMPLATES
from tests.rest_compat.conftest import Api

C1 = f"/api/v1/courses/{COURSE_A}/analytics/activity"
C3 = f"/api/v1/courses/{COURSE_A}/analytics/student_summaries"
GRAPHQL_QUERY = f'{{ course(id: "{COURSE_A}") {{ analytics {{ activity {{ views }} }} }} }}'
INSUFFICIENT = {"errors": [{"message": "Insufficient scopes on access token."}]}
GRAPHQL_SCOPE = "url:POST|/api/graphql"


@pytest.fixture
async def api(serve: Serve, engine: AsyncEngine) -> Api:
    return Api(await serve(build()), engine)


def _secrets(plaintext: str) -> list[str]:
    """The token and pieces of it that must never be stored or logged."""
    secret = plaintext.removeprefix(TOKEN_PREFIX)
    return [plaintext, secret, secret[:16], secret[-16:]]


async def _rest(api: Api, path: str, token: str | None, **params: str) -> tuple[int, Any, dict[str, str]]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with api.client.get(path, headers=headers, params=params or None) as response:
        return response.status, orjson.loads(await response.read()), dict(response.headers)


async def _graphql(api: Api, token: str | None, query: str = GRAPHQL_QUERY) -> tuple[int, Any]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with api.client.post("/graphql", json={"query": query}, headers=headers) as response:
        return response.status, orjson.loads(await response.read())


# --- stored as a hash only --------------------------------------------------------------------------------


async def _all_values(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        await migrate(engine)
        values: list[Any] = []
        async with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in await conn.execute(select(table)):
                    values.extend(row)
        return values
    finally:
        await engine.dispose()


def _invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, list(args), input=stdin)


def test_tokens_create_stores_only_the_hash(database_url: str) -> None:
    result = _invoke(
        "tokens",
        "create",
        "--user-id",
        str(ROOT_ADMIN),
        "--scope",
        GRAPHQL_SCOPE,
        "--purpose",
        "reporting",
        "--expires-at",
        "2099-01-01T00:00:00Z",
        "--database",
        database_url,
    )
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.splitlines()[-1]
    assert plaintext.startswith(TOKEN_PREFIX)
    values = asyncio.run(_all_values(database_url))
    assert hash_token(plaintext) in values  # the row is there, under its digest
    for value in values:
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        for piece in _secrets(plaintext):
            assert piece not in text, f"a column holds the token: {value!r}"


# --- constant-time comparison -----------------------------------------------------------------------------


def test_no_python_equality_on_secrets() -> None:
    """The token modules compare secrets only with hmac.compare_digest (SQL index lookups are fine)."""
    root = Path(analytics_gateway.__file__).parent
    secretish = ("token", "digest", "hash", "secret", "plaintext")
    offenders: list[str] = []
    for relative in ("storage/tokens.py", "resolvers/auth.py"):
        tree = ast.parse((root / relative).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
                continue
            sides = [node.left, *node.comparators]
            text = [ast.unparse(side) for side in sides]
            if any("access_tokens.c." in t for t in text):  # a SQL expression: the digest lookup
                continue
            if any(word in t.lower() for t in text for word in secretish):
                offenders.append(f"{relative}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, offenders


async def test_presented_tokens_are_checked_with_compare_digest(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, plaintext = await create_token(api.engine, user_id=ROOT_ADMIN)
    calls: list[tuple[str, str]] = []
    verdict: list[bool] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return verdict[-1] if verdict else real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # as storage/tokens.py calls it
    assert (await _rest(api, C1, plaintext))[0] == 200
    assert (await _graphql(api, plaintext))[0] == 200
    digest = hash_token(plaintext)
    assert calls == [(digest, digest), (digest, digest)]
    verdict.append(False)  # its answer decides, even when the indexed lookup matched
    status, body, _ = await _rest(api, C1, plaintext)
    assert (status, body) == (401, {"errors": [{"message": "Invalid access token."}]})
    assert (await _graphql(api, plaintext))[0] == 401


# --- expiry and revocation on the next request ------------------------------------------------------------


async def _served(api: Api, token: str) -> None:
    for _ in range(2):  # the second time from the result cache
        status, body, _ = await _rest(api, C1, token)
        assert status == 200, body
        status, body = await _graphql(api, token)
        assert status == 200, body
        assert "errors" not in body, body


async def _refused(api: Api, token: str, message: str) -> None:
    status, body, headers = await _rest(api, C1, token)
    assert (status, body) == (401, {"errors": [{"message": message}]})
    assert headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    status, body = await _graphql(api, token)
    assert status == 401, body
    assert body["errors"][0]["message"] == message
    status, body, _ = await _rest(api, C1, None, access_token=token)  # the query parameter too
    assert (status, body) == (401, {"errors": [{"message": message}]})


async def test_revocation_by_the_cli_refuses_the_next_request(api: Api, database_url: str) -> None:
    _, plaintext = await create_token(api.engine, user_id=ROOT_ADMIN)
    await _served(api, plaintext)
    # The operator revokes while the server runs (the CLI is synchronous: run it off the event loop).
    result = await asyncio.to_thread(
        _invoke, "tokens", "revoke", "-", "--database", database_url, stdin=plaintext
    )
    assert result.exit_code == 0, result.output
    await _refused(api, plaintext, "Revoked access token.")


async def test_revocation_by_id_refuses_the_next_request(api: Api) -> None:
    token, plaintext = await create_token(api.engine, user_id=ROOT_ADMIN)
    await _served(api, plaintext)
    assert await revoke_token(api.engine, str(token.id)) is not None
    await _refused(api, plaintext, "Revoked access token.")


async def test_expiry_by_the_clock_refuses_the_next_request(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    expires = utcnow() + timedelta(hours=1)
    _, plaintext = await create_token(api.engine, user_id=ROOT_ADMIN, expires_at=expires)
    await _served(api, plaintext)
    import analytics_gateway.resolvers.auth as auth

    monkeypatch.setattr(auth, "utcnow", lambda: expires)  # the instant it expires
    await _refused(api, plaintext, "Expired access token.")
    monkeypatch.setattr(auth, "utcnow", lambda: expires - timedelta(seconds=1))
    await _served(api, plaintext)


async def test_expiry_changed_in_the_database_refuses_the_next_request(api: Api) -> None:
    token, plaintext = await create_token(
        api.engine, user_id=ROOT_ADMIN, expires_at=utcnow() + timedelta(days=1)
    )
    await _served(api, plaintext)
    async with api.engine.begin() as conn:
        await conn.execute(
            update(access_tokens)
            .where(access_tokens.c.id == token.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    await _refused(api, plaintext, "Expired access token.")


# --- scopes -----------------------------------------------------------------------------------------------


def _concrete(template: str, progress_id: int) -> str:
    return (
        template.replace(":account_id", str(ROOT))
        .replace(":term_id", str(TERM))
        .replace(":course_id", str(COURSE_A))
        .replace(":student_id", str(STU_A1))
        .replace(":id", str(progress_id))
    )


async def test_scoped_tokens_are_confined_to_their_scopes(api: Api) -> None:
    admin = await api.token(ROOT_ADMIN)
    status, body, _ = await _rest(
        api, f"/api/v1/courses/{COURSE_B}/analytics/assignments", admin, **{"async": "true"}
    )
    assert status == 200, body
    progress_id = int(body["progress_url"].rsplit("/", 1)[1])
    paths = {template: _concrete(template, progress_id) for template in ALL_TEMPLATES}
    unscoped = {template: (await _rest(api, path, admin))[0] for template, path in paths.items()}
    assert set(unscoped.values()) == {200}  # the root admin may use every route: scopes alone decide below

    scope_sets: list[list[str]] = [[f"url:GET|{t}"] for t in ALL_TEMPLATES]
    scope_sets += [[GRAPHQL_SCOPE], [], [f"url:GET|{ALL_TEMPLATES[0]}", GRAPHQL_SCOPE]]
    failures: list[str] = []
    for scopes in scope_sets:
        _, token = await create_token(api.engine, user_id=ROOT_ADMIN, scopes=scopes)
        for template, path in paths.items():
            allowed = f"url:GET|{template}" in scopes
            for via_query in (False, True):
                if via_query:
                    status, body, _ = await _rest(api, path + ".json", None, access_token=token)
                else:
                    status, body, _ = await _rest(api, path, token)
                if allowed and status != unscoped[template]:
                    failures.append(f"{scopes} on {path}: {status} {body}")
                if not allowed and (status, body) != (401, INSUFFICIENT):
                    failures.append(f"{scopes} on {path}: {status} {body}, expected 401 insufficient scopes")
        status, body = await _graphql(api, token)
        if (status == 200) != (GRAPHQL_SCOPE in scopes):
            failures.append(f"{scopes} on /graphql: {status} {body}")
        if status != 200 and body != {"errors": [{"message": "Insufficient scopes on access token."}]}:
            failures.append(f"{scopes} on /graphql: refusal {body}")
    assert not failures, "\n".join(failures)


# --- never in logs ----------------------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> Iterator[tuple[str, str]]:
        for record in self.records:
            parts = [record.getMessage(), repr(record.args), repr(vars(record))]
            if record.exc_info and record.exc_info[1] is not None:
                parts.append("".join(traceback.format_exception(record.exc_info[1])))
            yield record.name, "\n".join(parts)


@pytest.fixture
def captured() -> Iterator[_Capture]:
    """Every logger at DEBUG, every record kept."""
    handler = _Capture()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for lg, level in levels:
            lg.setLevel(level)


@pytest.fixture
async def logged_api(serve: Serve, engine: AsyncEngine) -> AsyncIterator[Api]:
    """The institution served with the access log ``serve`` uses."""
    await serve(build())  # loads the data (and serves it once more; unused)
    app = create_app(Settings(database_url="sqlite://unused"), engine=engine)
    server = TestServer(app)
    # As `serve` runs it (web.run_app(..., access_log_class=ACCESS_LOG_CLASS)); the access logger is
    # aiohttp's default one, "aiohttp.access", in both.
    await server.start_server(access_log_class=ACCESS_LOG_CLASS)
    client: TestClient[web.Request, web.Application] = TestClient(server)
    await client.start_server()
    try:
        yield Api(client, engine)
    finally:
        await client.close()


def test_serve_runs_with_the_redacting_access_log(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run_app(app: web.Application, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(web, "run_app", run_app)  # cli.py calls web.run_app
    result = _invoke("serve", "--database", database_url, "--port", "0")
    assert result.exit_code == 0, result.output
    assert seen["access_log_class"] is ACCESS_LOG_CLASS


async def test_tokens_never_appear_in_logs(
    logged_api: Api, captured: _Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = logged_api
    good = await api.token(ROOT_ADMIN)
    _, expired = await create_token(
        api.engine, user_id=ROOT_ADMIN, expires_at=utcnow() - timedelta(seconds=1)
    )
    _, revoked = await create_token(api.engine, user_id=ROOT_ADMIN)
    await revoke_token(api.engine, revoked)
    unknown = TOKEN_PREFIX + "x" * 53
    tokens = [good, expired, revoked, unknown]

    for token in tokens:
        await _rest(api, C1, token)  # header
        await _rest(api, C1, None, access_token=token)  # query parameter
        await _rest(api, "/api/v1/courses/424242/analytics/activity", None, access_token=token)  # 404
        async with api.client.post(
            "/graphql", params={"access_token": token}, json={"query": GRAPHQL_QUERY}
        ) as response:
            await response.read()
        async with api.client.get(
            "/graphql",
            params={"query": "{ course(id: 1) { name } }", "access_token": token},
            headers={"Referer": f"http://dash.example/page?access_token={token}"},
        ) as response:
            await response.read()
        async with api.client.post("/graphql", params={"access_token": token}, data=b"{not json") as response:
            await response.read()

    # Pagination and the progress URL never echo the token.
    status, _, headers = await _rest(api, C3, None, access_token=good, per_page="1", sort_column="name")
    assert status == 200
    assert "next" in headers["Link"]
    assert good not in headers["Link"]
    assert "access_token" not in headers["Link"]
    status, body, _ = await _rest(
        api, f"/api/v1/courses/{COURSE_A}/analytics/assignments", None, access_token=good, **{"async": "true"}
    )
    assert status == 200
    assert good not in orjson.dumps(body).decode()

    # Failures inside a request: logged with their tracebacks, still without the token.
    import analytics_gateway.resolvers.course as course_resolvers

    async def broken(**_: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(course_resolvers, "get_course_daily_activity", broken)
    failing = f"/api/v1/courses/{COURSE_B}/analytics/activity"  # never computed yet: not in the cache
    assert (await _rest(api, failing, None, access_token=good))[0] == 500
    query = f'{{ course(id: "{COURSE_B}") {{ analytics {{ activity {{ views }} }} }} }}'
    async with api.client.post("/graphql", params={"access_token": good}, json={"query": query}) as response:
        assert "An error occurred." in (await response.text())

    names = {name for name, _ in captured.texts()}
    access_lines = [text for name, text in captured.texts() if name == "aiohttp.access"]
    assert len(access_lines) >= 6 * len(tokens), names  # the access log did run, one line per request
    assert sum(REDACTED in line for line in access_lines) >= 6 * len(tokens)
    assert any("unhandled error" in text for _, text in captured.texts())  # the 500 was logged
    assert any("unexpected error" in text for _, text in captured.texts())  # the GraphQL one too
    for name, text in captured.texts():
        for token in tokens:
            for piece in _secrets(token):
                assert piece not in text, f"{name} logged a token: {text[:500]}"
