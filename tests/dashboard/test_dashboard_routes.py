"""The dashboard's routes: the page and its assets, their headers, 404s and path traversal.

The dashboard serves files only (its data comes from /graphql in the browser), so these tests need no data;
they run on one SQLite file, not on both backends.
"""

from __future__ import annotations

import ast
import asyncio
import posixpath
import re
import tomllib
from collections.abc import AsyncIterator
from fnmatch import fnmatchcase
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import analytics_gateway.dashboard
from analytics_gateway.app import ROUTE_SETUPS, create_app
from analytics_gateway.config import Settings
from analytics_gateway.dashboard import add_dashboard_routes
from analytics_gateway.dashboard.routes import load_static_files

Client = TestClient[web.Request, web.Application]

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
PACKAGE = Path(analytics_gateway.dashboard.__file__).parent
STATIC = PACKAGE / "static"
ROOT = PACKAGE.parent.parent


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    """The whole application (every route setup) on an empty SQLite file."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'dashboard.db'}"))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def test_the_dashboard_is_one_of_the_route_setups() -> None:
    assert add_dashboard_routes in ROUTE_SETUPS


class _Page(HTMLParser):
    """The script, stylesheet and inline-code facts of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.stylesheets: list[str] = []
        self.inline_handlers: list[str] = []
        self.inline_styles: list[str] = []
        self._in_script = False
        self.inline_script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.inline_handlers += [name for name, _ in attrs if name.startswith("on")]
        if "style" in found:
            self.inline_styles.append(tag)
        if tag == "script":
            self.scripts.append(found)
            self._in_script = True
        if tag == "link" and found.get("rel") == "stylesheet" and found.get("href"):
            self.stylesheets.append(str(found["href"]))
        if tag == "style":
            self.inline_styles.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_script_text += data.strip()


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/"])
async def test_the_page_is_served_with_a_strict_policy(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-cache"
    page = _Page()
    page.feed(await response.text())
    # No inline script, handler or style: everything the page runs comes from its own files.
    assert page.inline_script_text == ""
    assert page.inline_handlers == []
    assert page.inline_styles == []
    sources = [s.get("src") for s in page.scripts]
    assert all(src and src.startswith("/dashboard/static/") for src in sources)
    assert {"type": "module", "src": "/dashboard/static/app.js"} in page.scripts
    for asset in [*map(str, sources), *page.stylesheets]:
        assert (await client.get(asset)).status == 200, asset


@pytest.mark.parametrize(
    ("name", "content_type", "cache_control"),
    [
        ("app.js", "text/javascript", "no-cache"),
        ("pages/course.js", "text/javascript", "no-cache"),
        ("dashboard.css", "text/css", "no-cache"),
        ("favicon.svg", "image/svg+xml", "no-cache"),
        ("vendor/chart.umd.min.js", "text/javascript", "public, max-age=86400"),
        ("vendor/chartjs-chart-boxplot.umd.min.js", "text/javascript", "public, max-age=86400"),
        ("vendor/LICENSE.chart.js.md", "text/plain", "public, max-age=86400"),
        ("vendor/LICENSE.chartjs-chart-boxplot", "text/plain", "public, max-age=86400"),
        ("vendor/README.md", "text/plain", "public, max-age=86400"),
    ],
)
async def test_assets_have_their_content_types(
    client: Client, name: str, content_type: str, cache_control: str
) -> None:
    response = await client.get(f"/dashboard/static/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["Cache-Control"] == cache_control
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert await response.read() == (STATIC / name).read_bytes()


async def test_an_unchanged_asset_is_not_sent_again(client: Client) -> None:
    first = await client.get("/dashboard/static/app.js")
    etag = first.headers["ETag"]
    again = await client.get("/dashboard/static/app.js", headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""


async def test_every_module_import_resolves(client: Client) -> None:
    # The ES modules import each other by relative URL; a typo would only show in a browser.
    modules = sorted(
        p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js") if "vendor" not in p.parts
    )
    assert {"app.js", "api.js", "pages/course.js", "pages/student.js", "pages/department.js"} <= set(modules)
    for module in modules:
        source = (STATIC / module).read_text("utf-8")
        for target in re.findall(r'^import .* from "(\.{1,2}/[^"]+)";$', source, flags=re.MULTILINE):
            url = posixpath.normpath(posixpath.join("/dashboard/static", posixpath.dirname(module), target))
            response = await client.get(url)
            assert response.status == 200, f"{module} imports {target}"
            assert response.content_type == "text/javascript"


@pytest.mark.parametrize(
    "name", ["nope.js", "vendor/nope.js", "pages", "vendor/", "__init__.py", "routes.py", "index.html/x"]
)
async def test_an_unknown_asset_is_a_canvas_404(client: Client, name: str) -> None:
    response = await client.get(f"/dashboard/static/{name}")
    assert response.status == 404
    assert await response.json() == NOT_FOUND


async def _raw_get(client: Client, target: str) -> tuple[int, bytes]:
    # A raw request line: HTTP clients normalise `..` away before sending, an attacker's need not.
    assert client.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    "target",
    [
        "/dashboard/static/../../app.py",
        "/dashboard/static/../routes.py",
        "/dashboard/static/%2e%2e/%2e%2e/app.py",
        "/dashboard/static/..%2f..%2fapp.py",
        "/dashboard/static/..%5c..%5capp.py",
        "/dashboard/static/vendor/../../__init__.py",
        "/dashboard/static//etc/passwd",
    ],
)
async def test_path_traversal_is_refused(client: Client, target: str) -> None:
    status, body = await _raw_get(client, target)
    assert status in (400, 404)
    assert b"import" not in body
    assert b"root:" not in body
    if status == 404:
        assert b"The specified resource does not exist." in body


def test_every_static_file_is_package_data() -> None:
    # Installed (non-editable) copies must carry every file the dashboard serves.
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    patterns = globs["analytics_gateway"]
    served = load_static_files()
    assert "index.html" in served
    for name in served:
        path = f"dashboard/static/{name}"
        assert any(fnmatchcase(path, p) and "/" not in path[len(p.rstrip("*")) :] for p in patterns), path


def test_the_vendored_libraries_carry_licences_and_versions() -> None:
    vendor = STATIC / "vendor"
    readme = (vendor / "README.md").read_text("utf-8")
    chart = (vendor / "chart.umd.min.js").read_text("utf-8")
    version = re.search(r"Chart\.js v(4\.\d+\.\d+)", chart)
    assert version is not None
    assert f"| {version.group(1)} |" in readme
    for licence in ("LICENSE.chart.js.md", "LICENSE.chartjs-chart-boxplot", "LICENSE.boxplots"):
        assert "MIT" in (vendor / licence).read_text("utf-8") or "Permission is hereby granted" in (
            vendor / licence
        ).read_text("utf-8")
        assert licence in readme
    # No request for a source map the package does not ship.
    assert "sourceMappingURL" not in chart
    assert "sourceMappingURL" not in (vendor / "chartjs-chart-boxplot.umd.min.js").read_text("utf-8")


def test_the_dashboard_is_only_a_graphql_client() -> None:
    # Its Python side serves files; it never reaches into the analytics layer or the database.
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text("utf-8"))
        imported = [
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        for name in imported:
            assert not str(name).startswith(
                ("analytics_gateway.resolvers", "analytics_gateway.storage", "analytics_gateway.schema")
            ), f"{source.name} imports {name}"
