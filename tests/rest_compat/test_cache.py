"""The result cache over HTTP: hits, precise invalidation by imports, and the clock (resolvers/cache.py).

Root account 1 with sub-accounts 2 and 3; course 10 in account 2 and course 11 in account 3, both in term
1, one student each and one page view each. Every figure is read back over REST after each import: a
cached answer must never differ from what the data says.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.resolvers.cache import ResultCache, Scope
from analytics_gateway.resolvers.context import AnalyticsContext, Viewer
from analytics_gateway.resolvers.coursework import Coursework
from analytics_gateway.resolvers.due_dates import AssignmentDates, Override
from analytics_gateway.storage.importer import import_paths
from tests._dataset import ROLE, Dataset
from tests._sql import recorded_statements
from tests.rest_compat.conftest import Api, ApiFactory
from tests.storage._exports import delete, upsert, write_export

ADMIN, TEACHER, STUDENT_A, STUDENT_B = 71, 51, 61, 62
C1_A, C1_B = "/api/v1/courses/10/analytics/activity", "/api/v1/courses/11/analytics/activity"
D1_SUB_A = "/api/v1/accounts/2/analytics/terms/1/activity"
D1_SUB_B = "/api/v1/accounts/3/analytics/terms/1/activity"
DAY = datetime(2025, 3, 1, 10, tzinfo=UTC)
_ids = itertools.count()


def _institution() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(1, root=root)
    for account, course, student in ((2, 10, STUDENT_A), (3, 11, STUDENT_B)):
        ds.account(account, name=f"Sub {account}", parent=root)
        ds.course(course, account=account, term=term)
        section = ds.section(course * 10, course=course)
        ds.user(student, name=f"Student {student}")
        ds.enroll(student, course=course, section=section)
        ds.page_view(user=student, course=course, at=DAY, participated=True)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    return ds


async def _import_page_views(engine: AsyncEngine, tmp_path: Path, *views: tuple[int, int]) -> None:
    """Import new web_logs rows only: ``(user, course)`` page views on DAY."""
    records = [
        upsert(
            f"new-{next(_ids)}",
            "2026-02-01T00:00:00Z",
            {"timestamp": DAY.isoformat(), "user_id": user, "course_id": course, "participated": False},
        )
        for user, course in views
    ]
    root = tmp_path / f"views{next(_ids)}"
    write_export(root, "web_logs", records)
    await import_paths(engine, [root])


async def _cache_counters(api: Api) -> dict[str, int]:
    async with api.client.get("/metrics") as response:
        text = await response.text()
    return {
        name.removeprefix("analytics_gateway_cache_").removesuffix("_total"): int(value)
        for name, value in (line.split() for line in text.splitlines() if not line.startswith("#"))
        if name.startswith("analytics_gateway_cache_")
    }


async def _views(api: Api, path: str) -> int:
    status, body, _ = await api.get(path, user=ADMIN)
    assert status == 200, body
    return sum(int(day["views"]) for day in body)


async def _d1_views(api: Api, path: str) -> int:
    status, body, _ = await api.get(path, user=ADMIN)
    assert status == 200, body
    return sum(int(v) for v in body["by_category"].values())


async def test_hits_and_precise_invalidation(
    api_for: ApiFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    api = await api_for(_institution())
    assert await _views(api, C1_A) == 1
    before = await _cache_counters(api)
    assert await _views(api, C1_A) == 1
    after = await _cache_counters(api)
    assert after["hits"] == before["hits"] + 2  # the caller's rights on the course, and the result
    assert after["misses"] == before["misses"]
    assert await _d1_views(api, D1_SUB_A) == 1
    assert await _d1_views(api, D1_SUB_B) == 1

    # An import touching only course 11 (account 3) leaves course 10 and account 2 cached...
    await _import_page_views(engine, tmp_path, (STUDENT_B, 11))
    before = await _cache_counters(api)
    assert await _views(api, C1_A) == 1
    assert await _d1_views(api, D1_SUB_A) == 1
    after = await _cache_counters(api)
    assert after["misses"] == before["misses"]
    assert after["checks"] == before["checks"] + 4  # one freshness query per entry, then restamped
    assert await _views(api, C1_A) == 1
    assert (await _cache_counters(api))["checks"] == after["checks"]

    # ...and course 11 and account 3 answer the new data at once.
    assert await _views(api, C1_B) == 2
    assert await _d1_views(api, D1_SUB_B) == 2

    await _import_page_views(engine, tmp_path, (STUDENT_A, 10), (STUDENT_A, 10))
    assert await _views(api, C1_A) == 3
    assert await _d1_views(api, D1_SUB_A) == 3
    assert await _views(api, C1_B) == 2


async def test_an_import_without_courses_clears_everything(
    api_for: ApiFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    api = await api_for(_institution())
    assert await _views(api, C1_A) == 1
    root = tmp_path / "users"
    write_export(root, "users", [upsert(STUDENT_A, "2026-02-01T00:00:00Z", {"name": "Renamed"})])
    await import_paths(engine, [root])
    before = await _cache_counters(api)
    assert await _views(api, C1_A) == 1
    after = await _cache_counters(api)
    assert after["stale"] == before["stale"] + 2  # the rights and the result
    assert after["hits"] == before["hits"]


async def test_cache_off(engine: AsyncEngine, tmp_path: Path) -> None:
    await _institution().load(engine, tmp_path / "export")
    app: web.Application = create_app(
        Settings(database_url="sqlite://unused", cache_entries=0), engine=engine
    )
    client: TestClient[web.Request, web.Application] = TestClient(TestServer(app))
    await client.start_server()
    try:
        api = Api(client, engine)
        assert await _views(api, C1_A) == 1
        await _import_page_views(engine, tmp_path, (STUDENT_A, 10))
        assert await _views(api, C1_A) == 2
        assert await _cache_counters(api) == {}
    finally:
        await client.close()


async def test_entries_expire_by_the_clock_and_older_readers_compute_their_own(engine: AsyncEngine) -> None:
    cache = ResultCache(max_entries=2)
    now = datetime(2026, 3, 1, 12)
    calls: list[str] = []

    def ctx(version: int | None, at: datetime = now) -> AnalyticsContext:
        return AnalyticsContext(engine, Viewer(1), now=at, data_version=version, cache=cache)

    def compute(
        label: str, expires_at: datetime | None = None
    ) -> Callable[[], Awaitable[tuple[str, datetime | None]]]:
        async def run() -> tuple[str, datetime | None]:
            calls.append(label)
            return label, expires_at

        return run

    due = now + timedelta(hours=1)
    scope = Scope.of(courses=[10])
    assert await cache.get(ctx(5), "k", scope, compute("first", due)) == "first"
    assert await cache.get(ctx(5), "k", scope, compute("again")) == "first"
    # The due date passes: statuses may change, so the entry is computed again.
    assert await cache.get(ctx(5, due), "k", scope, compute("later")) == "later"
    # A request reading at an older version than the entry's cannot use it, and does not replace it.
    assert await cache.get(ctx(4, due), "k", scope, compute("older")) == "older"
    assert await cache.get(ctx(5, due), "k", scope, compute("x")) == "later"
    # Without a data version nothing is cached.
    assert await cache.get(ctx(None), "n", scope, compute("free")) == "free"
    assert len(cache) == 1
    # Least recently used entries go first.
    await cache.get(ctx(5), "a", scope, compute("a"))
    await cache.get(ctx(5), "b", scope, compute("b"))
    assert len(cache) == 2
    assert await cache.get(ctx(5, due), "k", scope, compute("evicted")) == "evicted"
    assert calls == ["first", "later", "older", "free", "a", "b", "evicted"]


def test_coursework_changes_when_the_next_due_date_or_quiz_grace_passes() -> None:
    now = datetime(2026, 3, 1, 12)
    override = Override(
        id=1,
        set_type="ADHOC",
        set_id=None,
        due_at=now + timedelta(minutes=30),
        due_at_overridden=True,
        workflow_state="active",
        student_ids=frozenset({61}),
    )
    dates = {
        1: AssignmentDates(due_at=now - timedelta(days=1), only_visible_to_overrides=False),
        2: AssignmentDates(due_at=now + timedelta(days=2), only_visible_to_overrides=False),
        3: AssignmentDates(due_at=None, only_visible_to_overrides=True, overrides=(override,)),
    }

    def work(at: datetime) -> Coursework:
        return Coursework(10, at, {}, [], dates, {}, {})

    assert work(now).changes_at() == now + timedelta(minutes=30)
    # A quiz left unsubmitted turns missing a minute after its due date (§3.5): that instant counts too.
    assert work(now + timedelta(minutes=30)).changes_at() == now + timedelta(minutes=31)
    assert work(now + timedelta(days=3)).changes_at() is None


async def test_a_grade_seen_by_the_teacher_is_not_served_to_the_student(api_for: ApiFactory) -> None:
    # S2 shows an unposted score to callers who see every grade only: the cache keys on that.
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(1, root=root)
    ds.course(10, account=root, term=term)
    section = ds.section(100, course=10)
    ds.user(TEACHER, name="Teacher")
    ds.enroll(TEACHER, course=10, section=section, type="TeacherEnrollment")
    ds.user(STUDENT_A, name="Student")
    ds.enroll(STUDENT_A, course=10, section=section)
    ds.role_override(ROLE["StudentEnrollment"], account=root, permission="view_analytics", enabled=True)
    assignment = ds.assignment(course=10, title="Essay")
    ds.submission(assignment=assignment, user=STUDENT_A, score=7.0, submitted_at=DAY, graded_at=DAY)
    api = await api_for(ds)
    path = f"/api/v1/courses/10/analytics/users/{STUDENT_A}/assignments"
    for user, score_shown in ((TEACHER, True), (STUDENT_A, False), (TEACHER, True)):
        status, body, _ = await api.get(path, user=user)
        assert status == 200, body
        assert ("score" in body[0]["submission"]) is score_shown, user


async def test_a_students_access_is_cached_until_their_course_changes(
    api_for: ApiFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    api = await api_for(_institution())
    path = f"/api/v1/courses/10/analytics/users/{STUDENT_A}/activity"
    assert (await api.get(path, user=ADMIN))[0] == 200
    before = await _cache_counters(api)
    with recorded_statements(engine) as statements:
        assert (await api.get(path, user=ADMIN))[0] == 200
    after = await _cache_counters(api)
    # The caller's rights on the course, on the student, and the result: the token lookup and the
    # data-version check are all that is read.
    assert after["hits"] == before["hits"] + 3
    assert len(statements) == 2

    await _import_page_views(engine, tmp_path, (STUDENT_B, 11))  # another course: still cached
    before = await _cache_counters(api)
    assert (await api.get(path, user=ADMIN))[0] == 200
    assert (await _cache_counters(api))["misses"] == before["misses"]

    # The student's enrollment goes: the next request no longer finds a student of the course.
    async with engine.connect() as conn:
        enrollment = (
            await conn.exec_driver_sql(f"SELECT id FROM enrollments WHERE user_id = {STUDENT_A}")
        ).scalar_one()
    root = tmp_path / "dropped"
    write_export(root, "enrollments", [delete(enrollment, "2026-02-01T00:00:00Z")])
    await import_paths(engine, [root])
    status, body, _ = await api.get(path, user=ADMIN)
    assert status == 404, body
