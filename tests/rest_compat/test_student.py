"""S1 student activity and S2 student assignments, both dialects, privileged and self callers.

The course is ``_coursework``'s; every expected body is written out by hand and compared byte for byte.
"""

from __future__ import annotations

from typing import Any

import orjson
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
from tests.rest_compat.conftest import Api, ApiFactory

S = "/api/v1/courses/10/analytics/users/{}/{}"
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


@pytest.fixture
async def api(api_for: ApiFactory) -> Api:
    return await api_for(institution())


def _bytes(value: Any) -> bytes:
    return orjson.dumps(value)


# --- S1 -----------------------------------------------------------------------------------------------

ANN_PARTICIPATIONS = [{"created_at": "2026-03-01T10:30:00Z", "url": PARTICIPATION_URL}]


async def test_student_activity_documented_hours(api: Api) -> None:
    # Ann: 10:00 and 10:30 in hour 10, 11:00 in hour 11; the admin's masquerading view is not hers.
    expected = {
        "page_views": {"2026-03-01T10:00:00-00:00": 2, "2026-03-01T11:00:00-00:00": 1},
        "participations": ANN_PARTICIPATIONS,
    }
    assert await api.raw(S.format(ANN, "activity"), user=ADMIN, dialect="documented") == _bytes(expected)
    eve = {"page_views": {"2026-03-03T23:00:00-00:00": 1}, "participations": []}
    assert await api.raw(S.format(EVE, "activity"), user=TEACHER, dialect="documented") == _bytes(eve)


async def test_student_activity_canvas_days(api: Api) -> None:
    expected = {"page_views": {"2026-03-01": 3}, "participations": ANN_PARTICIPATIONS}
    assert await api.raw(S.format(ANN, "activity"), user=ANN, dialect="canvas") == _bytes(expected)
    bob = {
        "page_views": {"2026-03-02": 1},
        "participations": [
            {"created_at": "2026-03-02T09:00:00Z", "url": "https://canvas.example.edu/courses/10/quizzes/1"}
        ],
    }
    assert await api.raw(S.format(BOB, "activity"), user=LIMITED_TA, dialect="canvas") == _bytes(bob)
    cat: dict[str, Any] = {"page_views": {}, "participations": []}
    assert await api.raw(S.format(CAT, "activity"), user=ADMIN, dialect="canvas") == _bytes(cat)


async def test_student_routes_respect_sections_and_roles(api: Api) -> None:
    for leaf in ("activity", "assignments"):
        assert (await api.get(S.format(DAN, leaf), user=LIMITED_TA))[:2] == (404, NOT_FOUND)
        assert (await api.get(S.format(TEACHER, leaf), user=ADMIN))[:2] == (404, NOT_FOUND)
        assert (await api.get(S.format(BOB, leaf), user=ANN))[0] == 403
        assert (await api.get(S.format("self", leaf), user=ANN))[0] == 200


# --- S2 -----------------------------------------------------------------------------------------------

ESSAY_STATS = {
    "min_score": 6.5,
    "max_score": 10.0,
    "median": 8.0,
    "first_quartile": 6.5,
    "third_quartile": 10.0,
}
READING_STATS = {
    "min_score": 0.0,
    "max_score": 4.0,
    "median": 2.0,
    "first_quartile": 0.5,
    "third_quartile": 3.5,
}
QUIZ_STATS = {
    "min_score": 12.0,
    "max_score": 18.0,
    "median": 15.0,
    "first_quartile": 12.0,
    "third_quartile": 18.0,
}
WORKSHEET_STATS = {
    "min_score": 5.0,
    "max_score": 5.0,
    "median": 5.0,
    "first_quartile": 5.0,
    "third_quartile": 5.0,
}
PROJECT_STATS = {
    "min_score": 85.0,
    "max_score": 90.0,
    "median": 87.5,
    "first_quartile": 85.0,
    "third_quartile": 90.0,
}
NO_STATS = {
    "min_score": None,
    "max_score": None,
    "median": None,
    "first_quartile": None,
    "third_quartile": None,
}


def _doc(
    aid: int,
    title: str,
    points: float | None,
    due: str | None,
    *,
    unlock: str | None = None,
    muted: bool = False,
    stats: dict[str, Any] | None = None,
    modules: list[int] | None = None,
    submission: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assignment_id": aid,
        "title": title,
        "points_possible": points,
        "due_at": due,
        "unlock_at": unlock,
        "muted": muted,
    }
    if stats is not None:
        out |= stats
    out["module_ids"] = modules or []
    if submission is not None:
        out["submission"] = submission
    return out


def _sub(
    posted: str | None, submitted: str | None, score: float | None = None, *, hidden: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {"posted_at": posted, "submitted_at": submitted}
    if not hidden:
        out["score"] = score
    return out


async def test_student_assignments_documented_privileged(api: Api) -> None:
    # A privileged caller sees every statistic, muted false and every score (CONTRACT §7.4, §7.6).
    expected = [
        _doc(
            31,
            "Essay",
            10.0,
            "2026-03-10T00:00:00Z",
            unlock="2026-03-01T00:00:00Z",
            stats=ESSAY_STATS,
            modules=[41, 42],  # not the deleted module 43, not through the deleted item in 44
            submission=_sub("2026-03-12T00:00:00Z", "2026-03-09T00:00:00Z", 8.0),
        ),
        _doc(
            38,
            "Reading",
            10.0,
            "2026-03-15T00:00:00Z",
            stats=READING_STATS,
            modules=[42],  # through its graded discussion's module item
            submission=_sub("2026-03-16T00:00:00Z", "2026-03-14T00:00:00Z", 4.0),
        ),
        _doc(
            32,
            "Quiz",
            20.0,
            "2026-03-20T12:00:00Z",
            stats=QUIZ_STATS,
            submission=_sub(None, "2026-03-20T12:00:45Z", 15.0),
        ),
        _doc(
            33,
            "Worksheet",
            None,
            "2026-04-01T00:00:00Z",
            stats=WORKSHEET_STATS,
            # Graded on paper: the recorded time is the grading time (before the due date).
            submission=_sub("2026-03-26T00:00:00Z", "2026-03-25T00:00:00Z", 5.0),
        ),
        _doc(
            34,
            "Project",
            100.0,
            "2026-05-05T00:00:00Z",  # Ann's own (ADHOC) due date
            stats=PROJECT_STATS,
            submission=_sub("2026-05-06T00:00:00Z", "2026-05-04T00:00:00Z", 90.0),
        ),
        _doc(35, "Future", 5.0, "2099-01-01T00:00:00Z", stats=NO_STATS),
        _doc(37, "Undated", 10.0, None, stats=NO_STATS, submission=_sub(None, "2026-03-01T00:00:00Z", None)),
    ]
    assert await api.raw(S.format(ANN, "assignments"), user=ADMIN, dialect="documented") == _bytes(expected)


async def test_student_assignments_documented_self(api: Api) -> None:
    # Ann herself: statistics only where at least 5 current students submitted or were scored and the
    # assignment is not muted (only Reading); her unposted quiz score and ungraded work have no score key.
    expected = [
        _doc(
            31,
            "Essay",
            10.0,
            "2026-03-10T00:00:00Z",
            unlock="2026-03-01T00:00:00Z",
            modules=[41, 42],
            submission=_sub("2026-03-12T00:00:00Z", "2026-03-09T00:00:00Z", 8.0),
        ),
        _doc(
            38,
            "Reading",
            10.0,
            "2026-03-15T00:00:00Z",
            stats=READING_STATS,
            modules=[42],
            submission=_sub("2026-03-16T00:00:00Z", "2026-03-14T00:00:00Z", 4.0),
        ),
        _doc(
            32,
            "Quiz",
            20.0,
            "2026-03-20T12:00:00Z",
            muted=True,
            submission=_sub(None, "2026-03-20T12:00:45Z", hidden=True),
        ),
        _doc(
            33,
            "Worksheet",
            None,
            "2026-04-01T00:00:00Z",
            submission=_sub("2026-03-26T00:00:00Z", "2026-03-25T00:00:00Z", 5.0),
        ),
        _doc(
            34,
            "Project",
            100.0,
            "2026-05-05T00:00:00Z",
            submission=_sub("2026-05-06T00:00:00Z", "2026-05-04T00:00:00Z", 90.0),
        ),
        _doc(35, "Future", 5.0, "2099-01-01T00:00:00Z"),
        _doc(37, "Undated", 10.0, None, submission=_sub(None, "2026-03-01T00:00:00Z", hidden=True)),
    ]
    assert await api.raw(S.format("self", "assignments"), user=ANN, dialect="documented") == _bytes(expected)


def _canvas(
    aid: int,
    title: str,
    points: float | None,
    due: str | None,
    status: str,
    *,
    unlock: str | None = None,
    non_digital: bool = False,
    muted: bool = False,
    stats: dict[str, Any] | None = None,
    modules: list[int] | None = None,
    excused: bool | None = None,
    submission: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assignment_id": aid,
        "title": title,
        "unlock_at": unlock,
        "points_possible": points,
        "non_digital_submission": non_digital,
        "multiple_due_dates": False,
        "due_at": due,
        "status": status,
        "muted": muted,
    }
    if stats is not None:
        for key in ("max_score", "min_score", "first_quartile", "median", "third_quartile"):
            out[key] = stats[key]
    out["module_ids"] = modules or []
    if excused is not None:
        out["excused"] = excused
    if submission is not None:
        out["submission"] = submission
    return out


def _csub(posted: str | None, score: float | None, submitted: str | None) -> dict[str, Any]:
    return {"posted_at": posted, "score": score, "submitted_at": submitted}


async def test_student_assignments_canvas_self(api: Api) -> None:
    expected = [
        _canvas(
            31,
            "Essay",
            10.0,
            "2026-03-10T00:00:00Z",
            "on_time",
            unlock="2026-03-01T00:00:00Z",
            modules=[41, 42],
            excused=False,
            submission=_csub("2026-03-12T00:00:00Z", 8.0, "2026-03-09T00:00:00Z"),
        ),
        _canvas(
            38,
            "Reading",
            10.0,
            "2026-03-15T00:00:00Z",
            "on_time",
            stats=READING_STATS,
            modules=[42],
            excused=False,
            submission=_csub("2026-03-16T00:00:00Z", 4.0, "2026-03-14T00:00:00Z"),
        ),
        _canvas(
            32,
            "Quiz",
            20.0,
            "2026-03-20T12:00:00Z",
            "on_time",  # 45 s after the due time, within the 60 s quiz grace
            muted=True,
            excused=False,
            submission=_csub(None, None, "2026-03-20T12:00:45Z"),  # unposted: score null
        ),
        _canvas(
            33,
            "Worksheet",
            None,
            "2026-04-01T00:00:00Z",
            "on_time",
            non_digital=True,
            excused=False,
            submission=_csub("2026-03-26T00:00:00Z", 5.0, "2026-03-25T00:00:00Z"),
        ),
        _canvas(
            34,
            "Project",
            100.0,
            "2026-05-05T00:00:00Z",
            "on_time",
            excused=False,
            submission=_csub("2026-05-06T00:00:00Z", 90.0, "2026-05-04T00:00:00Z"),
        ),
        _canvas(35, "Future", 5.0, "2099-01-01T00:00:00Z", "floating"),
        _canvas(
            37,
            "Undated",
            10.0,
            None,
            "on_time",
            excused=False,
            submission=_csub(None, None, "2026-03-01T00:00:00Z"),
        ),
    ]
    assert await api.raw(S.format(ANN, "assignments"), user=ANN, dialect="canvas") == _bytes(expected)


async def test_student_assignments_canvas_excused_and_unassigned(api: Api) -> None:
    # Dan: excused on the essay (excused: true, no submission block); the project is not assigned to him
    # (section 100, no override for him): absent. No submission for the on-paper worksheet, due in the
    # past: missing.
    expected = [
        _canvas(
            31,
            "Essay",
            10.0,
            "2026-03-10T00:00:00Z",
            "floating",
            unlock="2026-03-01T00:00:00Z",
            stats=ESSAY_STATS,
            modules=[41, 42],
            excused=True,
        ),
        _canvas(
            38,
            "Reading",
            10.0,
            "2026-03-15T00:00:00Z",
            "on_time",
            stats=READING_STATS,
            modules=[42],
            excused=False,
            submission=_csub("2026-03-16T00:00:00Z", 1.0, "2026-03-14T00:00:00Z"),
        ),
        _canvas(
            32,
            "Quiz",
            20.0,
            "2026-03-20T12:00:00Z",
            "late",  # two minutes after the due time: past the grace
            stats=QUIZ_STATS,  # a privileged caller: muted false, statistics shown
            excused=False,
            submission=_csub("2026-03-21T00:00:00Z", 18.0, "2026-03-20T12:02:00Z"),
        ),
        _canvas(
            33,
            "Worksheet",
            None,
            "2026-04-01T00:00:00Z",
            "missing",
            non_digital=True,
            stats=WORKSHEET_STATS,
        ),
        _canvas(35, "Future", 5.0, "2099-01-01T00:00:00Z", "floating", stats=NO_STATS),
        _canvas(37, "Undated", 10.0, None, "floating", stats=NO_STATS),
    ]
    assert await api.raw(S.format(DAN, "assignments"), user=TEACHER, dialect="canvas") == _bytes(expected)
    # Documented dialect: the excused submission is shown like any other (CONTRACT §7.7).
    status, body, _ = await api.get(S.format(DAN, "assignments"), user=TEACHER, dialect="documented")
    assert status == 200
    assert body[0]["submission"] == {"posted_at": "2026-03-12T00:00:00Z", "submitted_at": None, "score": None}


async def test_hide_distribution_graphs_hides_statistics_from_students(api_for: ApiFactory) -> None:
    ds = institution()
    ds.update("courses", 10, settings={"hide_distribution_graphs": True})
    api = await api_for(ds)
    _, mine, _ = await api.get(S.format(ANN, "assignments"), user=ANN, dialect="documented")
    assert "median" not in mine[1]  # Reading: hidden by the course setting
    _, theirs, _ = await api.get(S.format(ANN, "assignments"), user=ADMIN, dialect="documented")
    assert theirs[1]["median"] == 2.0  # privileged callers see everything
