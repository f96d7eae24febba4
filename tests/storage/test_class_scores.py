"""assignment_class_scores (storage/_class_scores.py) always equals what it derives from.

After every import of submissions, assignments or enrollments, and after the migration that introduced
it, each assignment's rows hold exactly what the full coursework reads (``Coursework.scores_of``: the
current students' live submissions, a pair's lowest id): one student's S2 (which reads the table) and
GraphQL's S2 and C2 (which read every submission) show the same statistics and muting.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.context import AnalyticsContext, Viewer
from analytics_gateway.resolvers.coursework import load_coursework
from analytics_gateway.storage import _scopes
from analytics_gateway.storage.engine import migrate
from analytics_gateway.storage.importer import import_paths
from analytics_gateway.storage.queries.coursework import ClassScores, get_class_scores
from tests._dataset import Dataset
from tests.storage._exports import delete, write_export

COURSES = (10, 11)
POSTED = datetime(2026, 9, 2, 8, 0)
_dirs = itertools.count()

Summary = tuple[list[float], int, bool]


def _summary(scores: ClassScores) -> Summary:
    return sorted(scores.scores), scores.shown, scores.muted


async def _stored(engine: AsyncEngine) -> dict[int, dict[int, Summary]]:
    ctx = AnalyticsContext(engine=engine, viewer=Viewer(None))
    found: dict[int, dict[int, Summary]] = {}
    for course in COURSES:
        work = await load_coursework(ctx, course)
        async with engine.connect() as conn:
            stored = await get_class_scores(conn=conn, assignment_ids=[a.id for a in work.assignments])
        found[course] = {a.id: _summary(stored.get(a.id, ClassScores())) for a in work.assignments}
    return found


async def _expected(engine: AsyncEngine) -> dict[int, dict[int, Summary]]:
    ctx = AnalyticsContext(engine=engine, viewer=Viewer(None))
    found: dict[int, dict[int, Summary]] = {}
    for course in COURSES:
        work = await load_coursework(ctx, course)  # every submission, read in full
        found[course] = {a.id: _summary(work.scores_of(a.id)) for a in work.assignments}
    return found


def _institution() -> tuple[Dataset, dict[str, int]]:
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(1, root=root)
    for course in COURSES:
        ds.course(course, account=root, term=term)
        ds.section(course * 10, course=course)
    for user in range(1, 9):
        ds.user(user, name=f"User {user}")
    ids: dict[str, int] = {}
    for user in (1, 2, 3):
        ids[f"e{user}"] = ds.enroll(user, course=10, section=100)
    ds.enroll(4, course=10, section=100, type="TeacherEnrollment")  # a teacher's submission never counts
    ids["e5"] = ds.enroll(5, course=11, section=110, state="completed")
    ids["a1"] = ds.assignment(500, course=10, due_at=datetime(2026, 9, 1))
    ids["a2"] = ds.assignment(501, course=10)
    ids["a3"] = ds.assignment(502, course=11)
    ids["s1"] = ds.submission(700, assignment=500, user=1, score=8.0, state="graded", posted_at=POSTED)
    ids["s1b"] = ds.submission(705, assignment=500, user=1, score=2.0, state="graded")  # a second live row
    ids["s2"] = ds.submission(701, assignment=500, user=2, score=6.0, state="graded")  # unposted
    ids["s3"] = ds.submission(702, assignment=500, user=3, submitted_at=datetime(2026, 8, 30))
    ds.submission(703, assignment=500, user=4, score=9.0, state="graded", posted_at=POSTED)  # the teacher
    ids["s4"] = ds.submission(704, assignment=501, user=2, score=6.0, state="graded", posted_at=POSTED)
    ids["s5"] = ds.submission(706, assignment=502, user=5, score=3.5, state="graded", posted_at=POSTED)
    return ds, ids


async def test_class_scores_follow_every_import(engine: AsyncEngine, tmp_path: Path) -> None:
    ds, ids = _institution()
    await ds.load(engine, tmp_path / "first")
    stored = await _stored(engine)
    assert stored == {
        10: {500: ([6.0, 8.0], 3, True), 501: ([6.0], 1, False)},
        11: {502: ([3.5], 1, False)},
    }
    assert stored == await _expected(engine)

    # The lowest id of a pair is deleted (D): the second live row counts instead.
    root = tmp_path / f"change{next(_dirs)}"
    write_export(root, "submissions", [delete(ids["s1"], "2026-06-02T00:00:00Z")])
    await import_paths(engine, [root])
    assert (await _stored(engine))[10][500] == ([2.0, 6.0], 3, True)
    assert await _stored(engine) == await _expected(engine)

    # A grade is posted: the assignment is no longer muted (the other unposted one is scored 2.0).
    ds.update("submissions", ids["s2"], posted_at=POSTED)
    ds.update("submissions", ids["s1b"], posted_at=POSTED)
    await ds.import_changes(engine, tmp_path, "submissions", ids["s2"], ids["s1b"])
    assert (await _stored(engine))[10][500] == ([2.0, 6.0], 3, False)

    # A student leaves (enrollment deleted), another joins course 11 and already has a submission there.
    ds.update("enrollments", ids["e2"], workflow_state="deleted")
    await ds.import_changes(engine, tmp_path, "enrollments", ids["e2"])
    assert (await _stored(engine))[10] == {500: ([2.0], 2, False), 501: ([], 0, False)}
    ds.submission(707, assignment=502, user=6, score=4.0, state="graded")
    await ds.import_changes(engine, tmp_path, "submissions", 707)
    assert (await _stored(engine))[11][502] == ([3.5], 1, False)  # user 6 is not a student of 11 yet
    newcomer = ds.enroll(6, course=11, section=110)
    await ds.import_changes(engine, tmp_path, "enrollments", newcomer)
    assert (await _stored(engine))[11][502] == ([3.5, 4.0], 2, True)

    # An assignment moves to the other course: its submissions' students are now judged there.
    ds.update("assignments", ids["a2"], context_id=11)
    await ds.import_changes(engine, tmp_path, "assignments", ids["a2"])
    stored = await _stored(engine)
    assert 501 not in stored[10]
    assert stored[11][501] == ([], 0, False)  # user 2 is not a student of course 11
    assert stored == await _expected(engine)


async def test_the_migration_computes_an_existing_database(engine: AsyncEngine, tmp_path: Path) -> None:
    ds, _ = _institution()
    await ds.load(engine, tmp_path / "first")
    expected = await _expected(engine)
    async with engine.begin() as conn:  # the database as revision 0006 left it...
        await conn.exec_driver_sql("DROP TABLE assignment_class_scores")
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0006'")
    await migrate(engine)  # ...gets the table when upgraded
    assert await _stored(engine) == expected
    assert expected[10][500] == ([6.0, 8.0], 3, True)


async def test_a_bulk_import_rebuilds_every_course(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past SCOPE_KEYS_MAX changed rows an import does not list its courses: every course is rebuilt.
    monkeypatch.setattr(_scopes, "SCOPE_KEYS_MAX", 0)
    ds, ids = _institution()
    await ds.load(engine, tmp_path / "first")
    ds.update("submissions", ids["s5"], score=1.25)
    await ds.import_changes(engine, tmp_path, "submissions", ids["s5"])
    assert (await _stored(engine))[11][502] == ([1.25], 1, False)
    assert await _stored(engine) == await _expected(engine)
