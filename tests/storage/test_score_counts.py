"""course_score_counts and account_grade_counts (storage/_score_counts.py) always equal what they derive from.

After every import of enrollments, scores or courses, and after the migration that introduced them, they
hold exactly :func:`get_course_scores`'s scores counted per course, and per (account, term, course state)
and histogram bucket: the rule D2 read before the tables existed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage import _scopes
from analytics_gateway.storage.engine import migrate
from analytics_gateway.storage.importer import import_paths
from analytics_gateway.storage.queries.scores import get_course_scores, grade_bucket
from analytics_gateway.storage.tables import account_grade_counts, course_score_counts, courses
from tests._dataset import Dataset
from tests.storage._exports import delete, write_export

COURSES = (10, 11)
_dirs = itertools.count()


async def _stored(engine: AsyncEngine) -> dict[int, Counter[float]]:
    t = course_score_counts
    found: dict[int, Counter[float]] = {c: Counter() for c in COURSES}
    async with engine.connect() as conn:
        for course_id, score, students in await conn.execute(select(t.c.course_id, t.c.score, t.c.students)):
            found[int(course_id)][float(score)] += int(students)
    return found


AccountKey = tuple[int, int, str, int]  # account, term, course state, bucket


async def _stored_accounts(engine: AsyncEngine) -> Counter[AccountKey]:
    a = account_grade_counts
    columns = (a.c.account_id, a.c.term_id, a.c.workflow_state, a.c.bucket, a.c.students)
    async with engine.connect() as conn:
        return Counter(
            {
                (int(i), int(t), str(s), int(b)): int(n)
                for i, t, s, b, n in await conn.execute(select(*columns))
            }
        )


async def _expected_accounts(engine: AsyncEngine) -> Counter[AccountKey]:
    found: Counter[AccountKey] = Counter()
    c = courses
    async with engine.connect() as conn:
        placed = await conn.execute(
            select(c.c.id, c.c.account_id, c.c.enrollment_term_id, c.c.workflow_state)
        )
        for course_id, account_id, term_id, state in placed.all():
            for score in (await get_course_scores(conn=conn, course_ids=[course_id])).values():
                if (bucket := grade_bucket(score)) is not None:
                    found[(int(account_id), int(term_id), str(state), bucket)] += 1
    return found


async def _check(engine: AsyncEngine) -> None:
    assert await _stored(engine) == await _expected(engine)
    assert await _stored_accounts(engine) == await _expected_accounts(engine)


async def _expected(engine: AsyncEngine) -> dict[int, Counter[float]]:
    async with engine.connect() as conn:
        return {
            c: Counter(
                s for s in (await get_course_scores(conn=conn, course_ids=[c])).values() if s is not None
            )
            for c in COURSES
        }


def _institution() -> tuple[Dataset, dict[str, int]]:
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(1, root=root)
    ids: dict[str, int] = {}
    for course in COURSES:
        ds.course(course, account=root, term=term)
        ds.section(course * 10, course=course)
    for user in range(1, 9):
        ds.user(user, name=f"User {user}")
    ids["a"] = ds.enroll(1, course=10, section=100)
    ids["b1"] = ds.enroll(2, course=10, section=100)  # a student with two enrollments: the first scored
    ids["b2"] = ds.enroll(2, course=10, section=100)
    ids["test"] = ds.enroll(3, course=10, section=100, type="StudentViewEnrollment")
    ids["c"] = ds.enroll(4, course=11, section=110, state="completed")
    ids["gone"] = ds.enroll(5, course=11, section=110, state="deleted")
    ids["teacher"] = ds.enroll(6, course=10, section=100, type="TeacherEnrollment")
    ids["unscored"] = ds.enroll(7, course=11, section=110)
    ids["a_score"] = ds.score(ids["a"], 85.5)
    ds.score(ids["a"], 10.0, course_score=False)  # not the overall score
    ids["b2_score"] = ds.score(ids["b2"], 91.0)
    ds.score(ids["test"], 50.0)
    ids["c_score"] = ds.score(ids["c"], 85.5)
    ds.score(ids["gone"], 70.0)
    ds.score(ids["teacher"], 99.0)
    ids["deleted_score"] = ds.score(ids["b1"], 60.0)
    ds.update("scores", ids["deleted_score"], workflow_state="deleted")
    return ds, ids


async def test_counts_follow_every_import(engine: AsyncEngine, tmp_path: Path) -> None:
    ds, ids = _institution()
    await ds.load(engine, tmp_path / "first")
    stored = await _stored(engine)
    assert stored == {10: Counter({85.5: 1, 91.0: 1}), 11: Counter({85.5: 1})}
    await _check(engine)

    # A score changes; only course 10 is rebuilt, course 11 keeps its rows.
    ds.update("scores", ids["a_score"], current_score=40.0)
    await ds.import_changes(engine, tmp_path, "scores", ids["a_score"])
    assert await _stored(engine) == await _expected(engine)
    assert (await _stored(engine))[10] == Counter({40.0: 1, 91.0: 1})

    # The first enrollment of student 2 gets a score: it wins over the second enrollment's.
    first = ds.score(ids["b1"], 77.0)
    await ds.import_changes(engine, tmp_path, "scores", first)
    assert (await _stored(engine))[10] == Counter({40.0: 1, 77.0: 1})

    # An enrollment is deleted (D), another leaves the student states, a new one arrives.
    root = tmp_path / f"change{next(_dirs)}"
    write_export(root, "enrollments", [delete(ids["b1"], "2026-06-02T00:00:00Z")])
    await import_paths(engine, [root])
    assert (await _stored(engine))[10] == Counter({40.0: 1, 91.0: 1})  # the second enrollment counts again
    ds.update("enrollments", ids["c"], workflow_state="deleted")
    newcomer = ds.enroll(8, course=11, section=110)
    await ds.import_changes(engine, tmp_path, "enrollments", ids["c"], newcomer)
    assert (await _stored(engine))[11] == Counter()  # the newcomer has no score yet
    await ds.import_changes(engine, tmp_path, "scores", ds.score(newcomer, 85.5))
    stored = await _stored(engine)
    assert stored == {10: Counter({40.0: 1, 91.0: 1}), 11: Counter({85.5: 1})}
    assert stored == await _expected(engine)

    await _check(engine)
    state = ds.tables["courses"][10]["workflow_state"]
    assert await _stored_accounts(engine) == Counter(
        {(1, 1, state, 40): 1, (1, 1, state, 91): 1, (1, 1, state, 86): 1}  # 85.5 rounds half to even
    )

    # Course 11 moves to a sub-account: its students' buckets move with it.
    ds.account(2, name="Sub", parent=1)
    ds.update("courses", 11, account_id=2)
    await ds.import_changes(engine, tmp_path, "accounts", 2)
    await ds.import_changes(engine, tmp_path, "courses", 11)
    await _check(engine)
    assert (2, 1, state, 86) in await _stored_accounts(engine)


async def test_the_migration_counts_an_existing_database(engine: AsyncEngine, tmp_path: Path) -> None:
    ds, _ = _institution()
    await ds.load(engine, tmp_path / "first")
    expected = await _expected(engine)
    async with engine.begin() as conn:  # the database as revision 0005 left it...
        await conn.exec_driver_sql("DROP TABLE assignment_class_scores")  # (revision 0007's)
        await conn.exec_driver_sql("DROP TABLE account_grade_counts")
        await conn.exec_driver_sql("DROP TABLE course_score_counts")
        await conn.exec_driver_sql("DROP INDEX ix_enrollments_course_id_type_workflow_state_user_id")
        await conn.exec_driver_sql(
            "CREATE INDEX ix_enrollments_course_id_type_workflow_state "
            "ON enrollments (course_id, type, workflow_state)"
        )
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
    await migrate(engine)  # ...gets its counts when upgraded
    assert await _stored(engine) == expected
    assert await _stored_accounts(engine) == await _expected_accounts(engine) != Counter()


async def test_a_bulk_import_rebuilds_every_course(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past SCOPE_KEYS_MAX changed rows an import does not list its courses: every course is rebuilt.
    monkeypatch.setattr(_scopes, "SCOPE_KEYS_MAX", 0)
    ds, ids = _institution()
    await ds.load(engine, tmp_path / "first")
    ds.update("scores", ids["c_score"], current_score=12.25)
    await ds.import_changes(engine, tmp_path, "scores", ids["c_score"])
    stored = await _stored(engine)
    assert stored == {10: Counter({85.5: 1, 91.0: 1}), 11: Counter({12.25: 1})}
    await _check(engine)
