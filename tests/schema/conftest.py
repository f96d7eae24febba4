"""A running gateway over a hand-built dataset, queried through ``/graphql`` as a given user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.tokens import create_token
from tests._dataset import Dataset
from tests.conftest import Serve


class GraphQL:
    """Posts queries as a user (a token per user, made once); also reaches the REST routes for parity."""

    def __init__(self, client: TestClient[web.Request, web.Application], engine: AsyncEngine) -> None:
        self.client = client
        self.engine = engine
        self._tokens: dict[int, str] = {}

    async def token(self, user_id: int) -> str:
        """An unscoped token of the user."""
        if user_id not in self._tokens:
            _, self._tokens[user_id] = await create_token(self.engine, user_id=user_id)
        return self._tokens[user_id]

    async def headers(self, user: int | None) -> dict[str, str]:
        return {} if user is None else {"Authorization": f"Bearer {await self.token(user)}"}

    async def query(
        self, query: str, *, user: int | None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The JSON body of a POST; asserts HTTP 200."""
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        async with self.client.post("/graphql", json=payload, headers=await self.headers(user)) as response:
            body = orjson.loads(await response.read())
            assert response.status == 200, body
            result: dict[str, Any] = body
            return result

    async def data(self, query: str, *, user: int | None, variables: dict[str, Any] | None = None) -> Any:
        """``data`` of a query that must not fail."""
        body = await self.query(query, user=user, variables=variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def rest(self, path: str, *, user: int, dialect: str = "canvas") -> Any:
        """A REST route's JSON body (for parity checks)."""
        headers = await self.headers(user) | {"X-Analytics-Dialect": dialect}
        async with self.client.get(path, headers=headers) as response:
            assert response.status == 200, path
            return orjson.loads(await response.read())


GraphQLFactory = Callable[[Dataset], Awaitable[GraphQL]]


@pytest.fixture
def graphql_for(serve: Serve, engine: AsyncEngine) -> GraphQLFactory:
    """``await graphql_for(dataset)``: load the dataset and serve it."""

    async def make(dataset: Dataset) -> GraphQL:
        return GraphQL(await serve(dataset), engine)

    return make
