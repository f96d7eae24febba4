"""The checks every REST route shares: tokens, scopes, dialect selection, errors, string ids, ``.json``.

A test-only route is served through the same ``add_route`` as the real ones, so these rules are proved
once here, independent of any analytic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import ROUTE_SETUPS, create_app
from analytics_gateway.config import Settings
from analytics_gateway.resolvers.errors import Forbidden, NotFound, Unauthenticated
from analytics_gateway.rest_compat._endpoint import RestRequest, RestResult, add_route, stringify_ids
from analytics_gateway.storage.tokens import create_token, revoke_token, utcnow

Client = TestClient[web.Request, web.Application]
TEMPLATE = "/api/v1/things/:thing_id/analytics/probe"
WWW = 'Bearer realm="canvas-lms"'


async def _probe(req: RestRequest) -> Any:
    thing = req.params["thing_id"]
    if thing == "missing":
        raise NotFound
    if thing == "forbidden":
        raise Forbidden if req.ctx.viewer.user_id is not None else Unauthenticated
    if thing == "linked":
        return RestResult([{"id": 5}], headers={"Link": '<http://x/>; rel="current"'})
    return {
        "thing": thing,
        "user": req.ctx.viewer.user_id,
        "dialect": req.dialect,
        "id": 7,
        "course_id": 8,
        "module_ids": [1, 2],
        "nested": [{"user_id": 3, "flag": True, "score": 1.0}],
        "page": req.query.get("page"),
    }


def _routes(app: web.Application) -> None:
    add_route(app, TEMPLATE, _probe)


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[Client]:
    app = create_app(
        Settings(database_url="sqlite://unused"), engine=engine, route_setups=[*ROUTE_SETUPS, _routes]
    )
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def _get(client: Client, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
    async with client.get(path, **kwargs) as response:
        return response.status, await response.json(), response.headers


async def test_bearer_token_authenticates(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=42)
    status, body, _ = await _get(
        client, "/api/v1/things/a.b/analytics/probe", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200
    assert body["user"] == 42
    assert body["thing"] == "a.b"  # ids may contain dots (behaviour §1)
    assert body["dialect"] == "documented"


async def test_access_token_parameter_authenticates(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=43)
    status, body, _ = await _get(client, "/api/v1/things/x/analytics/probe", params={"access_token": token})
    assert (status, body["user"]) == (200, 43)


async def test_trailing_json_suffix_is_accepted(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1)
    status, body, _ = await _get(
        client, "/api/v1/things/x/analytics/probe.json", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, body["thing"]) == (200, "x")


async def test_no_token_reaches_the_route_as_anonymous(client: Client) -> None:
    # Lookups run before the permission check (behaviour §5): an unknown resource is 404 even without a token.
    status, body, _ = await _get(client, "/api/v1/things/missing/analytics/probe")
    assert status == 404
    assert body == {"errors": [{"message": "The specified resource does not exist."}]}
    status, body, headers = await _get(client, "/api/v1/things/forbidden/analytics/probe")
    assert status == 401
    assert body == {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
    assert headers["WWW-Authenticate"] == WWW


async def test_forbidden_body(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=9)
    status, body, _ = await _get(
        client, "/api/v1/things/forbidden/analytics/probe", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 403
    assert body == {
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}],
    }


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000, "Bearer ag~caf\u00e9"],
)
async def test_bad_tokens_are_401_before_anything_else(client: Client, header: str) -> None:
    status, body, headers = await _get(
        client, "/api/v1/things/missing/analytics/probe", headers={"Authorization": header}
    )
    assert status == 401
    assert body == {"errors": [{"message": "Invalid access token."}]}
    assert headers["WWW-Authenticate"] == WWW


async def test_control_characters_in_access_token_parameter(client: Client) -> None:
    status, body, _ = await _get(
        client, "/api/v1/things/x/analytics/probe", params={"access_token": "ag~\u0000\n"}
    )
    assert (status, body) == (401, {"errors": [{"message": "Invalid access token."}]})


async def test_expired_token(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1, expires_at=utcnow() - timedelta(seconds=1))
    status, body, headers = await _get(
        client, "/api/v1/things/x/analytics/probe", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, body) == (401, {"errors": [{"message": "Expired access token."}]})
    assert headers["WWW-Authenticate"] == WWW


async def test_revocation_takes_effect_on_the_next_request(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1)
    auth = {"Authorization": f"Bearer {token}"}
    assert (await _get(client, "/api/v1/things/x/analytics/probe", headers=auth))[0] == 200
    await revoke_token(engine, token)
    status, body, _ = await _get(client, "/api/v1/things/x/analytics/probe", headers=auth)
    assert (status, body) == (401, {"errors": [{"message": "Revoked access token."}]})


async def test_scoped_token_confined_to_its_scopes(client: Client, engine: AsyncEngine) -> None:
    _, inside = await create_token(engine, user_id=1, scopes=[f"url:GET|{TEMPLATE}"])
    _, outside = await create_token(
        engine, user_id=1, scopes=["url:GET|/api/v1/courses/:course_id/analytics/activity"]
    )
    assert (
        await _get(client, "/api/v1/things/x/analytics/probe", headers={"Authorization": f"Bearer {inside}"})
    )[0] == 200
    status, body, _ = await _get(
        client, "/api/v1/things/x/analytics/probe", headers={"Authorization": f"Bearer {outside}"}
    )
    assert (status, body) == (401, {"errors": [{"message": "Insufficient scopes on access token."}]})


async def test_dialect_header_overrides_the_server_default(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1)
    auth = {"Authorization": f"Bearer {token}"}
    _, body, _ = await _get(
        client, "/api/v1/things/x/analytics/probe", headers={**auth, "X-Analytics-Dialect": "Canvas"}
    )
    assert body["dialect"] == "canvas"
    status, body, _ = await _get(
        client, "/api/v1/things/x/analytics/probe", headers={**auth, "X-Analytics-Dialect": "xml"}
    )
    assert status == 400
    assert body == {"errors": [{"message": "X-Analytics-Dialect must be one of: documented, canvas"}]}


async def test_server_dialect_setting(engine: AsyncEngine) -> None:
    app = create_app(
        Settings(database_url="sqlite://unused", rest_dialect="canvas"),
        engine=engine,
        route_setups=[*ROUTE_SETUPS, _routes],
    )
    _, token = await create_token(engine, user_id=1)
    async with TestClient(TestServer(app)) as client:
        _, body, _ = await _get(
            client, "/api/v1/things/x/analytics/probe", headers={"Authorization": f"Bearer {token}"}
        )
    assert body["dialect"] == "canvas"


async def test_string_ids_on_request(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json+canvas-string-ids"}
    _, body, _ = await _get(client, "/api/v1/things/x/analytics/probe", headers=headers)
    assert body["id"] == "7"
    assert body["course_id"] == "8"
    assert body["module_ids"] == ["1", "2"]
    assert body["nested"] == [{"user_id": "3", "flag": True, "score": 1.0}]


async def test_result_headers_pass_through(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1)
    status, body, headers = await _get(
        client, "/api/v1/things/linked/analytics/probe", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, body) == (200, [{"id": 5}])
    assert headers["Link"] == '<http://x/>; rel="current"'


async def test_last_repeated_query_parameter_wins(client: Client, engine: AsyncEngine) -> None:
    _, token = await create_token(engine, user_id=1)
    _, body, _ = await _get(
        client,
        "/api/v1/things/x/analytics/probe?page=1&page=3",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["page"] == "3"


def test_stringify_ids_leaves_other_values() -> None:
    assert stringify_ids({"id": None, "ids": [1], "name_id": "x", "is_id": True}) == {
        "id": None,
        "ids": [1],
        "name_id": "x",
        "is_id": True,
    }
