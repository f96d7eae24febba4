"""GraphQL over the hand-built course of ``tests/rest_compat/_coursework``: objects, connections, analytics,
permissions. The numbers are those the REST tests derive by hand from the same rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.rest_compat._coursework import (
    ADMIN,
    ANN,
    BOB,
    CAT,
    DAN,
    EVE,
    LIMITED_TA,
    PARTICIPATION_URL,
    TEACHER,
    institution,
)
from tests.schema.conftest import GraphQL, GraphQLFactory

SUMMARY = """
  pageViews { total max level }
  participations { total max level }
  tardinessBreakdown { total late missing onTime floating }
"""


@pytest.fixture
async def gql(graphql_for: GraphQLFactory) -> GraphQL:
    return await graphql_for(institution())


def _summary(
    views: int, vlevel: int, parts: int, plevel: int, late: int, missing: int, on_time: int, floating: int
) -> dict[str, Any]:
    return {
        "pageViews": {"total": views, "max": 5, "level": vlevel},
        "participations": {"total": parts, "max": 1, "level": plevel},
        "tardinessBreakdown": {
            "total": late + missing + on_time + floating,
            "late": late,
            "missing": missing,
            "onTime": on_time,
            "floating": floating,
        },
    }


# Same rows as the REST C3 test: page views [3, 1, 0, 5, 1], participations [1, 1, 0, 0, 0].
SUMMARIES = {
    ANN: _summary(3, 2, 1, 3, 0, 0, 5, 1),
    BOB: _summary(1, 2, 1, 3, 2, 0, 2, 2),
    CAT: _summary(0, 0, 0, 0, 0, 3, 1, 2),
    DAN: _summary(5, 3, 0, 0, 1, 0, 1, 3),
    EVE: _summary(1, 2, 0, 0, 0, 1, 2, 2),
}


async def test_course_object_and_ids(gql: GraphQL) -> None:
    query = """{
      course(id: "10") {
        id _id name courseCode workflowState sisId
        account { id _id name }
        term { id _id name }
        sections { id _id name }
      }
      bySis: course(sisId: "BIO-101") { _id }
      byRelay: course(id: "Q291cnNlLTEw") { _id }
    }"""
    data = await gql.data(query, user=ADMIN)
    assert data["course"] == {
        "id": "Q291cnNlLTEw",  # base64("Course-10")
        "_id": "10",
        "name": "Biology",
        "courseCode": "Biology",
        "workflowState": "AVAILABLE",
        "sisId": "BIO-101",
        "account": {"id": "QWNjb3VudC0y", "_id": "2", "name": "Faculty"},
        "term": {"id": "VGVybS0x", "_id": "1", "name": "Default Term"},
        "sections": [
            {"id": "U2VjdGlvbi0xMDA=", "_id": "100", "name": "Section"},
            {"id": "U2VjdGlvbi0xMDE=", "_id": "101", "name": "Section"},
        ],
    }
    assert data["bySis"] == {"_id": "10"}
    assert data["byRelay"] == {"_id": "10"}


async def test_course_dashboard(gql: GraphQL) -> None:
    query = f"""{{
      course(id: "10") {{
        analytics {{
          activity {{ date views participations }}
          assignments {{
            _id title pointsPossible dueAt muted nonDigitalSubmission
            minScore maxScore median firstQuartile thirdQuartile
            tardinessBreakdown {{ onTime late missing floating total }}
            assignment {{ id }}
          }}
        }}
        studentsConnection(first: 100) {{
          totalCount
          nodes {{ _id name summaryAnalytics {{ {SUMMARY} }} }}
        }}
      }}
    }}"""
    course = (await gql.data(query, user=ADMIN))["course"]
    assert course["analytics"]["activity"] == [
        {"date": "2026-03-01", "views": 5, "participations": 1},
        {"date": "2026-03-02", "views": 6, "participations": 1},
        {"date": "2026-03-03", "views": 2, "participations": 0},
    ]
    assignments = course["analytics"]["assignments"]
    assert [a["_id"] for a in assignments] == ["31", "38", "32", "33", "34", "35", "37"]
    assert assignments[0] == {
        "_id": "31",
        "title": "Essay",
        "pointsPossible": 10.0,
        "dueAt": "2026-03-10T00:00:00Z",
        "muted": False,
        "nonDigitalSubmission": False,
        "minScore": 6.5,
        "maxScore": 10.0,
        "median": 8.0,
        "firstQuartile": 6.5,
        "thirdQuartile": 10.0,
        "tardinessBreakdown": {"onTime": 0.4, "late": 0.2, "missing": 0.2, "floating": 0.2, "total": 5},
        "assignment": {"id": "QXNzaWdubWVudC0zMQ=="},
    }
    assert assignments[4]["tardinessBreakdown"] == {
        "onTime": 2 / 3,
        "late": 0.0,
        "missing": 1 / 3,
        "floating": 0.0,
        "total": 3,
    }
    students = course["studentsConnection"]
    assert students["totalCount"] == 5
    assert [n["_id"] for n in students["nodes"]] == ["21", "22", "24", "23", "27"]  # by sortable name
    for node in students["nodes"]:
        assert node["summaryAnalytics"] == SUMMARIES[int(node["_id"])], node["_id"]


async def test_students_connection_pages_and_sorts(gql: GraphQL) -> None:
    query = """query($after: String, $sort: StudentSort) {
      course(id: "10") {
        studentsConnection(first: 2, after: $after, sort: $sort) {
          edges { cursor node { _id } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }
    }"""
    seen: list[str] = []
    after = None
    for _ in range(5):
        page = (await gql.data(query, user=ADMIN, variables={"after": after}))["course"]["studentsConnection"]
        seen += [e["node"]["_id"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["21", "22", "24", "23", "27"]
    for sort, order in (
        ({"field": "PAGE_VIEWS", "direction": "DESCENDING"}, ["24", "21", "27", "22", "23"]),
        ({"field": "SCORE"}, ["22", "23", "27", "21", "24"]),
        ({"field": "PARTICIPATIONS", "direction": "DESCENDING"}, ["22", "21", "27", "24", "23"]),
        ({"field": "NAME", "direction": "DESCENDING"}, ["27", "23", "24", "22", "21"]),
    ):
        q = query.replace("first: 2", "first: 10")
        page = (await gql.data(q, user=ADMIN, variables={"sort": sort}))["course"]["studentsConnection"]
        assert [e["node"]["_id"] for e in page["edges"]] == order, sort
    body = await gql.query(query, user=ADMIN, variables={"after": "bm9wZQ=="})
    assert body["errors"][0]["message"].startswith("invalid cursor")


async def test_student_summaries_connection_matches_rest_c3(gql: GraphQL) -> None:
    query = f"""{{ course(id: "10") {{ analytics {{
      studentSummaries(first: 100, sort: {{field: PAGE_VIEWS, direction: DESCENDING}}) {{
        nodes {{ student {{ _id }} {SUMMARY} }}
      }}
      one: studentSummaries(studentId: "24") {{ nodes {{ student {{ _id }} }} }}
    }} }} }}"""
    analytics = (await gql.data(query, user=TEACHER))["course"]["analytics"]
    nodes = analytics["studentSummaries"]["nodes"]
    assert [n["student"]["_id"] for n in nodes] == ["24", "21", "27", "22", "23"]
    rest = await gql.rest(
        "/api/v1/courses/10/analytics/student_summaries?sort_column=page_views_descending&per_page=100",
        user=TEACHER,
    )
    for node, row in zip(nodes, rest, strict=True):
        assert int(node["student"]["_id"]) == row["id"]
        assert node["pageViews"] == {
            "total": row["page_views"],
            "max": row["max_page_views"],
            "level": row["page_views_level"],
        }
        t = row["tardiness_breakdown"]
        assert node["tardinessBreakdown"] == {
            "total": t["total"],
            "late": t["late"],
            "missing": t["missing"],
            "onTime": t["on_time"],
            "floating": t["floating"],
        }
    assert analytics["one"]["nodes"] == [{"student": {"_id": "24"}}]


async def test_student_fields_default_to_their_course(gql: GraphQL) -> None:
    query = """{ course(id: "10") { studentsConnection(first: 1) { nodes {
      _id
      activity {
        page_views: pageViews hourly { hour views } daily { date views } participations { createdAt url }
      }
      assignments {
        _id status dueAt muted statistics { median } submission { score scoreHidden submittedAt excused }
      }
      communication { date instructorMessages studentMessages }
    } } } }"""
    ann = (await gql.data(query, user=ADMIN))["course"]["studentsConnection"]["nodes"][0]
    assert ann["_id"] == "21"
    assert ann["activity"] == {
        "page_views": 3,
        "hourly": [
            {"hour": "2026-03-01T10:00:00Z", "views": 2},
            {"hour": "2026-03-01T11:00:00Z", "views": 1},
        ],
        "daily": [{"date": "2026-03-01", "views": 3}],
        "participations": [{"createdAt": "2026-03-01T10:30:00Z", "url": PARTICIPATION_URL}],
    }
    assert [(a["_id"], a["status"], a["dueAt"]) for a in ann["assignments"]] == [
        ("31", "ON_TIME", "2026-03-10T00:00:00Z"),
        ("38", "ON_TIME", "2026-03-15T00:00:00Z"),
        ("32", "ON_TIME", "2026-03-20T12:00:00Z"),
        ("33", "ON_TIME", "2026-04-01T00:00:00Z"),
        ("34", "ON_TIME", "2026-05-05T00:00:00Z"),  # her own (ADHOC) due date
        ("35", "FLOATING", "2099-01-01T00:00:00Z"),
        ("37", "ON_TIME", None),
    ]
    quiz = ann["assignments"][2]
    assert quiz == {
        "_id": "32",
        "status": "ON_TIME",
        "dueAt": "2026-03-20T12:00:00Z",
        "muted": False,  # the admin grades
        "statistics": {"median": 15.0},
        "submission": {
            "score": 15.0,
            "scoreHidden": False,
            "submittedAt": "2026-03-20T12:00:45Z",
            "excused": False,
        },
    }
    assert ann["communication"] == []


async def test_a_student_sees_herself_only_where_allowed(gql: GraphQL) -> None:
    query = """{
      student(id: "21") {
        _id
        activity(courseId: "10") { pageViews }
        assignments(courseId: "10") { _id muted statistics { median } submission { score scoreHidden } }
        summaryAnalytics(courseId: "10") { pageViews { total } }
      }
      other: student(id: "22") { _id }
      course(id: "10") { analytics { activity { date } } }
    }"""
    body = await gql.query(query, user=ANN)
    me = body["data"]["student"]
    assert me["_id"] == "21"
    assert me["activity"] == {"pageViews": 3}
    quiz = next(a for a in me["assignments"] if a["_id"] == "32")
    assert quiz == {
        "_id": "32",
        "muted": True,
        "statistics": None,
        "submission": {"score": None, "scoreHidden": True},
    }
    # Summaries need grade rights; other users and course activity are not hers to see.
    assert me["summaryAnalytics"] is None
    assert body["data"]["other"] is None
    assert body["data"]["course"]["analytics"]["activity"] is None
    errors = {tuple(e["path"]): (e["extensions"]["code"], e["message"]) for e in body["errors"]}
    assert errors == {
        ("student", "summaryAnalytics"): (
            "FORBIDDEN",
            "user not authorized to perform that action (field `summaryAnalytics`)",
        ),
        ("other",): ("FORBIDDEN", "user not authorized to perform that action (field `other`)"),
        ("course", "analytics", "activity"): (
            "FORBIDDEN",
            "user not authorized to perform that action (field `activity`)",
        ),
    }


async def test_section_limited_ta_sees_their_sections(gql: GraphQL) -> None:
    query = """{ course(id: "10") {
      studentsConnection { nodes { _id summaryAnalytics { pageViews { total max level } } } }
      enrollmentsConnection(filter: {types: ["StudentEnrollment"]}) {
        nodes { _id user { _id } section { _id } }
      }
      dan: analytics { studentSummaries(studentId: "24") { totalCount } }
    } }"""
    course = (await gql.data(query, user=LIMITED_TA))["course"]
    assert course["studentsConnection"]["nodes"] == [
        {"_id": "22", "summaryAnalytics": {"pageViews": {"total": 1, "max": 1, "level": 3}}},
        {"_id": "23", "summaryAnalytics": {"pageViews": {"total": 0, "max": 1, "level": 0}}},
    ]
    users = {(n["user"]["_id"], n["section"]["_id"]) for n in course["enrollmentsConnection"]["nodes"]}
    assert users == {("22", "101"), ("23", "101")}
    assert course["dan"]["studentSummaries"]["totalCount"] == 0
    body = await gql.query(
        '{ student(id: "24") { activity(courseId: "10") { pageViews } } }', user=LIMITED_TA
    )
    assert body["data"]["student"] is None  # a TA is no account admin: users are not looked up for them


async def test_node_and_legacy_node(gql: GraphQL) -> None:
    query = """{
      a: node(id: "Q291cnNlLTEw") { id ... on Course { name } }
      b: legacyNode(_id: "2", type: Account) { id ... on Account { name } }
      c: legacyNode(_id: "31", type: Assignment) { ... on Assignment { title pointsPossible } }
      d: legacyNode(_id: "21", type: Student) { ... on Student { name } }
      e: node(id: "U2VjdGlvbi0xMDA=") { ... on Section { _id } }
      f: legacyNode(_id: "36", type: Assignment) { id }
    }"""
    body = await gql.query(query, user=ADMIN)
    assert body["data"] == {
        "a": {"id": "Q291cnNlLTEw", "name": "Biology"},
        "b": {"id": "QWNjb3VudC0y", "name": "Faculty"},
        "c": {"title": "Essay", "pointsPossible": 10.0},
        "d": {"name": "Ann Adams"},
        "e": {"_id": "100"},
        "f": None,  # unpublished assignments are not analytics objects
    }
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


async def test_anonymous_and_bad_tokens(gql: GraphQL) -> None:
    body = await gql.query('{ course(id: "10") { name } }', user=None)
    assert body["data"] == {"course": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with gql.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer nope"}
    ) as response:
        assert response.status == 401
        assert await response.json() == {"errors": [{"message": "Invalid access token."}]}
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'


async def test_canvas_graphql_path_and_get(gql: GraphQL) -> None:
    headers = await gql.headers(ADMIN)
    async with gql.client.post(
        "/api/graphql", json={"query": '{ course(id: "10") { _id } }'}, headers=headers
    ) as r:
        assert (r.status, await r.json()) == (200, {"data": {"course": {"_id": "10"}}})
    async with gql.client.get(
        "/graphql", params={"query": '{ course(id: "10") { _id } }'}, headers=headers
    ) as r:
        assert (r.status, await r.json()) == (200, {"data": {"course": {"_id": "10"}}})
