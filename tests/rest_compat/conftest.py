"""A running gateway over a hand-built dataset, with a token per user on demand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.config import RestDialect
from analytics_gateway.storage.tokens import create_token
from tests._dataset import Dataset
from tests.conftest import Serve


class Api:
    """Calls the REST routes as a given user (a token is created once per user)."""

    def __init__(self, client: TestClient[web.Request, web.Application], engine: AsyncEngine) -> None:
        self.client = client
        self.engine = engine
        self._tokens: dict[int, str] = {}

    async def token(self, user_id: int) -> str:
        """An unscoped, unexpiring token of the user."""
        if user_id not in self._tokens:
            _, self._tokens[user_id] = await create_token(self.engine, user_id=user_id)
        return self._tokens[user_id]

    async def get(
        self,
        path: str,
        *,
        user: int | None,
        dialect: RestDialect | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """GET ``path`` as ``user`` (None: no token); returns status, parsed JSON body and headers."""
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = f"Bearer {await self.token(user)}"
        if dialect is not None:
            sent["X-Analytics-Dialect"] = dialect
        async with self.client.get(path, headers=sent, params=params) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None, dict(response.headers)

    async def raw(self, path: str, *, user: int, dialect: RestDialect | None = None) -> bytes:
        """The exact response bytes (for byte-for-byte and key-order comparisons)."""
        sent = {"Authorization": f"Bearer {await self.token(user)}"}
        if dialect is not None:
            sent["X-Analytics-Dialect"] = dialect
        async with self.client.get(path, headers=sent) as response:
            return await response.read()


ApiFactory = Callable[[Dataset], Awaitable[Api]]


@pytest.fixture
def api_for(serve: Serve, engine: AsyncEngine) -> ApiFactory:
    """``await api_for(dataset)``: load the dataset into the test database and serve it."""

    async def make(dataset: Dataset) -> Api:
        return Api(await serve(dataset), engine)

    return make
