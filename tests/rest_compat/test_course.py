"""C1 course activity, C2 course assignments (sync and async) and C3 student summaries, both dialects.

Every expected body is written out by hand from the course of ``_coursework`` (its docstring tabulates
the rows) and compared byte for byte, so key order and number formatting are checked too.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests._dataset import Dataset
from tests.rest_compat._coursework import (
    ADMIN,
    ANN,
    BOB,
    CAT,
    DAN,
    EVE,
    LIMITED_TA,
    TEACHER,
    institution,
)
from tests.rest_compat.conftest import Api, ApiFactory

C1 = "/api/v1/courses/10/analytics/activity"
C2 = "/api/v1/courses/10/analytics/assignments"
C3 = "/api/v1/courses/10/analytics/student_summaries"
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


@pytest.fixture
async def api(api_for: ApiFactory) -> Api:
    return await api_for(institution())


def _bytes(value: Any) -> bytes:
    return orjson.dumps(value)


# --- C1 -----------------------------------------------------------------------------------------------


async def test_course_activity_documented(api: Api) -> None:
    # 03-01: Ann 3 (one participating) + the teacher 2; the masquerading view is not one.
    # 03-02: Bob 1 (participating) + Dan 5. 03-03: Eve 1 + the Test Student 1 (activity counts everyone).
    expected = [
        {"date": "2026-03-01", "participations": 1, "views": 5},
        {"date": "2026-03-02", "participations": 1, "views": 6},
        {"date": "2026-03-03", "participations": 0, "views": 2},
    ]
    assert await api.raw(C1, user=ADMIN, dialect="documented") == _bytes(expected)


async def test_course_activity_canvas(api: Api) -> None:
    expected = [
        {"date": "2026-03-01", "views": 5, "participations": 1, "id": None},
        {"date": "2026-03-02", "views": 6, "participations": 1, "id": None},
        {"date": "2026-03-03", "views": 2, "participations": 0, "id": None},
    ]
    assert await api.raw(C1, user=ADMIN, dialect="canvas") == _bytes(expected)
    # A section-limited TA sees the same course activity (not filtered by sections, behaviour §4 C1).
    assert await api.raw(C1 + ".json", user=LIMITED_TA, dialect="canvas") == _bytes(expected)


# --- C2 -----------------------------------------------------------------------------------------------

# Per assignment, over the five students (Project: the three it is assigned to).
ESSAY_DOC = {
    "assignment_id": 31,
    "title": "Essay",
    "points_possible": 10.0,
    "due_at": "2026-03-10T00:00:00Z",
    "unlock_at": "2026-03-01T00:00:00Z",
    "muted": False,
    "min_score": 6.5,  # scores 8, 6.5, 10 (Dan excused, Cat's row deleted)
    "max_score": 10.0,
    "median": 8.0,
    "first_quartile": 6.5,
    "third_quartile": 10.0,
    "tardiness_breakdown": {"on_time": 0.4, "missing": 0.2, "late": 0.2, "total": 5},
}
READING_DOC = {
    "assignment_id": 38,
    "title": "Reading",
    "points_possible": 10.0,
    "due_at": "2026-03-15T00:00:00Z",
    "unlock_at": None,
    "muted": False,
    "min_score": 0.0,  # behaviour §6.1: [0, 1, 2, 3, 4] → 0.5, 2.0, 3.5
    "max_score": 4.0,
    "median": 2.0,
    "first_quartile": 0.5,
    "third_quartile": 3.5,
    "tardiness_breakdown": {"on_time": 1.0, "missing": 0.0, "late": 0.0, "total": 5},
}
QUIZ_DOC = {
    "assignment_id": 32,
    "title": "Quiz",
    "points_possible": 20.0,
    "due_at": "2026-03-20T12:00:00Z",
    "unlock_at": None,
    "muted": True,  # Ann's grade is unposted
    "min_score": 12.0,
    "max_score": 18.0,
    "median": 15.0,
    "first_quartile": 12.0,
    "third_quartile": 18.0,
    "tardiness_breakdown": {"on_time": 0.2, "missing": 0.4, "late": 0.4, "total": 5},
}
WORKSHEET_DOC = {
    "assignment_id": 33,
    "title": "Worksheet",
    "points_possible": None,
    "due_at": "2026-04-01T00:00:00Z",
    "unlock_at": None,
    "muted": False,
    "min_score": None,  # CONTRACT §7.8: null without points
    "max_score": None,
    "median": None,
    "first_quartile": None,
    "third_quartile": None,
    # Non-digital: in the total, never in a numerator (CONTRACT §7.5).
    "tardiness_breakdown": {"on_time": 0.0, "missing": 0.0, "late": 0.0, "total": 5},
}
PROJECT_DOC = {
    "assignment_id": 34,
    "title": "Project",
    "points_possible": 100.0,
    "due_at": "2026-05-01T00:00:00Z",  # the base date; students have theirs
    "unlock_at": None,
    "muted": False,
    "min_score": 85.0,
    "max_score": 90.0,
    "median": 87.5,
    "first_quartile": 85.0,
    "third_quartile": 90.0,
    "tardiness_breakdown": {"on_time": 2 / 3, "missing": 1 / 3, "late": 0.0, "total": 3},
}
FUTURE_DOC = {
    "assignment_id": 35,
    "title": "Future",
    "points_possible": 5.0,
    "due_at": "2099-01-01T00:00:00Z",
    "unlock_at": None,
    "muted": False,
    "min_score": None,
    "max_score": None,
    "median": None,
    "first_quartile": None,
    "third_quartile": None,
    "tardiness_breakdown": {"on_time": 0.0, "missing": 0.0, "late": 0.0, "total": 5},
}
UNDATED_DOC = {
    "assignment_id": 37,
    "title": "Undated",
    "points_possible": 10.0,
    "due_at": None,
    "unlock_at": None,
    "muted": False,
    "min_score": None,
    "max_score": None,
    "median": None,
    "first_quartile": None,
    "third_quartile": None,
    "tardiness_breakdown": {"on_time": 0.2, "missing": 0.0, "late": 0.0, "total": 5},
}
C2_DOCUMENTED = [ESSAY_DOC, READING_DOC, QUIZ_DOC, WORKSHEET_DOC, PROJECT_DOC, FUTURE_DOC, UNDATED_DOC]


def _canvas_assignment(
    doc: dict[str, Any], *, non_digital: bool = False, floating: float = 0.0
) -> dict[str, Any]:
    """The canvas-dialect object of the same numbers, keys in Canvas's order (CONTRACT §4)."""
    out: dict[str, Any] = {
        "assignment_id": doc["assignment_id"],
        "title": doc["title"],
        "due_at": doc["due_at"],
        "muted": doc["muted"],
        "points_possible": doc["points_possible"],
        "non_digital_submission": non_digital,
    }
    if doc["points_possible"] is not None:
        for key in ("max_score", "min_score", "first_quartile", "median", "third_quartile"):
            out[key] = doc[key]
    t = doc["tardiness_breakdown"]
    out["tardiness_breakdown"] = {
        "missing": t["missing"],
        "late": t["late"],
        "on_time": t["on_time"],
        "floating": floating,
        "total": t["total"],
    }
    return out


C2_CANVAS = [
    _canvas_assignment(ESSAY_DOC, floating=0.2),  # Dan's excused submission
    _canvas_assignment(READING_DOC),
    _canvas_assignment(QUIZ_DOC),
    _canvas_assignment(WORKSHEET_DOC, non_digital=True),
    _canvas_assignment(PROJECT_DOC),
    _canvas_assignment(FUTURE_DOC, floating=1.0),
    _canvas_assignment(UNDATED_DOC, floating=0.8),
]


async def test_course_assignments_documented(api: Api) -> None:
    assert await api.raw(C2, user=ADMIN, dialect="documented") == _bytes(C2_DOCUMENTED)


async def test_course_assignments_canvas(api: Api) -> None:
    assert await api.raw(C2, user=TEACHER, dialect="canvas") == _bytes(C2_CANVAS)


async def test_course_assignments_of_a_section_limited_ta(api: Api) -> None:
    # Section 101: Bob (also in 100) and Cat. Essay: Bob late, Cat missing; Bob's 6.5 is the only score.
    status, body, _ = await api.get(C2, user=LIMITED_TA, dialect="canvas")
    assert status == 200
    essay = body[0]
    assert essay["tardiness_breakdown"] == {
        "missing": 0.5,
        "late": 0.5,
        "on_time": 0.0,
        "floating": 0.0,
        "total": 2,
    }
    assert [essay[k] for k in ("max_score", "min_score", "first_quartile", "median", "third_quartile")] == [
        6.5
    ] * 5
    project = body[4]
    assert project["tardiness_breakdown"]["total"] == 2  # both are in section 101, both assigned


# --- C2 async ----------------------------------------------------------------------------------------


async def _poll(api: Api, url: str, user: int) -> dict[str, Any]:
    for _ in range(200):
        status, progress, _ = await api.get(url, user=user)
        assert status == 200, progress
        if progress["workflow_state"] in ("completed", "failed"):
            return dict(progress)
        await asyncio.sleep(0.02)
    raise AssertionError("the job did not finish")


async def test_async_course_assignments(api: Api, api_for: ApiFactory) -> None:
    status, body, _ = await api.get(C2, user=ADMIN, params={"async": "true"})
    assert status == 200
    assert list(body) == ["progress_url"]
    base = str(api.client.make_url("")).rstrip("/")
    assert body["progress_url"].startswith(f"{base}/api/v1/progress/")
    path = body["progress_url"][len(base) :]
    progress = await _poll(api, path, TEACHER)  # any caller who may read C2 may follow the job
    assert list(progress) == [
        "id",
        "context_id",
        "context_type",
        "user_id",
        "tag",
        "completion",
        "workflow_state",
        "created_at",
        "updated_at",
        "message",
        "url",
    ]
    assert progress["context_id"] == 10
    assert progress["context_type"] == "Course"
    assert progress["user_id"] is None
    assert progress["tag"] == "permitted_course_assignments"
    assert progress["workflow_state"] == "completed"
    assert progress["completion"] == 100.0
    assert progress["url"] == body["progress_url"]
    # The re-request returns the data, in the request's dialect.
    assert await _raw(api, C2 + "?async=1", ADMIN, "documented") == _bytes(C2_DOCUMENTED)
    assert await _raw(api, C2 + "?async=yes", ADMIN, "canvas") == _bytes(C2_CANVAS)
    # The job's record is not for everyone, and unknown ids are 404.
    assert (await api.get(path, user=ANN))[0] == 403
    assert (await api.get(path, user=None))[0] == 401
    assert (await api.get("/api/v1/progress/99999", user=ADMIN))[:2] == (404, NOT_FOUND)
    assert (await api.get("/api/v1/progress/abc", user=ADMIN))[:2] == (404, NOT_FOUND)
    # A section-limited caller sees other students: a job of its own.
    status, body, _ = await api.get(C2, user=LIMITED_TA, params={"async": "on"})
    assert list(body) == ["progress_url"]
    # async=false (or anything not truthy) is the synchronous call.
    assert await _raw(api, C2 + "?async=false", ADMIN, "documented") == _bytes(C2_DOCUMENTED)


async def _raw(api: Api, path: str, user: int, dialect: str) -> bytes:
    headers = {"Authorization": f"Bearer {await api.token(user)}", "X-Analytics-Dialect": dialect}
    async with api.client.get(path, headers=headers) as response:
        assert response.status == 200
        return await response.read()


async def test_async_results_are_not_served_after_an_import(
    engine: Any, api_for: ApiFactory, tmp_path: Path
) -> None:
    ds = institution()
    api = await api_for(ds)
    _, body, _ = await api.get(C2, user=ADMIN, params={"async": "true"})
    base = str(api.client.make_url("")).rstrip("/")
    await _poll(api, body["progress_url"][len(base) :], ADMIN)
    _, cached, _ = await api.get(C2, user=ADMIN, params={"async": "true"}, dialect="canvas")
    assert cached[0]["title"] == "Essay"
    # An import commits (the essay is renamed): the finished job's results are not served any more.
    ds.update("assignments", 31, title="Essay (revised)")
    await ds.load(engine, tmp_path / "again")
    _, body, _ = await api.get(C2, user=ADMIN, params={"async": "true"})
    assert list(body) == ["progress_url"]
    await _poll(api, body["progress_url"][len(base) :], ADMIN)
    _, fresh, _ = await api.get(C2, user=ADMIN, params={"async": "true"}, dialect="canvas")
    assert fresh[0]["title"] == "Essay (revised)"


# --- C3 -----------------------------------------------------------------------------------------------

# Page views [3, 1, 0, 5, 1] → Q1 0.5, Q3 4.0; participations [1, 1, 0, 0, 0] → Q1 0.0, Q3 1.0.
# (id, views, views level, participations, participations level, missing, late, on_time, floating, total)
ROWS: dict[int, tuple[int, ...]] = {
    ANN: (3, 2, 1, 3, 0, 0, 5, 1, 6),
    BOB: (1, 2, 1, 3, 0, 2, 2, 2, 6),
    CAT: (0, 0, 0, 0, 3, 0, 1, 2, 6),
    DAN: (5, 3, 0, 0, 0, 1, 1, 3, 5),
    EVE: (1, 2, 0, 0, 1, 0, 2, 2, 5),
}


def _canvas_row(uid: int, *, max_views: int = 5, max_parts: int = 1) -> dict[str, Any]:
    views, vlevel, parts, plevel, missing, late, on_time, floating, total = ROWS[uid]
    return {
        "id": uid,
        "page_views": views,
        "max_page_views": max_views,
        "page_views_level": vlevel,
        "participations": parts,
        "max_participations": max_parts,
        "participations_level": plevel,
        "tardiness_breakdown": {
            "missing": missing,
            "late": late,
            "on_time": on_time,
            "floating": floating,
            "total": total,
        },
    }


def _documented_row(uid: int) -> dict[str, Any]:
    views, vlevel, parts, plevel, missing, late, on_time, floating, total = ROWS[uid]
    return {
        "id": uid,
        "page_views": views,
        "page_views_level": str(vlevel),
        "max_page_view": 5,
        "participations": parts,
        "participations_level": str(plevel),
        "max_participations": 1,
        "tardiness_breakdown": {
            "total": total,
            "on_time": on_time,
            "late": late,
            "missing": missing,
            "floating": floating,
        },
    }


BY_NAME = [ANN, BOB, DAN, CAT, EVE]  # Adams, Brown, Čapek (accents break ties only), clark, Evans


async def test_student_summaries_canvas(api: Api) -> None:
    raw = await api.raw(C3 + "?per_page=100", user=ADMIN, dialect="canvas")
    assert raw == _bytes([_canvas_row(uid) for uid in BY_NAME])


async def test_student_summaries_documented(api: Api) -> None:
    raw = await api.raw(C3 + "?per_page=100", user=TEACHER, dialect="documented")
    assert raw == _bytes([_documented_row(uid) for uid in BY_NAME])


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (None, BY_NAME),
        ("name", BY_NAME),
        ("name_ascending", BY_NAME),
        ("name_descending", BY_NAME[::-1]),
        ("bogus", BY_NAME),
        # nulls first, then by id among equal scores: Bob (none), Cat 70, Eve 70, Ann 88.5, Dan 95.25
        ("score", [BOB, CAT, EVE, ANN, DAN]),
        ("score_ascending", [BOB, CAT, EVE, ANN, DAN]),
        ("score_descending", [DAN, ANN, EVE, CAT, BOB]),
        ("participations", [CAT, DAN, EVE, ANN, BOB]),
        ("participations_ascending", [CAT, DAN, EVE, ANN, BOB]),
        ("participations_descending", [BOB, ANN, EVE, DAN, CAT]),
        ("page_views", [CAT, BOB, EVE, ANN, DAN]),
        ("page_views_ascending", [CAT, BOB, EVE, ANN, DAN]),
        ("page_views_descending", [DAN, ANN, EVE, BOB, CAT]),
    ],
)
async def test_student_summary_sorts(api: Api, sort: str | None, order: list[int]) -> None:
    params = {"per_page": "100"} | ({"sort_column": sort} if sort else {})
    status, body, _ = await api.get(C3, user=ADMIN, params=params)
    assert status == 200
    assert [row["id"] for row in body] == order


async def test_student_summaries_of_a_section_limited_ta(api: Api) -> None:
    # Section 101 holds Bob and Cat: levels and maxima over those two (CONTRACT §7.13).
    # Views [1, 0] → Q1 0.0, Q3 1.0: Bob 3, Cat 0; participations likewise.
    status, body, _ = await api.get(C3, user=LIMITED_TA, dialect="canvas")
    assert status == 200
    bob = _canvas_row(BOB, max_views=1, max_parts=1) | {"page_views_level": 3}
    cat = _canvas_row(CAT, max_views=1, max_parts=1)
    assert body == [bob, cat]


async def test_student_id_restricts_the_list(api: Api) -> None:
    # Any sort, page views included, still returns the student (Canvas may return an empty page).
    for sort in ("page_views_descending", "participations", "name", "score"):
        status, body, _ = await api.get(C3, user=ADMIN, params={"student_id": str(DAN), "sort_column": sort})
        assert (status, [r["id"] for r in body]) == (200, [DAN]), sort
        assert body[0]["page_views_level"] == "3"  # levels still over the whole class
    for other in ("999", "abc", "sis_user_id:x", "self", str(TEACHER)):
        assert (await api.get(C3, user=ADMIN, params={"student_id": other}))[:2] == (200, []), other
    # The limited TA cannot see Dan (section 100).
    assert (await api.get(C3, user=LIMITED_TA, params={"student_id": str(DAN)}))[:2] == (200, [])


async def test_pagination_and_link_header(api: Api) -> None:
    status, body, headers = await api.get(
        C3, user=ADMIN, params=[("sort_column", "name"), ("page", "2"), ("per_page", "2")]
    )
    assert status == 200
    assert [r["id"] for r in body] == [DAN, CAT]
    base = f"{str(api.client.make_url('')).rstrip('/')}/api/v1/courses/10/analytics/student_summaries"
    link = f"{base}?sort_column=name&page={{}}&per_page=2"
    assert headers["Link"] == ",".join(
        [
            f'<{link.format(2)}>; rel="current"',
            f'<{link.format(3)}>; rel="next"',
            f'<{link.format(1)}>; rel="prev"',
            f'<{link.format(1)}>; rel="first"',
            f'<{link.format(3)}>; rel="last"',
        ]
    )
    # The last page has no next; past the end is 404 with the plain body (CONTRACT §7.12).
    status, body, headers = await api.get(C3, user=ADMIN, params={"page": "3", "per_page": "2"})
    assert [r["id"] for r in body] == [EVE]
    link = f"{base}?page={{}}&per_page=2"
    assert headers["Link"] == ",".join(
        [
            f'<{link.format(3)}>; rel="current"',
            f'<{link.format(2)}>; rel="prev"',
            f'<{link.format(1)}>; rel="first"',
            f'<{link.format(3)}>; rel="last"',
        ]
    )
    for page in ("4", "0", "-1"):
        assert (await api.get(C3, user=ADMIN, params={"page": page, "per_page": "2"}))[:2] == (404, NOT_FOUND)


async def test_per_page_rules_and_forwarded_host(api: Api) -> None:
    async def ids(params: list[tuple[str, str]]) -> list[int]:
        status, body, _ = await api.get(C3, user=ADMIN, params=params)
        assert status == 200
        return [r["id"] for r in body]

    assert len(await ids([])) == 5  # default 10
    assert len(await ids([("per_page", "0")])) == 1  # clamped up to 1
    assert len(await ids([("per_page", "abc")])) == 1  # Ruby to_i → 0 → 1
    assert len(await ids([("per_page", "3xyz")])) == 3
    assert len(await ids([("per_page", "1000")])) == 5  # clamped to 100
    assert len(await ids([("per_page", "4"), ("per_page", "2")])) == 2  # the last value wins
    token = await api.token(ADMIN)
    status, _, headers = await api.get(
        "/api/v1/courses/sis_course_id:BIO-101/analytics/student_summaries",
        user=None,
        params={"per_page": "2", "access_token": token},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "canvas.example.edu"},
    )
    assert status == 200
    # Numeric course id, the proxy's scheme and host, and never the token.
    first = "https://canvas.example.edu/api/v1/courses/10/analytics/student_summaries?page=1&per_page=2"
    assert headers["Link"].startswith(f'<{first}>; rel="current",')
    assert token not in headers["Link"]


# --- a course without students (CONTRACT §3.2) --------------------------------------------------------


async def test_course_without_students_answers_with_its_data(api_for: ApiFactory) -> None:
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(1, root=root)
    course = ds.course(10, account=root, term=term)
    section = ds.section(100, course=course)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    ds.user(TEACHER, name="Teacher")
    ds.enroll(TEACHER, course=course, section=section, type="TeacherEnrollment")
    ds.user(40, name="Invited")
    ds.enroll(40, course=course, section=section, state="invited")
    ds.assignment(31, course=course, title="Essay", points_possible=10.0, due_at=None)
    ds.page_view(user=TEACHER, course=course, at=datetime(2026, 3, 1, 9))
    api = await api_for(ds)
    assert await api.raw(C1, user=ADMIN, dialect="canvas") == _bytes(
        [{"date": "2026-03-01", "views": 1, "participations": 0, "id": None}]
    )
    assert await api.raw(C2, user=ADMIN, dialect="canvas") == _bytes(
        [
            {
                "assignment_id": 31,
                "title": "Essay",
                "due_at": None,
                "muted": False,
                "points_possible": 10.0,
                "non_digital_submission": False,
                "max_score": None,
                "min_score": None,
                "first_quartile": None,
                "median": None,
                "third_quartile": None,
                "tardiness_breakdown": {
                    "missing": 0.0,
                    "late": 0.0,
                    "on_time": 0.0,
                    "floating": 0.0,
                    "total": 0,
                },
            }
        ]
    )
    status, body, headers = await api.get(C3, user=TEACHER)
    assert (status, body) == (200, [])
    assert 'rel="last"' in headers["Link"]
    assert (await api.get(C3, user=TEACHER, params={"page": "2"}))[:2] == (404, NOT_FOUND)
