"""GraphiQL in a real headless Chromium: the page loads offline, runs its example query and shows data.

Uses the system Chromium (``/usr/bin/chromium``, Debian's package; CI installs it) driven by Playwright;
no browser is ever downloaded. Every request the page makes must go to the gateway itself.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.tokens import create_token
from tests._dataset import Dataset

CHROMIUM = os.environ.get("ANALYTICS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)),
    reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)",
)


def _demo_course() -> Dataset:
    # The example query asks for course 100001, the demo's largest course: the same id here.
    ds = Dataset()
    root = ds.account(1, name="Demo University")
    course = ds.course(100001, account=root, term=ds.term(1, root=root), name="Cell Biology 101")
    section = ds.section(200001, course=course)
    ds.user(1, name="Admin")
    ds.admin(1, account=root)
    for n in range(3):
        uid = ds.user(10 + n, name=f"Student {n}")
        ds.enroll(uid, course=course, section=section)
        ds.page_view(user=uid, course=course, at=datetime(2026, 3, 1, 9 + n))
    ds.assignment(300001, course=course, title="Essay", due_at=datetime(2026, 3, 5))
    return ds


async def test_graphiql_runs_the_example_query(engine: AsyncEngine, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    await _demo_course().load(engine, tmp_path / "export")
    _, token = await create_token(engine, user_id=1)
    server = TestServer(create_app(Settings(database_url="sqlite://unused"), engine=engine))
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    foreign: list[str] = []
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page()
            page.on("request", lambda r: None if r.url.startswith(base) else foreign.append(r.url))
            # The token rides in the fragment: never sent to the server, moved into the headers editor.
            await page.goto(f"{base}/graphql#token={token}")
            await page.wait_for_selector(".graphiql-execute-button", timeout=30_000)
            assert "#" not in page.url  # the token left the address bar
            # GraphiQL also POSTs its introspection query (again when the headers change): wait for
            # the answer to the example query itself.
            async with page.expect_response(
                lambda r: (
                    r.url == f"{base}/graphql"
                    and r.request.method == "POST"
                    and "__schema" not in (r.request.post_data or "")
                )
            ) as answer:
                await page.click(".graphiql-execute-button")
            body = await (await answer.value).json()
            # ... and the answer is shown in the result pane.
            await page.locator(".result-window").get_by_text("Cell Biology 101").wait_for(timeout=30_000)
            await browser.close()
    finally:
        await server.close()
    assert foreign == []  # offline: nothing from a CDN
    course = body["data"]["course"]
    assert course["_id"] == "100001"
    assert course["studentsConnection"]["totalCount"] == 3
    assert [d["views"] for d in course["analytics"]["activity"]] == [3]
