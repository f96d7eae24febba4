"""A real Canvas client library, ``canvasapi`` from PyPI, pointed at a running gateway.

Every analytics call canvasapi offers must return what the gateway serves, and its paginated list of
student summaries must walk every page through our ``Link`` headers. canvasapi is synchronous, so its
calls run in a worker thread while the server runs on the test's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from canvasapi import Canvas
from canvasapi.account import Account
from canvasapi.course import Course

from tests._dataset import Dataset
from tests.rest_compat.conftest import ApiFactory

# The test server speaks plain HTTP on loopback; canvasapi warns about that on every client.
pytestmark = pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")

ADMIN = 9
STUDENTS = list(range(100, 125))  # 25 students: three pages of 10
T = TypeVar("T")


def _institution() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    dept = ds.account(2, name="Department", parent=root)
    term = ds.term(5, root=root)
    course = ds.course(10, account=dept, term=term, name="Biology")
    section = ds.section(20, course=course)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    teacher = ds.user(8, name="Teacher")
    ds.enroll(teacher, course=course, section=section, type="TeacherEnrollment")
    start = datetime(2026, 2, 2, 9)
    assignment = ds.assignment(40, course=course, title="Essay", due_at=start + timedelta(days=3))
    for n, uid in enumerate(STUDENTS):
        ds.user(uid, name=f"Student {n:02d}", sortable_name=f"{n:02d}, Student")
        enrollment = ds.enroll(uid, course=course, section=section)
        ds.score(enrollment, 50.0 + n)
        for k in range(n % 4):
            ds.page_view(user=uid, course=course, at=start + timedelta(hours=k), participated=k == 0)
        ds.submission(
            assignment=assignment, user=uid, submitted_at=start + timedelta(days=1 + n % 5), score=float(n)
        )
    ds.add("conversations", 70, context_id=course, context_type="Course", tags=f"course_{course}")
    ds.add(
        "conversation_messages",
        71,
        conversation_id=70,
        author_id=STUDENTS[0],
        created_at=start,
        generated=False,
    )
    for participant in (STUDENTS[0], teacher):
        ds.add("conversation_message_participants", None, conversation_message_id=71, user_id=participant)
    return ds


async def _call(fn: Callable[[], T]) -> T:
    return await asyncio.to_thread(fn)


async def test_canvasapi_gets_every_analytic(api_for: ApiFactory) -> None:
    api = await api_for(_institution())
    token = await api.token(ADMIN)
    canvas = Canvas(str(api.client.make_url("")).rstrip("/"), token)
    requester = canvas._Canvas__requester  # canvasapi's own HTTP stack (auth header, base URL, errors)
    account = Account(requester, {"id": 2})
    course = Course(requester, {"id": 10})

    async def ours(path: str, **params: str) -> Any:
        status, body, _ = await api.get(f"/api/v1/{path}", user=ADMIN, params=params or None)
        assert status == 200, (path, body)
        return body

    checks: list[tuple[Callable[[], Any], str]] = [
        (account.get_department_level_participation_data_current, "accounts/2/analytics/current/activity"),
        (
            account.get_department_level_participation_data_completed,
            "accounts/2/analytics/completed/activity",
        ),
        (
            lambda: account.get_department_level_participation_data_with_given_term(5),
            "accounts/2/analytics/terms/5/activity",
        ),
        (account.get_department_level_grade_data_current, "accounts/2/analytics/current/grades"),
        (account.get_department_level_grade_data_completed, "accounts/2/analytics/completed/grades"),
        (
            lambda: account.get_department_level_grade_data_with_given_term(5),
            "accounts/2/analytics/terms/5/grades",
        ),
        (account.get_department_level_statistics_current, "accounts/2/analytics/current/statistics"),
        (account.get_department_level_statistics_completed, "accounts/2/analytics/completed/statistics"),
        (
            lambda: account.get_department_level_statistics_with_given_term(5),
            "accounts/2/analytics/terms/5/statistics",
        ),
        (
            lambda: requester.request("GET", "accounts/2/analytics/current/statistics_by_subaccount").json(),
            "accounts/2/analytics/current/statistics_by_subaccount",
        ),
        (course.get_course_level_participation_data, "courses/10/analytics/activity"),
        (course.get_course_level_assignment_data, "courses/10/analytics/assignments"),
        (
            lambda: course.get_user_in_a_course_level_participation_data(100),
            "courses/10/analytics/users/100/activity",
        ),
        (
            lambda: course.get_user_in_a_course_level_assignment_data(100),
            "courses/10/analytics/users/100/assignments",
        ),
        (
            lambda: course.get_user_in_a_course_level_messaging_data(100),
            "courses/10/analytics/users/100/communication",
        ),
    ]
    for call, path in checks:
        assert await _call(call) == await ours(path), path

    # The grades histogram is the 101 keys "0".."100" in order and counts every student's score once.
    grades = await _call(account.get_department_level_grade_data_current)
    assert list(grades) == [str(i) for i in range(101)]
    assert sum(grades.values()) == len(STUDENTS)
    communication = await _call(lambda: course.get_user_in_a_course_level_messaging_data(100))
    assert communication == {"2026-02-02": {"studentMessages": 1}}


async def test_canvasapi_follows_student_summary_pages_to_the_end(api_for: ApiFactory) -> None:
    api = await api_for(_institution())
    canvas = Canvas(str(api.client.make_url("")).rstrip("/"), await api.token(ADMIN))
    course = Course(canvas._Canvas__requester, {"id": 10})
    for sort in ("name", "page_views_descending", "score_ascending", "participations"):
        pages = course.get_course_level_student_summary_data(sort_column=sort, per_page=10)
        summaries: list[Any] = await asyncio.to_thread(list, pages)
        everyone = (
            await api.get(
                "/api/v1/courses/10/analytics/student_summaries",
                user=ADMIN,
                params={"sort_column": sort, "per_page": "100"},
            )
        )[1]
        assert [s.id for s in summaries] == [row["id"] for row in everyone], sort
        assert sorted(s.id for s in summaries) == STUDENTS
    by_name = await _call(lambda: list(course.get_course_level_student_summary_data(per_page=10)))
    assert [s.id for s in by_name] == STUDENTS  # sortable names "00, Student" .. "24, Student"
