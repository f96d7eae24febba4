"""Execution: statements per request do not grow with page size; limits refuse before anything runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.schema.limits import MAX_COST
from tests._dataset import Dataset
from tests._sql import recorded_statements
from tests.schema.conftest import GraphQL, GraphQLFactory

ADMIN = 9
DASHBOARD = """{
  course(id: "10") {
    name
    analytics {
      activity { date views }
      assignments { title median tardinessBreakdown { onTime late missing total } }
    }
    studentsConnection(first: 100, sort: {field: PAGE_VIEWS, direction: DESCENDING}) {
      nodes {
        _id name
        summaryAnalytics { pageViews { total max level } tardinessBreakdown { total onTime } }
        activity { pageViews participations { createdAt } }
        assignments { status submission { score } }
        communication { date studentMessages }
      }
    }
  }
}"""


def _course(students: int) -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    course = ds.course(10, account=root, term=ds.term(1, root=root))
    section = ds.section(100, course=course)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    teacher = ds.user(8, name="Teacher")
    ds.enroll(teacher, course=course, section=section, type="TeacherEnrollment")
    start = datetime(2026, 3, 2, 9)
    assignments = [
        ds.assignment(course=course, title=f"A{n}", due_at=start + timedelta(days=n)) for n in range(4)
    ]
    for n in range(students):
        uid = ds.user(1000 + n, name=f"Student {n:03d}")
        ds.enroll(uid, course=course, section=section)
        for a in assignments[: n % 5]:
            ds.submission(assignment=a, user=uid, submitted_at=start, score=float(n % 10))
        for k in range(n % 3):
            ds.page_view(user=uid, course=course, at=start + timedelta(hours=k), participated=k == 0)
    return ds


async def _statements(engine: AsyncEngine, gql: GraphQL) -> int:
    await gql.token(ADMIN)
    with recorded_statements(engine) as statements:
        data = await gql.data(DASHBOARD, user=ADMIN)
    assert data["course"]["studentsConnection"]["nodes"]
    return len(statements)


async def test_statements_do_not_grow_with_students(engine: AsyncEngine, graphql_for: GraphQLFactory) -> None:
    small = await _statements(engine, await graphql_for(_course(10)))
    # The same database gets a second, larger course in place of the first (same ids, more students).
    large = await _statements(engine, await graphql_for(_course(100)))
    assert small == large, (small, large)
    assert large < 60  # a handful per level: access checks, coursework, rollups, names, messages


@pytest.fixture
async def gql(graphql_for: GraphQLFactory) -> GraphQL:
    return await graphql_for(_course(3))


async def _errors(gql: GraphQL, query: str) -> list[str]:
    body = await gql.query(query, user=ADMIN)
    assert body.get("data") is None, body  # refused before execution: no data at all
    return [e["message"] for e in body["errors"]]


async def test_depth_limit(gql: GraphQL) -> None:
    deep = '{ course(id: "10") { ' + "account { parentAccount { " * 8 + "_id" + " } }" * 8 + " } }"
    assert any("exceeds maximum operation depth" in m for m in await _errors(gql, deep))


async def test_alias_limit(gql: GraphQL) -> None:
    aliases = " ".join(f'c{n}: course(id: "10") {{ _id }}' for n in range(21))
    assert any("aliases" in m for m in await _errors(gql, "{ " + aliases + " }"))


async def test_token_limit(gql: GraphQL) -> None:
    huge = "{ " + " ".join("__typename" for _ in range(5001)) + " }"
    assert any("token" in m.lower() for m in await _errors(gql, huge))


async def test_cost_limit(gql: GraphQL) -> None:
    nested = """{ account(id: "1") { coursesConnection(first: 100) { nodes {
      studentsConnection(first: 100) { nodes { summaryAnalytics { pageViews { total max level } } } }
    } } } }"""
    messages = await _errors(gql, nested)
    assert any(f"exceeds the maximum of {MAX_COST}" in m for m in messages), messages
    # Variables count at their worst (100 items) unless they have a default.
    variable = nested.replace("{ account", "query($n: Int) { account").replace(
        "first: 100) { nodes {\n", "first: $n) { nodes {\n", 1
    )
    assert any("exceeds the maximum" in m for m in await _errors(gql, variable))
    # The course dashboard of 100 students is well within the limit.
    body = await gql.query(DASHBOARD, user=ADMIN)
    assert "errors" not in body


async def test_graphiql_is_served_offline(gql: GraphQL, tmp_path: Path) -> None:
    async with gql.client.get("/graphql", headers={"Accept": "text/html"}) as response:
        assert response.status == 200
        page = await response.text()
    assert "https://" not in page  # no CDN
    assert "http://" not in page
    for asset in (
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ):
        assert f"/graphql/static/{asset}" in page
        async with gql.client.get(f"/graphql/static/{asset}") as response:
            assert response.status == 200, asset
            assert len(await response.read()) > 1000
    async with gql.client.get("/graphql/static/nope.js") as response:
        assert response.status == 404
