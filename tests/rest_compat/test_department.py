"""D1 department activity, D2 grades, D3 statistics and D4 statistics by sub-account, both dialects.

Every expected body is written out by hand from the institution below and compared byte for byte, so key
order is checked too.

Accounts (root 1)::

    1 Root ─┬─ 2 Science (sis SCI) ─┬─ 3 Biology ── 5 Genetics
            │                       ├─ 4 Chemistry
            │                       ├─ 6 Closed (deleted) ── 7 Under closed
            │                       └─ 8 Physics (workflow_state NULL: not deleted)
            └─ 20 Arts

Terms: 1 Default Term (sis DEF), 2 Spring (sis SP26, running now: the `current` term), 3 Fall (no courses),
4 Old (deleted).

Courses (term 1 unless noted):

    10 Intro (2), 11 Cells (3), 12 DNA (5), 21 Art (20): available
    13 Old Chem (4): completed
    14 Draft (3): created; 15 Gone (4): deleted; 22 Claimed (2, term 2): claimed — never counted
    16 Closed course (7), 17 Closed direct (6): available but under a deleted account
    18 Spring Bio (3, term 2): available; 19 Spring Chem (4, term 2): completed

Enrollments (active unless noted):

    teachers: 51 in 10 and 11; 52 in 12 (completed); 54 in 11 (invited); 55 in 13; 56 in 16; 58 in 19
    others:   53 TA in 10; 57 designer in 10; 64 observer in 10
    students: 60 in 12 (no score); 61 Ann in 10 (11.5), 11 (100.4; an assignment-group score 77.0),
              12 (100.6) and 16 (55.0); 62 Bob in 10 (completed, 12.5) and twice in 11 (sections 110: no
              score, 111: 0.4); 63 Test Student in 10 (50.0); 65 in 11 (invited); 66 in 12 (deleted,
              40.0); 67 in 13 (88.0); 68 in 18 (no score); 69 in 14 (30.0); 70 in 21 (70.0)

Content (course context unless noted):

    discussion topics: 10: active, announcement, NULL state, unpublished, deleted; 11: active;
                       a Group topic with context id 10; 14: active
    media objects:     10: active, deleted; 12: two active; a User one with context id 12
    attachments:       10: available; 11: two available, one deleted, one hidden; a User one with
                       context id 11; 21: available
    assignments:       10: two published, unpublished, deleted; 12: published; 13: published;
                       16: published

Page views (UTC):

    10: Ann 03-01 10:00 courses (participated); teacher 51 03-01 11:00 assignments;
        Test Student 03-02 09:00 Quizzes/Quizzes; Ann masqueraded by 9 03-02 courses (not a page view)
    11: Bob 03-01 23:59:59 discussion_entries (participated); Bob 03-03 00:00 wiki_pages;
        Ann 03-03 some_plugin; Ann 03-03 no controller
    12: 60 02-28 gradebooks
    13: 67 01-15 context_modules (participated)
    14: Ann 03-01 files; 16: Ann 03-01 courses
    18: 68 04-01 announcements; 19: teacher 58 04-01 collaborations
    21: 70 03-05 files
    none: Ann 03-01 without a course
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.config import RestDialect
from analytics_gateway.storage.queries import _util
from tests._dataset import Dataset
from tests._sql import recorded_statements
from tests.rest_compat.conftest import Api, ApiFactory

ADMIN, SCIENCE_ADMIN, BIOLOGY_ADMIN = 9, 71, 72
TEACHER = 51
ANN, BOB = 61, 62
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
DIALECTS: tuple[RestDialect, RestDialect] = ("documented", "canvas")


def institution() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root", sis="ROOT")
    science = ds.account(2, name="Science", parent=root, sis="SCI")
    biology = ds.account(3, name="Biology", parent=science)
    chemistry = ds.account(4, name="Chemistry", parent=science)
    genetics = ds.account(5, name="Genetics", parent=biology)
    closed = ds.account(6, name="Closed", parent=science, state="deleted")
    under_closed = ds.account(7, name="Under closed", parent=closed)
    ds.account(8, name="Physics", parent=science)
    ds.update("accounts", 8, workflow_state=None)
    arts = ds.account(20, name="Arts", parent=root)

    default = ds.term(1, root=root, name="Default Term", sis="DEF")
    spring = ds.term(
        2, root=root, name="Spring", start_at=datetime(2000, 1, 1), end_at=datetime(2100, 1, 1), sis="SP26"
    )
    ds.term(3, root=root, name="Fall", sis="F25")
    ds.term(4, root=root, name="Old", state="deleted", sis="OLD")

    def course(id: int, account: int, term: int = default, state: str = "available") -> int:
        ds.course(id, account=account, term=term, name=f"Course {id}", state=state)
        ds.section(id * 10, course=id)
        return id

    intro = course(10, science)
    cells = course(11, biology)
    dna = course(12, genetics)
    old_chem = course(13, chemistry, state="completed")
    draft = course(14, biology, state="created")
    course(15, chemistry, state="deleted")
    closed_course = course(16, under_closed)
    course(17, closed)
    spring_bio = course(18, biology, term=spring)
    spring_chem = course(19, chemistry, term=spring, state="completed")
    art = course(21, arts)
    course(22, science, term=spring, state="claimed")
    ds.section(111, course=cells)

    for uid in (ADMIN, SCIENCE_ADMIN, BIOLOGY_ADMIN, *range(51, 59), *range(60, 71)):
        ds.user(uid, name=f"User {uid}")
    ds.admin(ADMIN, account=root)
    ds.admin(SCIENCE_ADMIN, account=science)
    ds.admin(BIOLOGY_ADMIN, account=biology)

    def enroll(user: int, course: int, type: str = "StudentEnrollment", **kw: Any) -> int:
        section = kw.pop("section", course * 10)
        return ds.enroll(user, course=course, section=section, type=type, **kw)

    enroll(TEACHER, intro, "TeacherEnrollment")
    enroll(TEACHER, cells, "TeacherEnrollment")
    enroll(52, dna, "TeacherEnrollment", state="completed")
    enroll(53, intro, "TaEnrollment")
    enroll(54, cells, "TeacherEnrollment", state="invited")
    enroll(55, old_chem, "TeacherEnrollment")
    enroll(56, closed_course, "TeacherEnrollment")
    enroll(57, intro, "DesignerEnrollment")
    enroll(58, spring_chem, "TeacherEnrollment")
    enroll(64, intro, "ObserverEnrollment", observes=ANN)

    enroll(60, dna)
    ds.score(enroll(ANN, intro), 11.5)
    ann_cells = enroll(ANN, cells)
    ds.score(ann_cells, 100.4)
    ds.score(ann_cells, 77.0, course_score=False)
    ds.score(enroll(ANN, dna), 100.6)
    ds.score(enroll(ANN, closed_course), 55.0)
    ds.score(enroll(BOB, intro, state="completed"), 12.5)
    enroll(BOB, cells, id=5000)
    ds.score(enroll(BOB, cells, section=111, id=5001), 0.4)
    ds.score(enroll(63, intro, "StudentViewEnrollment"), 50.0)
    enroll(65, cells, state="invited")
    ds.score(enroll(66, dna, state="deleted"), 40.0)
    ds.score(enroll(67, old_chem), 88.0)
    enroll(68, spring_bio)
    ds.score(enroll(69, draft), 30.0)
    ds.score(enroll(70, art), 70.0)

    def topic(course: int, state: str | None = "active", **kw: Any) -> None:
        values = {"context_id": course, "context_type": "Course", "workflow_state": state, **kw}
        ds.add("discussion_topics", None, **values)

    topic(intro)
    topic(intro, type="Announcement")
    topic(intro, state=None)
    topic(intro, state="unpublished")
    topic(intro, state="deleted")
    topic(cells)
    topic(intro, context_type="Group")
    topic(draft)

    def media(course: int, state: str = "active", context_type: str = "Course") -> None:
        ds.add("media_objects", None, context_id=course, context_type=context_type, workflow_state=state)

    media(intro)
    media(intro, "deleted")
    media(dna)
    media(dna)
    media(dna, context_type="User")

    def attachment(course: int, file_state: str = "available", context_type: str = "Course") -> None:
        ds.add("attachments", None, context_id=course, context_type=context_type, file_state=file_state)

    attachment(intro)
    attachment(cells)
    attachment(cells)
    attachment(cells, "deleted")
    attachment(cells, "hidden")
    attachment(cells, context_type="User")
    attachment(art)

    ds.assignment(course=intro)
    ds.assignment(course=intro)
    ds.assignment(course=intro, state="unpublished")
    ds.assignment(course=intro, state="deleted")
    ds.assignment(course=dna)
    ds.assignment(course=old_chem)
    ds.assignment(course=closed_course)

    def view(user: int, course: int | None, at: datetime, controller: str | None, **kw: Any) -> None:
        ds.page_view(user=user, course=course, at=at, controller=controller, **kw)

    view(ANN, intro, datetime(2026, 3, 1, 10), "courses", participated=True)
    view(TEACHER, intro, datetime(2026, 3, 1, 11), "assignments")
    view(63, intro, datetime(2026, 3, 2, 9), "Quizzes/Quizzes")
    view(ANN, intro, datetime(2026, 3, 2, 10), "courses", real_user=ADMIN)
    view(BOB, cells, datetime(2026, 3, 1, 23, 59, 59), "discussion_entries", participated=True)
    view(BOB, cells, datetime(2026, 3, 3), "wiki_pages")
    view(ANN, cells, datetime(2026, 3, 3, 8), "some_plugin")
    view(ANN, cells, datetime(2026, 3, 3, 9), None)
    view(60, dna, datetime(2026, 2, 28, 12), "gradebooks")
    view(67, old_chem, datetime(2026, 1, 15, 12), "context_modules", participated=True)
    view(ANN, draft, datetime(2026, 3, 1, 12), "files")
    view(ANN, closed_course, datetime(2026, 3, 1, 12), "courses")
    view(68, spring_bio, datetime(2026, 4, 1, 12), "announcements")
    view(58, spring_chem, datetime(2026, 4, 1, 13), "collaborations")
    view(70, art, datetime(2026, 3, 5, 12), "files")
    view(ANN, None, datetime(2026, 3, 1, 12), "courses")
    return ds


@pytest.fixture
async def api(api_for: ApiFactory) -> Api:
    return await api_for(institution())


def _path(account: str, scope: str, leaf: str) -> str:
    return f"/api/v1/accounts/{account}/analytics/{scope}/{leaf}"


async def _check(api: Api, path: str, dialect: RestDialect, expected: Any, *, user: int = ADMIN) -> None:
    raw = await api.raw(path, user=user, dialect=dialect)
    assert orjson.loads(raw) == expected, path
    assert raw == orjson.dumps(expected), path  # key order included


def _categories(**views: int) -> dict[str, int]:
    """The documented dialect's ``by_category``: all 13 categories, alphabetical."""
    names = (
        "announcements",
        "assignments",
        "collaborations",
        "conferences",
        "discussions",
        "files",
        "general",
        "grades",
        "groups",
        "modules",
        "other",
        "pages",
        "quizzes",
    )
    assert set(views) <= set(names)
    return {name: views.get(name, 0) for name in names}


def _histogram(counts: dict[int, int]) -> dict[str, int]:
    return {str(score): counts.get(score, 0) for score in range(101)}


def _statistics(*counts: int) -> dict[str, int]:
    keys = (
        "courses",
        "subaccounts",
        "teachers",
        "students",
        "discussion_topics",
        "media_objects",
        "attachments",
        "assignments",
    )
    assert len(counts) == len(keys)
    return dict(zip(keys, counts, strict=True))


def _row(name: str | None, id: int, *counts: int) -> dict[str, Any]:
    keys = (
        "courses",
        "teachers",
        "students",
        "discussion_topics",
        "media_objects",
        "attachments",
        "assignments",
    )
    assert len(counts) == len(keys)
    return {"name": name, "id": id, **dict(zip(keys, counts, strict=True))}


# --- D1 -----------------------------------------------------------------------------------------------

# Science, current (courses 10, 11, 12): 02-28 60's gradebooks; 03-01 Ann's courses (participated), the
# teacher's assignments, Bob's discussion_entries (participated, 23:59:59); 03-02 the Test Student's quiz
# (the masqueraded view is not one); 03-03 Bob's wiki page (00:00) and Ann's two `other` views.
# Draft (14) and the closed subtree (16) are not in the set; the course-less view is no page view.
SCIENCE_ACTIVITY_CANVAS = {
    "by_date": [
        {"date": "2026-02-28", "views": 1, "participations": 0, "id": None},
        {"date": "2026-03-01", "views": 3, "participations": 2, "id": None},
        {"date": "2026-03-02", "views": 1, "participations": 0, "id": None},
        {"date": "2026-03-03", "views": 3, "participations": 0, "id": None},
    ],
    "by_category": [
        {"category": "assignments", "views": 1, "id": None},
        {"category": "discussions", "views": 1, "id": None},
        {"category": "general", "views": 1, "id": None},
        {"category": "grades", "views": 1, "id": None},
        {"category": "other", "views": 2, "id": None},
        {"category": "pages", "views": 1, "id": None},
        {"category": "quizzes", "views": 1, "id": None},
    ],
}
SCIENCE_ACTIVITY_DOCUMENTED = {
    "by_date": {"2026-02-28": 1, "2026-03-01": 3, "2026-03-02": 1, "2026-03-03": 3},
    "by_category": _categories(
        assignments=1, discussions=1, general=1, grades=1, other=2, pages=1, quizzes=1
    ),
}


async def test_activity_current(api: Api) -> None:
    path = _path("2", "current", "activity")
    await _check(api, path, "canvas", SCIENCE_ACTIVITY_CANVAS)
    await _check(api, path, "documented", SCIENCE_ACTIVITY_DOCUMENTED)
    await _check(
        api, _path("sis_account_id:SCI", "current", "activity") + ".json", "canvas", SCIENCE_ACTIVITY_CANVAS
    )


async def test_activity_completed_and_terms(api: Api) -> None:
    completed = {
        "by_date": [{"date": "2026-01-15", "views": 1, "participations": 1, "id": None}],
        "by_category": [{"category": "modules", "views": 1, "id": None}],
    }
    await _check(api, _path("2", "completed", "activity"), "canvas", completed)
    await _check(
        api,
        _path("2", "completed", "activity"),
        "documented",
        {"by_date": {"2026-01-15": 1}, "by_category": _categories(modules=1)},
    )
    # Spring: the available course's announcement and the completed course's collaboration, same day.
    spring_canvas = {
        "by_date": [{"date": "2026-04-01", "views": 2, "participations": 0, "id": None}],
        "by_category": [
            {"category": "announcements", "views": 1, "id": None},
            {"category": "collaborations", "views": 1, "id": None},
        ],
    }
    spring_documented = {
        "by_date": {"2026-04-01": 2},
        "by_category": _categories(announcements=1, collaborations=1),
    }
    for term in ("2", "current", "sis_term_id:SP26"):
        await _check(api, _path("2", f"terms/{term}", "activity"), "canvas", spring_canvas)
        await _check(api, _path("2", f"terms/{term}", "activity"), "documented", spring_documented)
    # The default term takes available and completed courses.
    default_canvas = {
        "by_date": [
            {"date": "2026-01-15", "views": 1, "participations": 1, "id": None},
            *SCIENCE_ACTIVITY_CANVAS["by_date"],
        ],
        "by_category": [
            *SCIENCE_ACTIVITY_CANVAS["by_category"][:4],
            {"category": "modules", "views": 1, "id": None},
            *SCIENCE_ACTIVITY_CANVAS["by_category"][4:],
        ],
    }
    for term in ("1", "default", "sis_term_id:DEF"):
        await _check(api, _path("2", f"terms/{term}", "activity"), "canvas", default_canvas)


async def test_activity_of_the_root_account(api: Api) -> None:
    # `self` is the root: Science's courses plus Art's file view on 03-05.
    canvas = {
        "by_date": [
            *SCIENCE_ACTIVITY_CANVAS["by_date"],
            {"date": "2026-03-05", "views": 1, "participations": 0, "id": None},
        ],
        "by_category": [
            *SCIENCE_ACTIVITY_CANVAS["by_category"][:2],
            {"category": "files", "views": 1, "id": None},
            *SCIENCE_ACTIVITY_CANVAS["by_category"][2:],
        ],
    }
    await _check(api, _path("self", "current", "activity"), "canvas", canvas)
    documented = {
        "by_date": {"2026-02-28": 1, "2026-03-01": 3, "2026-03-02": 1, "2026-03-03": 3, "2026-03-05": 1},
        "by_category": _categories(
            assignments=1, discussions=1, files=1, general=1, grades=1, other=2, pages=1, quizzes=1
        ),
    }
    await _check(api, _path("sis_account_id:ROOT", "current", "activity"), "documented", documented)


async def test_empty_department_activity(api: Api) -> None:
    # Chemistry has no available course in the default term; Fall has no course at all.
    for path in (_path("4", "current", "activity"), _path("2", "terms/3", "activity")):
        await _check(api, path, "canvas", {"by_date": [], "by_category": []})
        await _check(api, path, "documented", {"by_date": {}, "by_category": _categories()})


# --- D2 -----------------------------------------------------------------------------------------------


async def test_grades_current(api: Api) -> None:
    # Ann: 11.5 → 12 (course 10), 100.4 → 100 (course 11; her assignment-group score is ignored), 100.6 → 101
    # (course 12, out of range). Bob: 12.5 → 12 (half to even), and in course 11 his first enrollment has
    # no score, the second 0.4 → 0. 60 has no score; the Test Student, the dropped student and the closed
    # subtree's course are not counted.
    expected = _histogram({0: 1, 12: 2, 100: 1})
    for dialect in DIALECTS:
        await _check(api, _path("2", "current", "grades"), dialect, expected)
        await _check(api, _path("sis_account_id:SCI", "current", "grades"), dialect, expected)


async def test_grades_completed_terms_and_root(api: Api) -> None:
    for dialect in DIALECTS:
        await _check(api, _path("2", "completed", "grades"), dialect, _histogram({88: 1}))
        await _check(
            api, _path("2", "terms/default", "grades"), dialect, _histogram({0: 1, 12: 2, 88: 1, 100: 1})
        )
        await _check(
            api, _path("self", "current", "grades"), dialect, _histogram({0: 1, 12: 2, 70: 1, 100: 1})
        )


async def test_grades_without_any_value(api: Api) -> None:
    nulls = {str(score): None for score in range(101)}
    # Spring has a student without a score; Chemistry has no current course; Fall no course at all.
    for path in (
        _path("2", "terms/current", "grades"),
        _path("4", "current", "grades"),
        _path("2", "terms/sis_term_id:F25", "grades"),
    ):
        await _check(api, path, "canvas", nulls)
        await _check(api, path, "documented", _histogram({}))


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # 100.5 → 100 (half to even) and 99.5 → 100 are kept; -0.6 → -1 and 250.0 are not.
        ((100.5, -0.6, 250.0, 99.5), _histogram({100: 2})),
        # Nothing in range: null in the canvas dialect, though the course has scores.
        ((-0.6, 100.6), {str(score): None for score in range(101)}),
    ],
)
async def test_grades_range(api_for: ApiFactory, scores: tuple[float, ...], expected: dict[str, Any]) -> None:
    ds = Dataset()
    ds.account(1, name="Root")
    ds.term(1, root=1)
    ds.course(10, account=1, term=1)
    ds.section(100, course=10)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=1)
    for uid, score in enumerate(scores, start=61):
        ds.user(uid, name=f"User {uid}")
        ds.score(ds.enroll(uid, course=10, section=100), score)
    api = await api_for(ds)
    await _check(api, _path("self", "current", "grades"), "canvas", expected)


# --- D3 -----------------------------------------------------------------------------------------------


async def test_statistics(api: Api) -> None:
    cases = {
        # 3 courses; sub-accounts 3, 4, 8 (6 is deleted); teachers 51, 52 (TA, designer, invited teacher
        # not); students 60, 61, 62 (Test Student, observer, invited and deleted not); topics 4 + 1; media
        # 1 + 2; attachments 1 + 2; assignments 3 + 1.
        _path("2", "current", "statistics"): _statistics(3, 3, 2, 3, 5, 3, 3, 4),
        _path("sis_account_id:SCI", "current", "statistics"): _statistics(3, 3, 2, 3, 5, 3, 3, 4),
        # Old Chem: teacher 55, student 67, one assignment; sub-accounts do not depend on the filter.
        _path("2", "completed", "statistics"): _statistics(1, 3, 1, 1, 0, 0, 0, 1),
        _path("2", "terms/default", "statistics"): _statistics(4, 3, 3, 4, 5, 3, 3, 5),
        _path("2", "terms/2", "statistics"): _statistics(2, 3, 1, 1, 0, 0, 0, 0),
        _path("2", "terms/3", "statistics"): _statistics(0, 3, 0, 0, 0, 0, 0, 0),
        # The root: Science's three courses and Art (student 70, one attachment); sub-accounts 2 and 20.
        _path("self", "current", "statistics"): _statistics(4, 2, 2, 4, 5, 3, 4, 4),
        # Biology: Cells and DNA (Genetics, a grandchild of Science, is Biology's child).
        _path("3", "current", "statistics"): _statistics(2, 1, 2, 3, 1, 2, 2, 1),
        _path("4", "current", "statistics"): _statistics(0, 0, 0, 0, 0, 0, 0, 0),
        # An account under a deleted one is itself not deleted: it has its own course.
        _path("7", "current", "statistics"): _statistics(1, 0, 1, 1, 0, 0, 0, 1),
    }
    for path, expected in cases.items():
        for dialect in DIALECTS:
            await _check(api, path, dialect, expected)


# --- D4 -----------------------------------------------------------------------------------------------


async def test_statistics_by_subaccount(api: Api) -> None:
    zero = (0, 0, 0, 0, 0, 0, 0)
    cases = {
        # Science's own course 10; Biology's subtree 11 and 12 (teacher 51 counts in both rows; Ann and
        # Bob in both rows); Chemistry has only a completed course; Physics (state NULL) none.
        _path("2", "current", "statistics_by_subaccount"): [
            _row("Science", 2, 1, 1, 2, 4, 1, 1, 3),
            _row("Biology", 3, 2, 2, 3, 1, 2, 2, 1),
            _row("Chemistry", 4, *zero),
            _row("Physics", 8, *zero),
        ],
        _path("2", "completed", "statistics_by_subaccount"): [
            _row("Science", 2, *zero),
            _row("Biology", 3, *zero),
            _row("Chemistry", 4, 1, 1, 1, 0, 0, 0, 1),
            _row("Physics", 8, *zero),
        ],
        _path("2", "terms/sis_term_id:SP26", "statistics_by_subaccount"): [
            _row("Science", 2, *zero),
            _row("Biology", 3, 1, 0, 1, 0, 0, 0, 0),
            _row("Chemistry", 4, 1, 1, 0, 0, 0, 0, 0),
            _row("Physics", 8, *zero),
        ],
        # The root has no course of its own; Science's row holds its whole subtree.
        _path("self", "current", "statistics_by_subaccount"): [
            _row("Root", 1, *zero),
            _row("Science", 2, 3, 2, 3, 5, 3, 3, 4),
            _row("Arts", 20, 1, 0, 1, 0, 0, 1, 0),
        ],
        # Biology's own Cells (51; Ann, Bob), then Genetics' DNA (52; 60, Ann).
        _path("3", "current", "statistics_by_subaccount"): [
            _row("Biology", 3, 1, 1, 2, 1, 0, 2, 0),
            _row("Genetics", 5, 1, 1, 2, 0, 2, 0, 1),
        ],
        _path("4", "current", "statistics_by_subaccount"): [_row("Chemistry", 4, *zero)],
    }
    for path, expected in cases.items():
        for dialect in DIALECTS:
            await _check(api, path, dialect, {"accounts": expected})


# --- Checks -------------------------------------------------------------------------------------------

LEAVES = ("activity", "grades", "statistics", "statistics_by_subaccount")


@pytest.mark.parametrize(
    "path",
    [
        _path("2", "terms/999", "grades"),
        _path("2", "terms/4", "activity"),  # a deleted term
        _path("2", "terms/sis_term_id:nope", "statistics"),
        _path("2", "terms/sis_term_id:OLD", "statistics"),
        _path("2", "terms/bogus", "statistics_by_subaccount"),
        _path("6", "current", "statistics"),  # a deleted account
        _path("999", "completed", "activity"),
        _path("sis_account_id:nope", "current", "grades"),
    ],
)
async def test_unresolvable_is_404(api: Api, path: str) -> None:
    status, body, _ = await api.get(path, user=ADMIN)
    assert (status, body) == (404, NOT_FOUND)


async def test_every_route_refuses_who_may_not(api: Api) -> None:
    unauthenticated = {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
    forbidden = {
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}],
    }
    for scope in ("current", "completed", "terms/2", "terms/999"):
        for leaf in LEAVES:
            path = _path("2", scope, leaf)
            # The term is looked up after the permission check (behaviour §5).
            status, body, headers = await api.get(path, user=None)
            assert (status, body) == (401, unauthenticated), path
            assert headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
            for user in (TEACHER, ANN, BIOLOGY_ADMIN):  # enrollments never qualify; a child's admin neither
                status, body, _ = await api.get(path, user=user)
                assert (status, body) == (403, forbidden), (path, user)
    for user in (ADMIN, SCIENCE_ADMIN, BIOLOGY_ADMIN):
        assert (await api.get(_path("3", "current", "statistics"), user=user))[0] == 200


async def test_no_active_term_gives_an_empty_department(api_for: ApiFactory) -> None:
    ds = Dataset()
    ds.account(1, name="Root")
    ds.term(1, root=1, state="deleted")
    ds.course(10, account=1, term=1)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=1)
    api = await api_for(ds)
    await _check(api, _path("self", "current", "activity"), "canvas", {"by_date": [], "by_category": []})
    await _check(api, _path("self", "completed", "grades"), "canvas", {str(s): None for s in range(101)})
    await _check(api, _path("self", "current", "statistics"), "documented", _statistics(*[0] * 8))
    await _check(
        api,
        _path("self", "current", "statistics_by_subaccount"),
        "canvas",
        {"accounts": [_row("Root", 1, 0, 0, 0, 0, 0, 0, 0)]},
    )
    status, body, _ = await api.get(_path("self", "terms/default", "grades"), user=ADMIN)
    assert (status, body) == (404, NOT_FOUND)


# --- Batching -----------------------------------------------------------------------------------------


async def test_same_results_with_one_id_per_in_list(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Per-chunk partial results must add up: page views of one day in several courses, students and
    # teachers in several courses, accounts of the tree spread over several chunks.
    from analytics_gateway.storage.queries import department, scores

    one: Callable[[Sequence[Any]], Iterator[Sequence[Any]]] = partial(_util.chunks, size=1)
    monkeypatch.setattr(department, "chunks", one)
    monkeypatch.setattr(scores, "chunks", one)
    # Too many accounts for one statement: distinct people are listed and counted in Python instead.
    monkeypatch.setattr(department, "IN_CHUNK", 1)
    await _check(api, _path("2", "current", "activity"), "canvas", SCIENCE_ACTIVITY_CANVAS)
    await _check(api, _path("2", "current", "grades"), "canvas", _histogram({0: 1, 12: 2, 100: 1}))
    await _check(api, _path("self", "current", "statistics"), "canvas", _statistics(4, 2, 2, 4, 5, 3, 4, 4))
    await _check(
        api,
        _path("3", "current", "statistics_by_subaccount"),
        "canvas",
        {"accounts": [_row("Biology", 3, 1, 1, 2, 1, 0, 2, 0), _row("Genetics", 5, 1, 1, 2, 0, 2, 0, 1)]},
    )


def _department(courses: int) -> Dataset:
    """Root 1 with sub-accounts 2..(courses+1), each holding one course with a teacher, a student, a
    score, a page view and one item of every kind of content."""
    ds = Dataset()
    ds.account(1, name="Root")
    ds.term(1, root=1)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=1)
    for n in range(courses):
        account = ds.account(2 + n, name=f"Dept {n}", parent=1)
        course = ds.course(100 + n, account=account, term=1)
        section = ds.section(1000 + n, course=course)
        teacher, student = ds.user(name="Teacher"), ds.user(name="Student")
        ds.enroll(teacher, course=course, section=section, type="TeacherEnrollment")
        ds.score(ds.enroll(student, course=course, section=section), 50.0 + n)
        ds.page_view(user=student, course=course, at=datetime(2026, 3, 1 + n, 12))
        ds.assignment(course=course)
        for table in ("discussion_topics", "media_objects"):
            ds.add(table, None, context_id=course, context_type="Course", workflow_state="active")
        ds.add("attachments", None, context_id=course, context_type="Course", file_state="available")
    return ds


async def _count_statements(api: Api, engine: AsyncEngine) -> dict[str, int]:
    counts: dict[str, int] = {}
    for leaf in LEAVES:
        path = _path("self", "current", leaf)
        assert (await api.get(path, user=ADMIN))[0] == 200  # warm: the token exists, caches are filled
        with recorded_statements(engine) as seen:
            assert (await api.get(path, user=ADMIN))[0] == 200
        counts[leaf] = len(seen)
    return counts


async def test_statements_do_not_grow_with_courses(api_for: ApiFactory, engine: AsyncEngine) -> None:
    few = await _count_statements(await api_for(_department(2)), engine)
    # The same database with three times the accounts and courses (the first two unchanged).
    many = await _count_statements(await api_for(_department(6)), engine)
    assert few == many, (few, many)
