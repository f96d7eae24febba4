"""The served OpenAPI document is valid OpenAPI 3.1 and lists exactly the routes the server has."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.rest_compat.openapi import OPENAPI_PATH, build_openapi

EXPECTED_ROUTES = 19  # behaviour §1: D1-D4 (current, completed, terms/:term_id), C1-C3, S1-S3; plus progress


def test_document_is_valid_openapi_31() -> None:
    document = build_openapi()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert len(document["paths"]) == EXPECTED_ROUTES


def test_every_operation_names_its_scope() -> None:
    for path, item in build_openapi()["paths"].items():
        template = re.sub(r"\{([a-z_]+)\}", r":\1", path)
        assert item["get"]["x-scope"] == f"url:GET|{template}"


async def test_served_document_matches_the_routes(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    async with TestClient(TestServer(app)) as client:
        async with client.get(OPENAPI_PATH) as response:
            assert response.status == 200
            served = await response.json()
        routes: set[str] = set()
        for resource in app.router.resources():
            info = resource.get_info()
            pattern = info.get("formatter") or info.get("path") or ""
            if pattern.startswith("/api/v1/") and pattern != OPENAPI_PATH:
                routes.add(re.sub(r"\{_format\}$", "", pattern))
    assert served == build_openapi()
    assert set(served["paths"]) == routes
    assert len(routes) == EXPECTED_ROUTES
