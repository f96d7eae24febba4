"""Import while serving (issue 6, item 7), on SQLite and PostgreSQL.

Every import run here adds one assignment and page views for every student of a course: the importer
commits ``assignments`` and then ``web_logs`` (with its rollups), so the committed states are, after k
runs, "k assignments' worth and k runs of page views" and, in the middle of run k+1, "k+1 assignments and
k runs of page views". A response that reads both (REST student summaries: tardiness totals from the
assignments, page views from the rollups; GraphQL: the course's assignments, its activity from the
course rollup and each student's page views from the student rollup) must match one of those states,
never a mix such as new page views with old assignments, and the course activity in a GraphQL response
must add up to the students' page views in the same response.

The guarantee is in ``analytics_gateway/resolvers/consistency.py``: the data version is read with the
token lookup and again after the response is computed; if an import committed in between, the response
is computed again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers import course as course_resolvers
from analytics_gateway.schema import view
from analytics_gateway.storage.engine import create_engine
from analytics_gateway.storage.importer import import_paths
from analytics_gateway.storage.queries.coursework import get_student_page_view_totals
from analytics_gateway.storage.tokens import create_token
from tests._dataset import Dataset
from tests.conftest import Client, Serve
from tests.storage._exports import upsert, write_export

ADMIN = 1
COURSE = 10
STUDENTS = list(range(2000, 2008))
BASE_VIEWS = 2  # page views per student before any import run
BASE_ASSIGNMENTS = 2
VIEWS_PER_RUN = 400  # per student and import run: big enough that an import takes a while
DUE = datetime(2030, 1, 1)  # in the future: every assignment counts in the tardiness total
FIRST_DAY = datetime(2026, 3, 2, 8)
TS = "2026-06-01T00:00:00Z"

GRAPHQL_QUERY = """
query Course($id: ID!) {
  course(id: $id) {
    analytics { activity { views } assignments { title } }
    studentsConnection(first: 100) { nodes { _id summaryAnalytics { pageViews { total } } } }
  }
}
"""
SUMMARIES = f"/api/v1/courses/{COURSE}/analytics/student_summaries?per_page=100"
ACTIVITY = f"/api/v1/courses/{COURSE}/analytics/activity"

State = tuple[int, int]
"""``(total page views of the course's students, assignments)``."""


def state_after(runs: int, *, assignments_of_next: bool = False) -> State:
    """The committed state after ``runs`` import runs (optionally with the next run's assignment)."""
    views = len(STUDENTS) * (BASE_VIEWS + runs * VIEWS_PER_RUN)
    return views, BASE_ASSIGNMENTS + runs + (1 if assignments_of_next else 0)


def committed_states(runs: int) -> set[State]:
    """Every state a reader may see while runs 1..``runs`` are imported (table by table)."""
    return {state_after(k) for k in range(runs + 1)} | {
        state_after(k, assignments_of_next=True) for k in range(runs)
    }


def _dataset() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    course = ds.course(COURSE, account=root, term=ds.term(1, root=root))
    section = ds.section(100, course=course)
    for uid in STUDENTS:
        ds.user(uid, name=f"Student {uid}")
        ds.enroll(uid, course=course, section=section)
        for k in range(BASE_VIEWS):
            ds.page_view(user=uid, course=course, at=FIRST_DAY + timedelta(hours=k), participated=k == 0)
    for n in range(BASE_ASSIGNMENTS):
        ds.assignment(course=course, title=f"Base {n}", due_at=DUE)
    return ds


def _write_run(directory: Path, run: int) -> Path:
    """The export of import run ``run``: one assignment, VIEWS_PER_RUN page views per student."""
    new = Dataset()
    new.assignment(9000 + run, course=COURSE, title=f"Run {run}", due_at=DUE)
    for uid in STUDENTS:
        for k in range(VIEWS_PER_RUN):
            at = FIRST_DAY + timedelta(days=run, minutes=k)
            new.page_view(user=uid, course=COURSE, at=at, id=f"run{run}-{uid}-{k}", participated=k % 7 == 0)
    folder = directory / f"run{run}"
    for table in ("assignments", "web_logs"):
        write_export(folder, table, [upsert(key, TS, value) for key, value in new.tables[table].items()])
    return folder


def _import_elsewhere(url: str, folder: Path) -> None:
    """Import ``folder`` from another thread with its own engine and event loop (like another process)."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            await import_paths(engine, [folder])
        finally:
            await engine.dispose()

    asyncio.run(run())


class Reader:
    """Reads the course through GraphQL and REST as the admin and reduces each response to a state."""

    def __init__(self, client: Client, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _get(self, path: str) -> Any:
        async with self.client.get(path, headers=self.headers) as response:
            body = orjson.loads(await response.read())
            assert response.status == 200, (path, response.status, body)
            return body

    async def graphql_parts(self) -> tuple[State, int]:
        """The GraphQL state and the course activity's page views, as the response has them."""
        payload = {"query": GRAPHQL_QUERY, "variables": {"id": str(COURSE)}}
        async with self.client.post("/graphql", json=payload, headers=self.headers) as response:
            body = orjson.loads(await response.read())
            assert response.status == 200, body
            assert "errors" not in body, body
        course = body["data"]["course"]
        students = sum(
            n["summaryAnalytics"]["pageViews"]["total"] for n in course["studentsConnection"]["nodes"]
        )
        activity = sum(day["views"] for day in course["analytics"]["activity"])
        return (students, len(course["analytics"]["assignments"])), activity

    async def graphql(self) -> State:
        """The GraphQL state; asserts the activity adds up to the students' page views."""
        (students, assignments), activity = await self.graphql_parts()
        assert activity == students, f"activity {activity} != students' page views {students} in one response"
        return students, assignments

    async def summaries(self) -> State:
        """The REST student summaries' state (every student has the same tardiness total)."""
        rows = await self._get(SUMMARIES)
        totals = {row["tardiness_breakdown"]["total"] for row in rows}
        assert len(totals) == 1, f"students see different assignment counts in one response: {totals}"
        return sum(row["page_views"] for row in rows), totals.pop()

    async def activity(self) -> int:
        """The REST course activity's page views."""
        return sum(day["views"] for day in await self._get(ACTIVITY))


@pytest.fixture
async def reader(serve: Serve, engine: AsyncEngine) -> Reader:
    """A server over the course, and a reader holding the admin's token."""
    client = await serve(_dataset())
    _, token = await create_token(engine, user_id=ADMIN)
    return Reader(client, token)


async def test_the_states_are_what_the_dataset_says(reader: Reader) -> None:
    assert await reader.graphql() == state_after(0)
    assert await reader.summaries() == state_after(0)
    assert await reader.activity() == state_after(0)[0]


def _import_inside(monkeypatch: pytest.MonkeyPatch, url: str, folder: Path) -> Callable[[], Awaitable[int]]:
    """Make the next read of page-view totals first import ``folder`` (committed before the read).

    The response being computed has read the assignments already: without the guarantee it would pair
    the old assignments with the new page views. Returns a function giving the number of reads so far.
    """
    original = get_student_page_view_totals
    calls = itertools.count(1)
    seen = {"reads": 0}

    async def totals(**kwargs: Any) -> Any:
        seen["reads"] = next(calls)
        if seen["reads"] == 1:
            await asyncio.to_thread(_import_elsewhere, url, folder)
        return await original(**kwargs)

    monkeypatch.setattr(course_resolvers, "get_student_page_view_totals", totals)

    async def reads() -> int:
        return seen["reads"]

    return reads


# Each on a fresh server (so with nothing cached): the first attempt reads the page-view totals.


async def test_a_commit_during_a_rest_response_makes_it_recomputed(
    reader: Reader, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reads = _import_inside(monkeypatch, database_url, _write_run(tmp_path, 1))
    assert await reader.summaries() == state_after(1)  # the new state whole, not a mix
    assert await reads() == 2  # computed twice: the commit during the first attempt was seen


async def test_a_commit_during_a_graphql_response_makes_it_recomputed(
    reader: Reader, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reads = _import_inside(monkeypatch, database_url, _write_run(tmp_path, 1))
    assert await reader.graphql() == state_after(1)
    assert await reads() == 2


async def test_without_the_check_the_same_commit_mixes_states(
    reader: Reader, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scenario above does catch a mix: with the check switched off, the response is one.

    GraphQL reads the course's assignments (and its activity) before the students' page views, so the
    import committed just before that read pairs new page views with old assignments. (REST's student
    summaries read the page views first and a page's submissions after them: an import there gives a state
    the importer's table order commits anyway, new assignments with old page views.)
    """

    async def once(_engine: Any, compute: Callable[[int], Awaitable[Any]], *, start_version: int) -> Any:
        return await compute(start_version)

    monkeypatch.setattr(view, "consistent", once)
    _import_inside(monkeypatch, database_url, _write_run(tmp_path, 1))
    mixed, activity = await reader.graphql_parts()
    assert mixed == (state_after(1)[0], state_after(0)[1])  # new page views, old assignments
    assert mixed not in committed_states(1)
    assert activity == state_after(0)[0]  # and the course's activity from before the import


async def test_readers_during_repeated_imports_see_whole_states(
    reader: Reader, database_url: str, tmp_path: Path
) -> None:
    runs = 4
    folders = [_write_run(tmp_path, run) for run in range(1, runs + 1)]
    allowed = committed_states(runs)
    seen: list[tuple[str, object]] = []
    importing = {"now": False, "responses": 0}  # responses finished while an import ran
    done, progressed = asyncio.Event(), asyncio.Event()

    async def hammer(kind: str) -> None:
        while not done.is_set():
            if kind == "graphql":
                seen.append((kind, await reader.graphql()))
            elif kind == "summaries":
                seen.append((kind, await reader.summaries()))
            else:
                seen.append((kind, await reader.activity()))
            importing["responses"] += importing["now"]
            progressed.set()

    async def responses(count: int) -> None:
        """Wait until every kind of reader has finished ``count`` more responses."""
        target = {
            kind: sum(k == kind for k, _ in seen) + count for kind in ("graphql", "summaries", "activity")
        }
        while any(sum(k == kind for k, _ in seen) < n for kind, n in target.items()):
            progressed.clear()
            await progressed.wait()

    readers = [asyncio.create_task(hammer(kind)) for kind in ("graphql", "summaries", "activity", "graphql")]
    try:
        for run, folder in enumerate(folders, start=1):
            await responses(2)  # imports minutes apart, not back to back: readers see each state
            importing["now"] = True
            await asyncio.to_thread(_import_elsewhere, database_url, folder)
            importing["now"] = False
            # Right after the import returns (its commits done), the next request sees the new data.
            assert await reader.graphql() == state_after(run)
            assert await reader.summaries() == state_after(run)
            assert await reader.activity() == state_after(run)[0]
    finally:
        done.set()
        await asyncio.gather(*readers)

    during = [state for kind, state in seen if kind != "activity"]
    assert [s for s in during if s not in allowed] == []
    views_allowed = {views for views, _ in allowed}
    assert [v for kind, v in seen if kind == "activity" and v not in views_allowed] == []
    assert {state_after(k) for k in range(runs)} <= set(during)  # each state before a run was seen
    assert importing["responses"] > 0  # and responses were served while imports ran
