#!/usr/bin/env python
"""Screenshots of the dashboard on the small demo: course.png, student.png and department.png (1280 wide).

    python scripts/dashboard_screenshots.py --out docs/screenshots

Builds the small demo into a temporary SQLite file (or uses ``--database URL`` as it is), serves the
gateway in this process on a free port, signs in with a fresh admin token in the system's headless Chromium
(Playwright; no browser is downloaded) and saves one full-page PNG per page. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.demo import DEMO_ADMIN_USER_ID, LARGEST_COURSE_ID, ROOT_ACCOUNT_ID, run_demo
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.tokens import create_token

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

# Which student and term to show: the course's most active student and the course's own term.
PICK_QUERY = """query Pick($courseId: ID!) {
  course(id: $courseId) {
    term { _id }
    studentsConnection(first: 1, sort: {field: PAGE_VIEWS, direction: DESCENDING}) { nodes { _id } }
  }
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _pick(base: str, token: str) -> tuple[str, str]:
    """The student id and term id the screenshots show."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/graphql",
            json={"query": PICK_QUERY, "variables": {"courseId": str(LARGEST_COURSE_ID)}},
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        body: dict[str, Any] = await response.json()
    course = body["data"]["course"]
    return course["studentsConnection"]["nodes"][0]["_id"], course["term"]["_id"]


async def _shoot(base: str, token: str, out: Path, *, chromium: str, width: int) -> list[Path]:
    from playwright.async_api import async_playwright

    student, term = await _pick(base, token)
    pages = {
        "course": (f"#/course/{LARGEST_COURSE_ID}?sort=PAGE_VIEWS&dir=DESCENDING", "course"),
        "student": (f"#/course/{LARGEST_COURSE_ID}/student/{student}", "student"),
        "department": (f"#/account/{ROOT_ACCOUNT_ID}?filter=term&term={term}", "department"),
    }
    saved: list[Path] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": width, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{base}/dashboard")
        await page.fill("#token", token)
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_selector("main[data-state=ready][data-page=home]")
        for name, (fragment, kind) in pages.items():
            started = time.perf_counter()
            await page.evaluate("fragment => { window.location.hash = fragment; }", fragment)
            await page.wait_for_selector(f"main[data-state=ready][data-page={kind}]", timeout=30_000)
            # From navigation to the page drawn: its one query answered and every chart and table made.
            ms = (time.perf_counter() - started) * 1000
            print(f"{name}: rendered in {ms:,.0f} ms", file=sys.stderr)
            await page.evaluate("() => document.activeElement && document.activeElement.blur()")
            await page.mouse.move(0, 0)  # no hover tooltip in the picture
            path = out / f"{name}.png"
            await page.screenshot(path=str(path), full_page=True)
            saved.append(path)
        await browser.close()
    if errors:
        raise SystemExit("the dashboard reported errors:\n" + "\n".join(errors))
    return saved


async def _run(out: Path, database: str | None, *, chromium: str, width: int) -> list[Path]:
    """Serve the gateway on a free port (building the demo first unless ``database``) and shoot."""
    with tempfile.TemporaryDirectory(prefix="dashboard-shots-") as tmp:
        url = database or f"sqlite:///{Path(tmp) / 'demo.db'}"
        engine = create_engine(url)
        try:
            await migrate(engine)
            if database is None:
                print("building the small demo ...", file=sys.stderr)
                await run_demo(engine, scale="small", seed=1)
            _, token = await create_token(engine, user_id=DEMO_ADMIN_USER_ID, purpose="dashboard screenshots")
            runner = web.AppRunner(create_app(Settings(database_url=url), engine=engine), access_log=None)
            await runner.setup()
            port = _free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            try:
                return await _shoot(f"http://127.0.0.1:{port}", token, out, chromium=chromium, width=width)
            finally:
                await runner.cleanup()
        finally:
            await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, take the screenshots, print their paths."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    parser.add_argument("--database", help="an existing database URL (default: build the small demo)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    args = parser.parse_args(argv)
    if not (Path(args.chromium).exists() or shutil.which(args.chromium)):
        parser.error(f"no Chromium at {args.chromium}")
    args.out.mkdir(parents=True, exist_ok=True)
    saved = asyncio.run(_run(args.out, args.database, chromium=args.chromium, width=args.width))
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
