"""The aiohttp application factory: settings, database engine, error handling, health and metrics.

Every route is added by a *route setup* function (``ROUTE_SETUPS``); the GraphQL view and the Canvas REST
routes plug in there, so the factory is the one place that knows the whole HTTP surface.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.appkeys import CACHE_KEY, ENGINE_KEY, SETTINGS_KEY
from analytics_gateway.config import Settings
from analytics_gateway.dashboard import add_dashboard_routes
from analytics_gateway.limits import (
    BODY_LIMITS_KEY,
    RATE_LIMITER_KEY,
    BodyLimits,
    RateLimiter,
    body_middleware,
    server_options,
    throttle_middleware,
    track_database_time,
    untrack_database_time,
)
from analytics_gateway.resolvers.cache import ResultCache
from analytics_gateway.rest_compat.routes import add_rest_routes
from analytics_gateway.schema.view import add_graphql_routes
from analytics_gateway.storage.engine import create_engine, is_unavailable, migrate
from analytics_gateway.storage.point_reads import inline_engine

__all__ = [
    "ENGINE_KEY",
    "METRICS_KEY",
    "ROUTE_SETUPS",
    "SETTINGS_KEY",
    "Metrics",
    "RouteSetup",
    "add_core_routes",
    "create_app",
]

logger = logging.getLogger(__name__)


HEALTH_TIMEOUT_S = 5.0
NOT_FOUND_MESSAGE = "The specified resource does not exist."  # Canvas's body for unknown resources
INTERNAL_ERROR_MESSAGE = "An error occurred."
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; please retry later."
DATABASE_RETRY_AFTER_S = 5


def _json(data: Any, *, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _errors(message: str, *, status: int) -> web.Response:
    return _json({"errors": [{"message": message}]}, status=status)


# --- Metrics -----------------------------------------------------------------------------------------------

# Label values come from requests; bounding them keeps a scanner from growing the metrics without end.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_UNMATCHED_ROUTE = "(unmatched)"


class Metrics:
    """Request counters of one server process, rendered in the Prometheus text format."""

    def __init__(self) -> None:
        self.requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        self.duration_sum: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.duration_count: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.sql_statements = 0

    def count_statement(self, *_: Any) -> None:
        """Count one SQL statement sent to the database (a SQLAlchemy ``before_cursor_execute`` hook)."""
        self.sql_statements += 1

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        method = method if method in _KNOWN_METHODS else "OTHER"
        self.requests[(method, route, status)] += 1
        self.duration_sum[(method, route)] += seconds
        self.duration_count[(method, route)] += 1

    def render(self) -> str:
        """The exposition text (format version 0.0.4)."""
        lines = [
            "# HELP analytics_gateway_http_requests_total HTTP requests served.",
            "# TYPE analytics_gateway_http_requests_total counter",
        ]
        for (method, route, status), count in sorted(self.requests.items()):
            labels = _labels(method=method, route=route, status=str(status))
            lines.append(f"analytics_gateway_http_requests_total{{{labels}}} {count}")
        lines += [
            "# HELP analytics_gateway_http_request_duration_seconds Time spent serving HTTP requests.",
            "# TYPE analytics_gateway_http_request_duration_seconds summary",
        ]
        for method, route in sorted(self.duration_count):
            labels = _labels(method=method, route=route)
            lines.append(
                f"analytics_gateway_http_request_duration_seconds_sum{{{labels}}} "
                f"{self.duration_sum[(method, route)]!r}"
            )
            lines.append(
                f"analytics_gateway_http_request_duration_seconds_count{{{labels}}} "
                f"{self.duration_count[(method, route)]}"
            )
        lines += [
            "# HELP analytics_gateway_sql_statements_total SQL statements sent to the database.",
            "# TYPE analytics_gateway_sql_statements_total counter",
            f"analytics_gateway_sql_statements_total {self.sql_statements}",
        ]
        return "\n".join(lines) + "\n"


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return ",".join(f'{name}="{escape(value)}"' for name, value in labels.items())


METRICS_KEY = web.AppKey("metrics", Metrics)


def _route_label(request: web.Request) -> str:
    # The route's pattern (`/api/v1/courses/{course_id}/...`), never the raw path: ids would explode the
    # number of series.
    resource = request.match_info.route.resource
    if resource is None or request.match_info.http_exception is not None:
        return _UNMATCHED_ROUTE
    return resource.canonical


@web.middleware
async def _metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # redirects and the like, raised past the error middleware
        status = exc.status
        raise
    finally:
        request.app[METRICS_KEY].observe(
            request.method, _route_label(request), status, time.perf_counter() - started
        )


# --- Errors ------------------------------------------------------------------------------------------------


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error answer is JSON; nothing about the server's internals ever reaches the client."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if request.match_info.http_exception is exc:
            # No route matched. Canvas (Rails routing) answers a wrong method like an unknown path: 404.
            return _errors(NOT_FOUND_MESSAGE, status=404)
        if exc.status < 400 or exc.content_type == "application/json":
            raise  # redirects, and errors a handler already shaped
        if exc.status == 404:
            return _errors(NOT_FOUND_MESSAGE, status=404)
        response = _errors(exc.reason, status=exc.status)
        for name, value in exc.headers.items():  # keep e.g. WWW-Authenticate, Allow, Retry-After
            if name.lower() not in ("content-type", "content-length"):
                response.headers.add(name, value)
        return response
    except Exception as exc:
        if is_unavailable(exc):  # the database is down or restarting: say so, and to retry
            logger.warning("database unavailable in %s %s: %s", request.method, request.path, _brief(exc))
            response = _errors(DATABASE_UNAVAILABLE_MESSAGE, status=503)
            response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
            return response
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return _errors(INTERNAL_ERROR_MESSAGE, status=500)


def _brief(exc: BaseException) -> str:
    # One line for the log: the exception's first line, never its statement and parameters.
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"[:300]


# --- Core routes -------------------------------------------------------------------------------------------


async def _healthz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            async with request.app[ENGINE_KEY].connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "do not send traffic here"; the details go to the log
        logger.warning("health check failed: %s: %s", type(exc).__name__, exc)
        return _json({"status": "unavailable"}, status=503)
    return _json({"status": "ok"})


async def _metrics(request: web.Request) -> web.Response:
    text = request.app[METRICS_KEY].render()
    cache = request.app[CACHE_KEY]
    if cache is not None:
        text += _cache_metrics(cache)
    return web.Response(text=text, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


def _cache_metrics(cache: ResultCache) -> str:
    counters = {
        "hits": "Analytics results served from the cache.",
        "misses": "Analytics results computed (not cached, or stale).",
        "stale": "Cached results found stale (an import touched them, or a due date passed).",
        "checks": "Freshness queries sent to the database.",
    }
    lines: list[str] = []
    for name, help_text in counters.items():
        metric = f"analytics_gateway_cache_{name}_total"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
        lines.append(f"{metric} {getattr(cache.stats, name)}")
    lines += [
        "# HELP analytics_gateway_cache_entries Analytics results held by the cache.",
        "# TYPE analytics_gateway_cache_entries gauge",
        f"analytics_gateway_cache_entries {len(cache)}",
    ]
    return "\n".join(lines) + "\n"


async def _index(request: web.Request) -> web.Response:
    # The front door of a browser: GraphiQL (it explains where the token goes).
    raise web.HTTPFound("/graphql")


def add_core_routes(app: web.Application) -> None:
    """``/`` (to GraphiQL), ``/healthz`` and ``/metrics``."""
    app.router.add_get("/", _index)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)


RouteSetup = Callable[[web.Application], None]
"""Adds a group of routes (and whatever per-app state they need) to the application."""

ROUTE_SETUPS: tuple[RouteSetup, ...] = (
    add_core_routes,
    add_rest_routes,
    add_graphql_routes,
    add_dashboard_routes,
)


# --- Factory -----------------------------------------------------------------------------------------------


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    route_setups: Sequence[RouteSetup] = ROUTE_SETUPS,
) -> web.Application:
    """Build the application; its database is opened (and migrated) on startup and closed on shutdown.

    ``engine`` lets a caller (a test with loaded data) share its own engine; the app then leaves
    disposing it to that caller.
    """
    # The metrics middleware is outermost so it sees the final status of every answer, errors included;
    # throttling wraps the error middleware so every answer, errors included, carries its headers; bodies
    # are read (bounded in size and time) before anything else looks at the request.
    app = web.Application(
        middlewares=[_metrics_middleware, throttle_middleware, _error_middleware, body_middleware],
        client_max_size=settings.max_body_bytes,
        handler_args=server_options(settings.idle_timeout, settings.body_timeout),
    )
    app[BODY_LIMITS_KEY] = BodyLimits(settings.max_body_bytes, settings.body_timeout)
    app[RATE_LIMITER_KEY] = (
        RateLimiter(settings.rate_limit_high_water, settings.rate_limit_outflow)
        if settings.rate_limited
        else None
    )
    app[SETTINGS_KEY] = settings
    app[METRICS_KEY] = Metrics()
    app[CACHE_KEY] = ResultCache(settings.cache_entries) if settings.cache_entries else None

    async def database(app: web.Application) -> AsyncIterator[None]:
        own = engine is None
        eng = create_engine(settings.database_url) if engine is None else engine
        inline = inline_engine(eng)
        counted_engines = [eng.sync_engine] if inline is None else [eng.sync_engine, inline]
        try:
            await migrate(eng)
            app[ENGINE_KEY] = eng
            # Statements per request is the batching figure the benchmarks report (bench/serve_bench.py),
            # the point reads SQLite runs inline included (storage/point_reads.py).
            for counted in counted_engines:
                event.listen(counted, "before_cursor_execute", app[METRICS_KEY].count_statement)
            if app[RATE_LIMITER_KEY] is not None:
                track_database_time(eng)  # a request's cost includes its statements' time
            yield
        finally:
            untrack_database_time(eng)
            for counted in counted_engines:
                if event.contains(counted, "before_cursor_execute", app[METRICS_KEY].count_statement):
                    event.remove(counted, "before_cursor_execute", app[METRICS_KEY].count_statement)
            if own:
                await eng.dispose()

    app.cleanup_ctx.append(database)
    for setup in route_setups:
        setup(app)
    return app
