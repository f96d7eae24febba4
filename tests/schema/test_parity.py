"""A number is never different between GraphQL and REST: every analytic, compared on the demo institution."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.demo import DEMO_ADMIN_USER_ID, LARGEST_COURSE_ID, run_demo
from analytics_gateway.storage.tables import accounts
from tests._dataset import Dataset
from tests.schema.conftest import GraphQL, GraphQLFactory

ADMIN = DEMO_ADMIN_USER_ID
README = Path(__file__).parents[2] / "README.md"
DEPARTMENT = """query($id: ID!, $filter: DepartmentFilter!, $term: ID) {
  account(id: $id) { analytics(filter: $filter, termId: $term) {
    activity { byDate { date views participations } byCategory { category views } }
    grades { counts hasData }
    statistics { courses subaccounts teachers students discussionTopics mediaObjects attachments assignments }
    statisticsBySubaccount {
      _id name courses teachers students discussionTopics mediaObjects attachments assignments
    }
  } }
}"""
COURSE = """query($id: ID!) { course(id: $id) {
  analytics {
    activity { date views participations }
    assignments {
      _id title dueAt muted pointsPossible nonDigitalSubmission
      minScore maxScore median firstQuartile thirdQuartile
      tardinessBreakdown { missing late onTime floating total }
    }
    studentSummaries(first: 100) { nodes {
      student { _id }
      pageViews { total max level } participations { total max level }
      tardinessBreakdown { missing late onTime floating total }
    } }
  }
  studentsConnection(first: 100) { nodes {
    _id
    activity { daily { date views } participations { createdAt url } }
    assignments {
      _id title dueAt status muted nonDigitalSubmission
      statistics { minScore maxScore median firstQuartile thirdQuartile }
      moduleIds submission { postedAt score submittedAt excused }
    }
    communication { date instructorMessages studentMessages }
  } }
} }"""
SNAKE = {
    "discussionTopics": "discussion_topics",
    "mediaObjects": "media_objects",
    "onTime": "on_time",
    "minScore": "min_score",
    "maxScore": "max_score",
    "firstQuartile": "first_quartile",
    "thirdQuartile": "third_quartile",
}


def _snake(obj: dict[str, Any]) -> dict[str, Any]:
    return {SNAKE.get(k, k): v for k, v in obj.items()}


async def _department(gql: GraphQL, account: str, filter: str, term: str | None, path: str) -> None:
    data = await gql.data(DEPARTMENT, user=ADMIN, variables={"id": account, "filter": filter, "term": term})
    got = data["account"]["analytics"]
    rest = {
        leaf: await gql.rest(f"{path}/{leaf}", user=ADMIN) for leaf in ("activity", "grades", "statistics")
    }
    by_sub = await gql.rest(f"{path}/statistics_by_subaccount", user=ADMIN)
    assert got["activity"]["byDate"] == [
        {k: v for k, v in row.items() if k != "id"} for row in rest["activity"]["by_date"]
    ]
    assert got["activity"]["byCategory"] == [
        {k: v for k, v in row.items() if k != "id"} for row in rest["activity"]["by_category"]
    ]
    grades = list(rest["grades"].values())
    assert got["grades"]["hasData"] is (grades[0] is not None)
    assert got["grades"]["counts"] == [g or 0 for g in grades]
    assert _snake(got["statistics"]) == rest["statistics"]
    assert [_snake(r) | {"id": int(r["_id"])} for r in got["statisticsBySubaccount"]] == [
        r | {"_id": str(r["id"])} for r in by_sub["accounts"]
    ]


async def _course(gql: GraphQL, course: int) -> None:
    data = (await gql.data(COURSE, user=ADMIN, variables={"id": str(course)}))["course"]
    base = f"/api/v1/courses/{course}/analytics"
    c1 = await gql.rest(f"{base}/activity", user=ADMIN)
    assert data["analytics"]["activity"] == [{k: v for k, v in r.items() if k != "id"} for r in c1]
    c2 = await gql.rest(f"{base}/assignments", user=ADMIN)
    assert len(c2) == len(data["analytics"]["assignments"])
    for got, want in zip(data["analytics"]["assignments"], c2, strict=True):
        assert int(got["_id"]) == want["assignment_id"]
        for key in ("title", "due_at", "muted", "points_possible", "non_digital_submission"):
            camel = {"due_at": "dueAt", "points_possible": "pointsPossible"}.get(key, key)
            camel = "nonDigitalSubmission" if key == "non_digital_submission" else camel
            assert got[camel] == want[key], key
        for key in ("min_score", "max_score", "median", "first_quartile", "third_quartile"):
            assert _snake(got)[key] == want.get(key), key  # canvas omits them without points: null here
        assert _snake(got["tardinessBreakdown"]) == want["tardiness_breakdown"]
    c3 = await gql.rest(f"{base}/student_summaries?per_page=100", user=ADMIN)
    summaries = data["analytics"]["studentSummaries"]["nodes"]
    assert [int(n["student"]["_id"]) for n in summaries] == [r["id"] for r in c3]
    for node, row in zip(summaries, c3, strict=True):
        assert node["pageViews"] == {
            "total": row["page_views"],
            "max": row["max_page_views"],
            "level": row["page_views_level"],
        }
        assert node["participations"] == {
            "total": row["participations"],
            "max": row["max_participations"],
            "level": row["participations_level"],
        }
        assert _snake(node["tardinessBreakdown"]) == row["tardiness_breakdown"]
    students = data["studentsConnection"]["nodes"]
    assert students
    for student in students[:12]:
        sid = student["_id"]
        s1 = await gql.rest(f"{base}/users/{sid}/activity", user=ADMIN)
        assert {d["date"]: d["views"] for d in student["activity"]["daily"]} == s1["page_views"]
        assert [
            {"created_at": p["createdAt"], "url": p["url"]} for p in student["activity"]["participations"]
        ] == s1["participations"]
        s2 = await gql.rest(f"{base}/users/{sid}/assignments", user=ADMIN)
        assert [int(a["_id"]) for a in student["assignments"]] == [a["assignment_id"] for a in s2]
        for got, want in zip(student["assignments"], s2, strict=True):
            assert (got["dueAt"], got["status"].lower(), got["muted"]) == (
                want["due_at"],
                want["status"],
                want["muted"],
            )
            assert [int(m) for m in got["moduleIds"]] == want["module_ids"]
            assert _snake(got["statistics"] or {}) == {
                k: want[k]
                for k in ("min_score", "max_score", "median", "first_quartile", "third_quartile")
                if k in want
            }
            sub = got["submission"]
            if sub is None:
                assert "excused" not in want
            elif sub["excused"]:
                assert want["excused"] is True
            else:
                assert want["submission"] == {
                    "posted_at": sub["postedAt"],
                    "score": sub["score"],
                    "submitted_at": sub["submittedAt"],
                }
        s3 = await gql.rest(f"{base}/users/{sid}/communication", user=ADMIN)
        assert {
            d["date"]: {
                k: v
                for k, v in (
                    ("instructorMessages", d["instructorMessages"]),
                    ("studentMessages", d["studentMessages"]),
                )
                if v
            }
            for d in student["communication"]
        } == s3


async def test_graphql_and_rest_agree_on_the_demo(
    engine: AsyncEngine, graphql_for: GraphQLFactory, tmp_path: Path
) -> None:
    await run_demo(engine, scale="small", seed=1, out=tmp_path / "demo")
    gql = await graphql_for(Dataset())  # the demo is loaded; the empty dataset only adds roles
    async with engine.connect() as conn:
        sub = await conn.scalar(
            select(accounts.c.id).where(accounts.c.parent_account_id == 1).order_by(accounts.c.id)
        )
    for account in ("1", str(sub)):
        await _department(gql, account, "CURRENT", None, f"/api/v1/accounts/{account}/analytics/current")
        await _department(gql, account, "COMPLETED", None, f"/api/v1/accounts/{account}/analytics/completed")
        await _department(
            gql, account, "TERM", "current", f"/api/v1/accounts/{account}/analytics/terms/current"
        )
    await _course(gql, LARGEST_COURSE_ID)
    # The README's example queries run on the demo as they are written.
    examples = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(examples) >= 2
    for example in examples:
        data = await gql.data(example, user=ADMIN)
        assert all(value is not None for value in data.values()), example
