"""The dashboard in a real headless Chromium: sign-in, the course, student and department pages, sorting,
paging, bad tokens, offline.

Uses the system Chromium (``/usr/bin/chromium``) driven by Playwright; no browser is ever downloaded. Each
page's numbers are compared with the answer to the very query the page shows under "Query", fetched by the
test itself, and the students' order with the API's own sort. Two tests per backend, one browser each.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.tokens import create_token, revoke_token
from tests._dataset import Dataset
from tests.schema.test_graphiql_browser import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)),
    reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)",
)

ADMIN, TEACHER = 1, 2
ROOT, FACULTY, COURSE, TERM = 1, 2, 100001, 1
STUDENTS = 25
MESSAGED = 112  # the student with messages
PAGE_SIZE = 10  # queries.js PAGE_SIZE
FIRST = ["Ada", "Ben", "Cleo", "Dev", "Emil", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Milo"]
LAST = [
    "Zhou",
    "Young",
    "Xu",
    "Weber",
    "Vargas",
    "Ueda",
    "Tanaka",
    "Silva",
    "Rossi",
    "Quinn",
    "Park",
    "Okafor",
]

Client = TestClient[web.Request, web.Application]


def _institution() -> Dataset:
    """Root 1 > faculty 2 > course 100001 (Default Term) with 25 students, 3 assignments, page views."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    ds = Dataset()
    root = ds.account(ROOT, name="Test University")
    faculty = ds.account(FACULTY, name="Faculty of Science", parent=root)
    term = ds.term(TERM, root=root, name="Default Term")
    course = ds.course(COURSE, account=faculty, term=term, name="Cell Biology 101")
    section = ds.section(200001, course=course)
    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    ds.user(TEACHER, name="Tess Teacher")
    ds.enroll(TEACHER, course=course, section=section, type="TeacherEnrollment")
    assignments = [
        ds.assignment(
            300001 + k, course=course, title=title, points_possible=points, due_at=now - timedelta(days=days)
        )
        for k, (title, points, days) in enumerate(
            [("Essay", 10.0, 20), ("Lab report", 20.0, 12), ("Quiz", 5.0, 4)]
        )
    ]
    start = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0)
    controllers = ["courses", "assignments", "discussion_topics", "files", "wiki_pages"]
    for n in range(STUDENTS):
        uid = 100 + n
        first, last = FIRST[n % len(FIRST)], LAST[(n * 5) % len(LAST)]
        ds.user(uid, name=f"{first} {last}", sortable_name=f"{last}, {first}")
        enrollment = ds.enroll(uid, course=course, section=section)
        ds.score(enrollment, float(35 + (n * 37) % 66))
        for v in range((n * 7) % 11 + 1):
            ds.page_view(
                user=uid,
                course=course,
                at=start + timedelta(days=(v * 3 + n) % 17, hours=(n + v) % 24, minutes=v),
                controller=controllers[(n + v) % len(controllers)],
                participated=(n + v) % 3 == 0,
            )
        for k, assignment in enumerate(assignments):
            points = [10.0, 20.0, 5.0][k]
            due = now - timedelta(days=[20, 12, 4][k])
            pattern = (n + k) % 6
            if pattern == 5:
                continue  # missing
            at = due + timedelta(days=1) if pattern == 4 else due - timedelta(hours=1 + n)
            ds.submission(
                assignment=assignment,
                user=uid,
                state="graded",
                submitted_at=at,
                score=round(points * (0.4 + ((n * 13 + k * 7) % 61) / 100), 2),
                graded_at=at + timedelta(hours=2),
                posted_at=at + timedelta(hours=2),
            )
    ds.page_view(user=TEACHER, course=course, at=start, controller="courses")
    # Messages between the teacher and one student, on two days.
    ds.add("conversations", 1, context_id=course, context_type="Course")
    for mid, author, day in ((10, TEACHER, 2), (11, MESSAGED, 2), (12, MESSAGED, 5)):
        at = start + timedelta(days=day, hours=10)
        ds.add("conversation_messages", mid, conversation_id=1, author_id=author, created_at=at)
        for user in (TEACHER, MESSAGED):
            ds.add("conversation_message_participants", None, conversation_message_id=mid, user_id=user)
    return ds


@dataclass
class Session:
    """A browser page on a served gateway, with what it sent and printed."""

    page: Page
    client: Client
    engine: AsyncEngine
    base: str
    token: str = ""
    requests: list[str] = field(default_factory=list)
    graphql_posts: int = 0
    console_errors: list[str] = field(default_factory=list)
    console_text: list[str] = field(default_factory=list)

    async def api(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The answer of /graphql to a query, fetched by the test (not the page)."""
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def page_query(self) -> dict[str, Any]:
        """The page's own query (from its "Query" toggle) and variables, run by the test."""
        query = await self.page.locator("code[data-query]").text_content()
        variables = json.loads(await self.page.locator("code[data-variables]").text_content() or "{}")
        assert query
        return await self.api(query, variables)

    async def variables(self) -> dict[str, Any]:
        """The variables the page's query ran with."""
        found: dict[str, Any] = json.loads(
            await self.page.locator("code[data-variables]").text_content() or ""
        )
        return found

    async def until_ready(self, action: Callable[[], Awaitable[Any]], page: str, *, posts: int = 1) -> float:
        """Do something that loads a page; wait until it is drawn; returns seconds. ``posts``: the queries
        it must have cost (a page is one; signing in adds the token check)."""
        before = self.graphql_posts
        started = time.perf_counter()
        async with self.page.expect_response(lambda r: r.url == f"{self.base}/graphql"):
            await action()
        await self.page.wait_for_selector(f"main[data-state=ready][data-page={page}]", timeout=15_000)
        assert self.graphql_posts == before + posts  # one page, one query
        return time.perf_counter() - started

    async def table(self, selector: str) -> list[dict[str, Any]]:
        """The rows of a table: its row key and, per data-field, the cell's data-value and text."""
        rows: list[dict[str, Any]] = await self.page.eval_on_selector_all(
            f"{selector} tbody tr",
            """rows => rows.map(tr => ({
                key: tr.dataset.key ?? null,
                cells: Object.fromEntries([...tr.children].map(c => [c.dataset.field,
                    {value: c.dataset.value ?? null, text: c.textContent.trim()}]))
            }))""",
        )
        return rows

    async def stat(self, key: str) -> str | None:
        return await self.page.get_attribute(f'dd[data-stat="{key}"]', "data-value")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium (the system's) for the test."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def session(engine: AsyncEngine, tmp_path: Path, browser: Browser) -> AsyncIterator[Session]:
    """The test institution served by the gateway, and a fresh browser page watching its traffic."""
    await _institution().load(engine, tmp_path / "export")
    client: Client = TestClient(
        TestServer(create_app(Settings(database_url="sqlite://unused"), engine=engine))
    )
    await client.start_server()
    base = str(client.make_url("")).rstrip("/")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15_000)
    s = Session(page=page, client=client, engine=engine, base=base)

    def on_request(request: Any) -> None:
        s.requests.append(request.url)
        if request.url == f"{base}/graphql" and request.method == "POST":
            s.graphql_posts += 1

    def on_console(message: Any) -> None:
        s.console_text.append(message.text)
        if message.type == "error":
            s.console_errors.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: s.console_errors.append(f"page error: {error}"))
    try:
        yield s
    finally:
        await context.close()
        await client.close()


async def _sign_in(s: Session, user: int, *, lands_on: str = "home") -> None:
    """Sign in with a new token of the user (checked with one query, then the page's own if it has one)."""
    _, s.token = await create_token(s.engine, user_id=user)
    await s.page.fill("#token", s.token)
    posts = 1 if lands_on == "home" else 2
    await s.until_ready(lambda: s.page.click("#sign-in button[type=submit]"), lands_on, posts=posts)


def _num(value: str | None) -> float | None:
    return None if value is None else float(value)


def _assert_cells(row: dict[str, Any], expected: dict[str, float | int | None], *, text: bool = True) -> None:
    """Each cell's data-value is the expected number; with ``text``, whole numbers read as themselves."""
    for name, want in expected.items():
        cell = row["cells"][name]
        got = _num(cell["value"])
        assert (got is None) == (want is None), (name, cell, want)
        if want is not None and got is not None:
            assert got == pytest.approx(want), (name, cell, want)
            if text and float(want).is_integer():
                assert cell["text"].replace(",", "") == str(int(want)), (name, cell)


SORT_ORDER = """query Order($sort: StudentSort) {
  course(id: "100001") { studentsConnection(sort: $sort, first: 100) { nodes { _id } } }
}"""


async def _api_order(s: Session, field_: str, direction: str) -> list[str]:
    data = await s.api(SORT_ORDER, {"sort": {"field": field_, "direction": direction}})
    return [n["_id"] for n in data["course"]["studentsConnection"]["nodes"]]


async def _shown_order(s: Session) -> list[str]:
    return [row["key"] for row in await s.table("table.students")]


async def test_course_student_and_department_pages(session: Session) -> None:
    s = session
    page = s.page
    await page.goto(f"{s.base}/dashboard")
    await page.wait_for_selector("main[data-state=signed-out] #sign-in")
    await _sign_in(s, ADMIN)

    # --- course page, opened from the home form ---------------------------------------------------------
    await page.fill("#open-course-input", str(COURSE))
    # (Render time is measured by scripts/dashboard_screenshots.py, not asserted here.)
    await s.until_ready(lambda: page.click("#open-course button[type=submit]"), "course")
    data = await s.page_query()
    course = data["course"]
    assert await page.text_content("h1") == "Cell Biology 101"
    activity = course["analytics"]["activity"]
    assert await s.stat("pageViews") == str(sum(d["views"] for d in activity))
    assert await s.stat("students") == str(STUDENTS)
    rows = await s.table("#course-activity table")
    assert [r["key"] for r in rows] == [d["date"] for d in activity]
    for row, day in zip(rows, activity, strict=True):
        _assert_cells(row, {"views": day["views"], "participations": day["participations"]})
    assignments = course["analytics"]["assignments"]
    assert len(assignments) == 3
    for row, a in zip(await s.table("#course-scores table"), assignments, strict=True):
        assert row["key"] == a["_id"]
        _assert_cells(
            row, {k: a[k] for k in ("minScore", "firstQuartile", "median", "thirdQuartile", "maxScore")}
        )
    for row, a in zip(await s.table("#course-tardiness table"), assignments, strict=True):
        fractions = {k: a["tardinessBreakdown"][k] for k in ("onTime", "late", "missing", "floating")}
        _assert_cells(row, fractions, text=False)
        assert row["cells"]["onTime"]["text"].endswith("%")
    for selector in ("#course-activity canvas", "#course-scores canvas", "#course-tardiness canvas"):
        assert await page.get_attribute(selector, "role") == "img"
        assert await page.get_attribute(selector, "aria-label")
    assert await page.is_visible("#course-scores canvas")  # the box-plot plugin drew (no fallback)

    # The students table: default order by name, the page's numbers equal the API's.
    students = course["studentsConnection"]
    assert students["totalCount"] == STUDENTS
    assert len(students["nodes"]) == PAGE_SIZE
    assert await _shown_order(s) == (await _api_order(s, "NAME", "ASCENDING"))[:PAGE_SIZE]
    for row, node in zip(await s.table("table.students"), students["nodes"], strict=True):
        summary = node["summaryAnalytics"]
        _assert_cells(
            row,
            {
                "pageViews": summary["pageViews"]["total"],
                "participations": summary["participations"]["total"],
                **{
                    k: summary["tardinessBreakdown"][k]
                    for k in ("onTime", "late", "missing", "floating", "total")
                },
            },
        )
        assert row["cells"]["name"]["text"] == node["name"]
        level = await page.get_attribute(
            f'table.students tr[data-key="{node["_id"]}"] td[data-field="pageViewsLevel"] .level',
            "data-level",
        )
        assert level == str(summary["pageViews"]["level"])
    assert await page.get_attribute('th:has(button[data-sort="NAME"])', "aria-sort") == "ascending"

    # Sorting: a header click sorts as the API does; a second click reverses; the keyboard works too.
    await s.until_ready(lambda: page.click('button[data-sort="PAGE_VIEWS"]'), "course")
    assert (await s.variables())["sort"] == {"field": "PAGE_VIEWS", "direction": "DESCENDING"}
    assert await _shown_order(s) == (await _api_order(s, "PAGE_VIEWS", "DESCENDING"))[:PAGE_SIZE]
    assert await page.get_attribute('th:has(button[data-sort="PAGE_VIEWS"])', "aria-sort") == "descending"
    await s.until_ready(lambda: page.click('button[data-sort="PAGE_VIEWS"]'), "course")
    assert await _shown_order(s) == (await _api_order(s, "PAGE_VIEWS", "ASCENDING"))[:PAGE_SIZE]
    await page.focus('button[data-sort="PARTICIPATIONS"]')
    await s.until_ready(lambda: page.keyboard.press("Enter"), "course")
    assert await _shown_order(s) == (await _api_order(s, "PARTICIPATIONS", "DESCENDING"))[:PAGE_SIZE]
    assert await page.evaluate("document.activeElement.dataset.sort") == "PARTICIPATIONS"  # focus kept
    # The one sort without a column (current score) is in the "Order by" form.
    await page.select_option("#sort-field", "SCORE")
    await page.select_option("#sort-direction", "DESCENDING")
    await s.until_ready(lambda: page.click("#student-sort button[type=submit]"), "course")
    score_order = await _api_order(s, "SCORE", "DESCENDING")
    assert await _shown_order(s) == score_order[:PAGE_SIZE]

    # Paging with the connection's cursors: next, next (the last, short page), previous.
    await s.until_ready(lambda: page.click("#students-pager a[rel=next]"), "course")
    variables = await s.variables()
    assert variables["after"]
    assert variables["first"] == PAGE_SIZE
    assert variables["sort"] == {"field": "SCORE", "direction": "DESCENDING"}
    assert await _shown_order(s) == score_order[PAGE_SIZE : 2 * PAGE_SIZE]
    assert await page.get_attribute("#students-pager .pager-range", "data-from") == str(PAGE_SIZE + 1)
    await s.until_ready(lambda: page.click("#students-pager a[rel=next]"), "course")
    assert await _shown_order(s) == score_order[2 * PAGE_SIZE :]
    assert await page.locator("#students-pager a[rel=next]").count() == 0  # the last page
    assert await page.get_attribute("#students-pager .pager-range", "data-to") == str(STUDENTS)
    await s.until_ready(lambda: page.click("#students-pager a[rel=prev]"), "course")
    assert (await s.variables())["before"]
    assert await _shown_order(s) == score_order[PAGE_SIZE : 2 * PAGE_SIZE]
    shown = (await s.page_query())["course"]["studentsConnection"]["nodes"]
    assert [n["_id"] for n in shown] == await _shown_order(s)

    # A phone's width: the page reflows (wide tables scroll inside their own region, not the page).
    await page.set_viewport_size({"width": 375, "height": 800})
    # (Polled from here: Playwright's wait_for_function would need eval, which the page's CSP forbids.)
    for _ in range(50):
        if await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            break
        await asyncio.sleep(0.1)
    assert await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [375, 375]
    await page.set_viewport_size({"width": 1280, "height": 900})

    # --- student page, through the student's link -------------------------------------------------------
    await s.until_ready(
        lambda: page.evaluate("location.hash = '#/course/100001?sort=NAME&dir=DESCENDING'"), "course"
    )
    student_id = str(MESSAGED)  # "Zhou, Milo": first by name, descending
    assert (await _shown_order(s))[0] == student_id
    link = f'table.students a[href="#/course/100001/student/{student_id}"]'
    await s.until_ready(lambda: page.click(link), "student")
    data = await s.page_query()
    student = data["student"]
    assert await page.text_content("h1") == student["name"]
    summary = student["summaryAnalytics"]
    assert await s.stat("pageViews") == str(summary["pageViews"]["total"])
    assert await s.stat("participations") == str(summary["participations"]["total"])
    for key in ("onTime", "late", "missing", "floating"):
        assert await s.stat(key) == str(summary["tardinessBreakdown"][key])
    act = student["activity"]
    daily = await s.table("#student-page-views details:first-of-type table")
    assert [(r["key"], _num(r["cells"]["views"]["value"])) for r in daily] == [
        (d["date"], d["views"]) for d in act["daily"]
    ]
    hourly = await s.table("#student-page-views details:last-of-type table")
    assert [(r["key"], _num(r["cells"]["views"]["value"])) for r in hourly] == [
        (d["hour"], d["views"]) for d in act["hourly"]
    ]
    assert sum(d["views"] for d in act["daily"]) == act["pageViews"] == summary["pageViews"]["total"]
    participations = await s.table("#participations table")
    assert len(participations) == len(act["participations"]) == summary["participations"]["total"]
    for row, a in zip(await s.table("#student-assignments table"), student["assignments"], strict=True):
        assert row["key"] == a["_id"]
        stats = a["statistics"]
        _assert_cells(
            row, {k: stats[k] for k in ("minScore", "firstQuartile", "median", "thirdQuartile", "maxScore")}
        )
        _assert_cells(row, {"score": a["submission"]["score"] if a["submission"] else None})
        assert (
            row["cells"]["status"]["text"]
            == {
                "ON_TIME": "On time",
                "LATE": "Late",
                "MISSING": "Missing",
                "FLOATING": "Not due / excused",
            }[a["status"]]
        )
    messages = await s.table("#student-communication table")
    assert [
        (
            r["key"],
            _num(r["cells"]["instructorMessages"]["value"]),
            _num(r["cells"]["studentMessages"]["value"]),
        )
        for r in messages
    ] == [(d["date"], d["instructorMessages"], d["studentMessages"]) for d in student["communication"]]
    assert len(messages) == 2
    # The hourly switch redraws the chart with the hourly data.
    await page.check('input[name="pv-unit"][value="hour"]')
    label = await page.get_attribute("#student-page-views canvas", "aria-label")
    assert label
    assert "per hour" in label

    # --- department page, current courses, then a term chosen in the filter form ---------------------------
    await s.until_ready(lambda: page.evaluate("location.hash = '#/account/1?filter=current'"), "department")
    data = await s.page_query()
    analytics = data["account"]["analytics"]
    assert await page.text_content("h1") == "Test University"
    for key, value in analytics["statistics"].items():
        assert await s.stat(key) == str(value)
    by_sub = await s.table("table.by-subaccount")
    assert [r["key"] for r in by_sub] == [r["_id"] for r in analytics["statisticsBySubaccount"]]
    for row, sub in zip(by_sub, analytics["statisticsBySubaccount"], strict=True):
        _assert_cells(row, {k: v for k, v in sub.items() if k not in ("_id", "name")})
    grades = await s.table("#department-grades table")
    assert [_num(r["cells"]["count"]["value"]) for r in grades] == analytics["grades"]["counts"]
    assert len(grades) == 101
    assert sum(analytics["grades"]["counts"]) == STUDENTS
    categories = await s.table("#department-categories table")
    assert [(r["key"], _num(r["cells"]["views"]["value"])) for r in categories] == [
        (c["category"], c["views"]) for c in analytics["activity"]["byCategory"]
    ]
    by_date = await s.table("#department-activity table")
    assert [(r["key"], _num(r["cells"]["views"]["value"])) for r in by_date] == [
        (d["date"], d["views"]) for d in analytics["activity"]["byDate"]
    ]
    assert analytics["statistics"]["students"] == STUDENTS
    # The term switch: courses of term 1, chosen in the form.
    await page.check('input[name="filter"][value="term"]')
    await page.select_option("#term-select", str(TERM))
    await s.until_ready(lambda: page.click("#department-filter button[type=submit]"), "department")
    assert (await s.variables())["filter"] == "TERM"
    assert (await s.variables())["termId"] == str(TERM)
    assert "filter=term" in page.url
    assert "term=1" in page.url
    data = await s.page_query()
    assert (
        await page.get_attribute("[data-term-id]", "data-term-id")
        == data["account"]["analytics"]["term"]["_id"]
    )
    assert await s.stat("courses") == str(data["account"]["analytics"]["statistics"]["courses"])

    # The query toggle opens and shows the query.
    await page.click("details#query > summary")
    assert "query DepartmentPage" in (await page.locator("code[data-query]").inner_text())

    # Offline and discreet: every request went to the gateway, the token never in a URL or the console.
    assert s.requests
    assert all(url.startswith(s.base) for url in s.requests)
    assert not any(s.token in url for url in s.requests)
    assert not any(s.token in text for text in s.console_text)
    assert s.console_errors == []


async def test_bad_tokens_and_sign_out(session: Session) -> None:
    s = session
    page = s.page
    await page.goto(f"{s.base}/dashboard#/course/{COURSE}")
    await page.wait_for_selector("main[data-state=signed-out] #sign-in")
    assert await page.is_visible("label[for=token]")

    # A made-up token: refused at sign-in, with the server's reason; nothing kept.
    await page.fill("#token", "ag~not-a-token")
    await page.click("#sign-in button[type=submit]")
    message = page.locator("#sign-in-message")
    await message.get_by_text("Invalid access token.").wait_for()
    assert await page.evaluate("sessionStorage.length") == 0

    # A real token whose user (a student) may not see course analytics: FORBIDDEN, sign-in form again.
    _, s.token = await create_token(s.engine, user_id=100)
    await page.fill("#token", s.token)
    await page.click("#sign-in button[type=submit]")
    await page.wait_for_selector("main[data-state=signed-out][data-auth=forbidden]")
    assert "may not see" in (await message.text_content() or "")
    assert await page.is_visible("#sign-in")

    # An admin token, revoked while the tab is open: the next page is a 401, the token is forgotten.
    await _sign_in(s, ADMIN, lands_on="course")
    assert await page.evaluate("Object.values({...sessionStorage})") == [s.token]
    await revoke_token(s.engine, s.token)
    await page.evaluate("location.hash = '#/account/1'")
    await page.wait_for_selector("main[data-state=signed-out][data-auth=rejected]")
    assert "Revoked access token." in (await message.text_content() or "")
    assert await page.evaluate("sessionStorage.length") == 0

    # An id that does not exist: a plain "not found", the token kept.
    await _sign_in(s, ADMIN, lands_on="department")
    await page.evaluate("location.hash = '#/course/999999'")
    await page.wait_for_selector("main[data-state=error] #problem")
    assert "does not exist" in (await page.text_content("#problem") or "")

    # Sign out clears the token and shows the form.
    await page.click("#sign-out")
    await page.wait_for_selector("main[data-state=signed-out] #sign-in")
    assert await page.evaluate("sessionStorage.length") == 0
    assert not await page.is_visible("#sign-out")

    assert all(url.startswith(s.base) for url in s.requests)
    assert not any(s.token in url for url in s.requests)
    # The browser reports each refused request (HTTP 401) itself; nothing else may be an error.
    assert [e for e in s.console_errors if "status of 401" not in e] == []
