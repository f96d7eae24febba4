"""Every route, both dialects, several callers, on the demo institution: valid against the OpenAPI schemas.

Exact values are proved by the hand-built tests of each endpoint; this test proves breadth: on realistic
data (every workflow state, overrides, excused and late work, masquerading, deleted rows) no route fails,
and every answer has its dialect's documented shape and key order, or is a Canvas-style error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.rest_compat.openapi import build_openapi
from analytics_gateway.storage.demo import LARGEST_COURSE_ID, run_demo
from analytics_gateway.storage.tables import accounts, enrollments
from tests._dataset import Dataset
from tests.rest_compat.conftest import ApiFactory

ADMIN, SUB_ADMIN, ANALYST = 1, 2, 3
DOCUMENT = build_openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with ``$ref``s inlined (jsonschema needs a resolver otherwise)."""
    if "$ref" in schema:
        return _resolve(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]])
    return schema


def _branches(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    schema = _resolve(schema)
    found: dict[str, dict[str, Any]] = {}
    for option in [*schema.get("oneOf", []), *schema.get("anyOf", [])]:
        option = _resolve(option)
        if option.get("title", "").endswith("dialect"):
            found[option["title"].split()[0]] = option
        else:
            for name, sub in _branches(option).items():
                found[name] = sub
    return found


def _key_orders(schema: dict[str, Any], value: Any, where: str) -> None:
    """Objects list their keys in the schema's ``x-key-order`` (absent optional keys skipped)."""
    schema = _resolve(schema)
    if isinstance(value, dict) and "x-key-order" in schema:
        order = [k for k in schema["x-key-order"] if k in value]
        assert list(value) == order, f"{where}: keys {list(value)} not in order {schema['x-key-order']}"
        for key, item in value.items():
            _key_orders(schema["properties"][key], item, f"{where}.{key}")
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, item in value.items():
            _key_orders(schema["additionalProperties"], item, f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            _key_orders(schema["items"], item, f"{where}[{n}]")


def _check(template: str, dialect: str, status: int, body: Any) -> None:
    operation = DOCUMENT["paths"][re.sub(r":([a-z_]+)", r"{\1}", template)]["get"]
    assert str(status) in operation["responses"], (template, status, body)
    schema = _resolve(operation["responses"][str(status)]["content"]["application/json"]["schema"])
    if status == 200 and _branches(schema):
        if isinstance(body, dict) and "progress_url" in body:
            return
        schema = _branches(schema)[dialect]
    jsonschema.validate(body, schema)
    _key_orders(schema, body, template)


async def _people(engine: AsyncEngine) -> tuple[int, int, int, int]:
    async with engine.connect() as conn:
        teacher = await conn.scalar(
            select(enrollments.c.user_id).where(
                enrollments.c.course_id == LARGEST_COURSE_ID,
                enrollments.c.type == "TeacherEnrollment",
                enrollments.c.workflow_state == "active",
            )
        )
        student = await conn.scalar(
            select(enrollments.c.user_id)
            .where(
                enrollments.c.course_id == LARGEST_COURSE_ID,
                enrollments.c.type == "StudentEnrollment",
                enrollments.c.workflow_state == "active",
            )
            .order_by(enrollments.c.user_id)
        )
        sub_account = await conn.scalar(
            select(accounts.c.id).where(accounts.c.parent_account_id == 1).order_by(accounts.c.id)
        )
    assert teacher is not None
    assert student is not None
    assert sub_account is not None
    return int(teacher), int(student), int(sub_account), LARGEST_COURSE_ID


async def test_every_route_on_the_demo(engine: AsyncEngine, api_for: ApiFactory, tmp_path: Path) -> None:
    await run_demo(engine, scale="small", seed=1, out=tmp_path / "demo")
    api = await api_for(Dataset())  # the demo is already loaded; the empty dataset only adds roles
    teacher, student, sub_account, course = await _people(engine)
    paths: list[tuple[str, str]] = []
    for account in ("self", str(sub_account)):
        for scope in ("current", "completed", "terms/default", "terms/current"):
            for leaf in ("activity", "grades", "statistics", "statistics_by_subaccount"):
                template = (
                    "/api/v1/accounts/:account_id/analytics/terms/:term_id/" + leaf
                    if scope.startswith("terms")
                    else f"/api/v1/accounts/:account_id/analytics/{scope}/{leaf}"
                )
                paths.append((template, f"/api/v1/accounts/{account}/analytics/{scope}/{leaf}"))
    base = f"/api/v1/courses/{course}/analytics"
    for leaf in ("activity", "assignments"):
        paths.append((f"/api/v1/courses/:course_id/analytics/{leaf}", f"{base}/{leaf}"))
    for sort in ("name", "score_descending", "page_views", "participations_descending", "bogus"):
        paths.append(
            (
                "/api/v1/courses/:course_id/analytics/student_summaries",
                f"{base}/student_summaries?sort_column={sort}&per_page=100",
            )
        )
    for leaf in ("activity", "assignments", "communication"):
        paths.append(
            (
                f"/api/v1/courses/:course_id/analytics/users/:student_id/{leaf}",
                f"{base}/users/{student}/{leaf}",
            )
        )
    checked = 0
    for user in (ADMIN, SUB_ADMIN, ANALYST, teacher, student, None):
        for dialect in ("documented", "canvas"):
            for template, path in paths:
                status, body, headers = await api.get(path, user=user, dialect=dialect)
                assert status in (200, 401, 403, 404), (user, path, status, body)
                assert headers["Content-Type"].startswith("application/json")
                _check(template, dialect, status, body)
                checked += 1
    assert checked == 6 * 2 * len(paths)
    # The root admin sees data everywhere the demo has it.
    status, body, _ = await api.get(f"{base}/student_summaries?per_page=100", user=ADMIN, dialect="canvas")
    assert status == 200
    assert len(body) > 10
    assert orjson.dumps(body)
