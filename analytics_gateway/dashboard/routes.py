"""Routes of the dashboard: the page at ``/dashboard`` and its assets under ``/dashboard/static/``.

Every file is read from the package once, when the routes are added, into a name → file table; a request
can only ever get a file of that table (no file system lookup, so no path traversal), and anything else is
the application's usual Canvas-style JSON 404.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from aiohttp import web
from aiohttp.typedefs import Handler

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DASHBOARD_PATH",
    "STATIC_PREFIX",
    "StaticFile",
    "add_dashboard_routes",
    "load_static_files",
]

DASHBOARD_PATH = "/dashboard"
STATIC_PREFIX = "/dashboard/static"

# Scripts and styles only from our own origin (no inline script or style, no eval), data only from our own
# /graphql, and the page may not be framed. `img-src data:` is for the PNGs "save chart" could make.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

# Our own files change with the package: always revalidated (cheap 304s through the ETag). The vendored
# libraries change only when scripts/vendor-dashboard-assets is run, so a browser may keep them a day.
OWN_CACHE_CONTROL = "no-cache"
VENDOR_CACHE_CONTROL = "public, max-age=86400"

_CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/plain; charset=utf-8",  # shown by browsers as is (text/markdown may be downloaded)
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_TEXT_PLAIN = "text/plain; charset=utf-8"  # the vendored LICENSE files (no suffix)


@dataclass(frozen=True, slots=True)
class StaticFile:
    """One servable file: its bytes, content type, cache policy and (weak) entity tag."""

    body: bytes
    content_type: str
    cache_control: str
    etag: str


def _content_type(name: str) -> str | None:
    if name.startswith("LICENSE"):
        return _TEXT_PLAIN
    dot = name.rfind(".")
    return _CONTENT_TYPES.get(name[dot:]) if dot > 0 else None


def _walk(folder: Traversable, prefix: str) -> dict[str, StaticFile]:
    files: dict[str, StaticFile] = {}
    for entry in folder.iterdir():
        if entry.name.startswith((".", "_")):
            continue
        name = prefix + entry.name
        if entry.is_dir():
            files.update(_walk(entry, name + "/"))
            continue
        content_type = _content_type(entry.name)
        if content_type is None:
            continue
        body = entry.read_bytes()
        files[name] = StaticFile(
            body=body,
            content_type=content_type,
            cache_control=VENDOR_CACHE_CONTROL if name.startswith("vendor/") else OWN_CACHE_CONTROL,
            etag='W/"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        )
    return files


def load_static_files() -> dict[str, StaticFile]:
    """Every file under the package's ``dashboard/static`` folder, by path relative to it."""
    return _walk(resources.files("analytics_gateway.dashboard").joinpath("static"), "")


def _respond(request: web.Request, file: StaticFile) -> web.Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": file.cache_control, "ETag": file.etag}
    if file.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    response = web.Response(body=file.body, headers={**headers, "Content-Type": file.content_type})
    if not file.content_type.startswith("image/png"):
        response.enable_compression()
    return response


def _page_handler(index: StaticFile) -> Handler:
    async def page(request: web.Request) -> web.StreamResponse:
        return _respond(request, index)

    return page


def _static_handler(files: dict[str, StaticFile]) -> Handler:
    async def static(request: web.Request) -> web.StreamResponse:
        found = files.get(request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound()  # the error middleware turns it into Canvas's JSON 404
        return _respond(request, found)

    return static


def add_dashboard_routes(app: web.Application) -> None:
    """``/dashboard`` and ``/dashboard/`` (the page) and ``/dashboard/static/{path}`` (its assets)."""
    files = load_static_files()
    page = _page_handler(files["index.html"])
    app.router.add_get(DASHBOARD_PATH, page)
    app.router.add_get(DASHBOARD_PATH + "/", page)
    app.router.add_get(STATIC_PREFIX + "/{path:.+}", _static_handler(files))
