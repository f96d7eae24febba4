"""Request limits: Canvas's per-token request throttling, the body size limit, slow-client timeouts.

**Throttling** follows Canvas (``app/middleware/request_throttle.rb`` and ``doc/api/throttling.md`` in
canvas-lms): a leaky bucket per client. A request first adds an up-front penalty (50) to its bucket; if the
bucket is then at or above the high-water mark the answer is Canvas's 403 (text, not JSON); either way,
when the request finishes the penalty is taken back and the request's cost is added. The bucket leaks
``outflow`` units a second and never holds more than its maximum. Every throttled-path response carries
``X-Request-Cost`` (not on a 403) and ``X-Rate-Limit-Remaining`` (high-water mark minus the bucket).

The client is the presented access token (its SHA-256: the token itself is never kept), else the client
address. The cost is Canvas's "user CPU time plus time spent in database queries", in seconds:

* CPU: one event loop serves many requests at once, so a request is charged its *share* of the loop
  thread's CPU time while it is in flight (processor sharing: CPU time used while ``n`` requests are in
  flight is split evenly between them), not the loop's whole CPU time.
* Database: the time its SQL statements took (SQLAlchemy cursor events, attributed to the request through
  a context variable that its dataloader tasks inherit). For SQLite this is also the work of aiosqlite's
  threads, which the loop thread's CPU time leaves out.

Buckets live in the process: with ``serve --workers N`` each worker keeps its own, so a client spread over
the N workers may spend up to N times the limit.

**Bodies** are read by :func:`body_middleware` before any handler runs: at most ``max_body_bytes`` (413
otherwise, also straight from ``Content-Length``), within ``body_timeout`` seconds (408 otherwise). A
client that sends its request line and headers too slowly is cut by aiohttp's keep-alive timer, which
this app sets to ``idle_timeout`` (see :func:`server_options`): it runs from the connection's start and
from each response until the next request's headers are complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import ClientPayloadError, web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.auth import presented_token
from analytics_gateway.storage.point_reads import inline_engine

__all__ = [
    "BODY_LIMITS_KEY",
    "BODY_TIMEOUT_MESSAGE",
    "DEFAULT_BODY_TIMEOUT_S",
    "DEFAULT_HIGH_WATER",
    "DEFAULT_IDLE_TIMEOUT_S",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_OUTFLOW",
    "RATE_LIMITER_KEY",
    "RATE_LIMIT_EXCEEDED_BODY",
    "UP_FRONT_COST",
    "BodyLimits",
    "RateLimiter",
    "body_middleware",
    "client_key",
    "server_options",
    "throttle_middleware",
    "track_database_time",
    "untrack_database_time",
]

logger = logging.getLogger(__name__)

# Instructure's published defaults ("API Rate Limiting": a high-water mark of 700, leaking 10 units a
# second); request_throttle.rb's code defaults are hwm 600, maximum 800, outflow 10, up_front_cost 50.
DEFAULT_HIGH_WATER = 700.0
DEFAULT_OUTFLOW = 10.0
UP_FRONT_COST = 50.0
MAXIMUM_OVER_HIGH_WATER = 8 / 7  # the bucket's top: 800 for a high-water mark of 700
DEFAULT_MAX_BODY_BYTES = 1024**2  # the largest GraphQL document we accept is a few KiB; 1 MiB is generous
DEFAULT_IDLE_TIMEOUT_S = 30.0
DEFAULT_BODY_TIMEOUT_S = 30.0
PRUNE_EVERY_S = 60.0
MAX_LINGERING_S = 10.0

# request_throttle.rb, ``rate_limit_exceeded``: ``[403, {"Content-Type" => "text/plain; charset=utf-8",
# "X-Rate-Limit-Remaining" => "0.0"}, ["403 #{Rack::Utils::HTTP_STATUS_CODES[403]} (Rate Limit
# Exceeded)\n"]]``. Clients match this exact text (and its newline) to tell throttling from a refusal.
RATE_LIMIT_EXCEEDED_BODY = b"403 Forbidden (Rate Limit Exceeded)\n"
RATE_LIMIT_EXCEEDED_CONTENT_TYPE = "text/plain; charset=utf-8"
BODY_TOO_LARGE_MESSAGE = "The request body is too large (at most {limit:,} bytes)."
BODY_TIMEOUT_MESSAGE = "The request body was not received in time."
BODY_UNREADABLE_MESSAGE = "The request body could not be read."

Clock = Callable[[], float]


# --- Cost of a request -------------------------------------------------------------------------------------


@dataclass
class _Charge:
    """What one request has cost so far: its CPU share's start and its database seconds."""

    clock: Clock
    cpu_start: float
    database: float = 0.0


_CHARGE: ContextVar[_Charge | None] = ContextVar("analytics_request_charge", default=None)
_STARTED = "analytics_statement_started"


def _before_statement(conn: Connection, *_: Any) -> None:
    charge = _CHARGE.get()
    if charge is not None:
        conn.info[_STARTED] = charge.clock()


def _after_statement(conn: Connection, *_: Any) -> None:
    charge = _CHARGE.get()
    started = conn.info.pop(_STARTED, None)
    if charge is not None and started is not None:
        charge.database += max(0.0, charge.clock() - started)


_STATEMENT_LISTENERS = (
    ("before_cursor_execute", _before_statement),
    ("after_cursor_execute", _after_statement),
)


def _statement_engines(engine: AsyncEngine) -> list[Engine]:
    # SQLite's point reads run inline on a second engine (storage/point_reads.py): they are timed too.
    inline = inline_engine(engine)
    return [engine.sync_engine] if inline is None else [engine.sync_engine, inline]


def track_database_time(engine: AsyncEngine) -> None:
    """Charge the time of each SQL statement to the request that sent it."""
    for target in _statement_engines(engine):
        for name, listener in _STATEMENT_LISTENERS:
            if not event.contains(target, name, listener):  # apps sharing a test's engine
                event.listen(target, name, listener)


def untrack_database_time(engine: AsyncEngine) -> None:
    """Undo :func:`track_database_time` (an engine shared with a test outlives the app)."""
    for target in _statement_engines(engine):
        for name, listener in _STATEMENT_LISTENERS:
            if event.contains(target, name, listener):
                event.remove(target, name, listener)


# --- The leaky buckets -------------------------------------------------------------------------------------


@dataclass
class _Bucket:
    count: float
    last_touched: float
    in_flight: int = field(default=0)


class RateLimiter:
    """Canvas's leaky buckets of one process, and the request cost they are filled with.

    ``clock`` (seconds, monotonic) drives the leak and times database statements; ``cpu_clock`` is the
    CPU time of the event loop's thread. Both are injectable so tests control costs and time exactly.
    """

    def __init__(
        self,
        high_water: float = DEFAULT_HIGH_WATER,
        outflow: float = DEFAULT_OUTFLOW,
        *,
        up_front_cost: float = UP_FRONT_COST,
        clock: Clock = time.monotonic,
        cpu_clock: Clock = time.thread_time,
    ) -> None:
        if high_water <= 0 or outflow <= 0:
            raise ValueError("a rate limiter needs a positive high-water mark and outflow")
        self.high_water = high_water
        self.maximum = high_water * MAXIMUM_OVER_HIGH_WATER
        self.outflow = outflow
        self.up_front_cost = up_front_cost
        self.clock = clock
        self.cpu_clock = cpu_clock
        self._buckets: dict[str, _Bucket] = {}
        self._pruned_at = clock()
        # Processor sharing: ``_virtual`` advances by the loop thread's CPU time divided by the number of
        # requests in flight, so a request's CPU share is the advance between its start and its end.
        self._active = 0
        self._cpu_seen = cpu_clock()
        self._virtual = 0.0

    def __len__(self) -> int:
        return len(self._buckets)

    # CPU share

    def _advance(self) -> None:
        now = self.cpu_clock()
        if self._active:
            self._virtual += max(0.0, now - self._cpu_seen) / self._active
        self._cpu_seen = now

    def begin(self) -> _Charge:
        """Start charging a request."""
        self._advance()
        self._active += 1
        return _Charge(self.clock, self._virtual)

    def end(self, charge: _Charge) -> float:
        """Stop charging a request; its cost in seconds (CPU share plus database time)."""
        self._advance()
        self._active -= 1
        return (self._virtual - charge.cpu_start) + charge.database

    # Buckets

    def level(self, key: str) -> float:
        """The bucket's count now (leaked to this moment), without changing it."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        return max(0.0, bucket.count - self.outflow * max(0.0, self.clock() - bucket.last_touched))

    def increment(self, key: str, amount: float) -> float:
        """Leak the bucket to now, add ``amount`` (clamped to 0..maximum) and return the new count.

        increment_bucket.lua, in process: the leak only applies to a non-empty bucket, and a bucket never
        goes below 0 or above its maximum.
        """
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(0.0, now)
        if bucket.count > 0:
            bucket.count -= self.outflow * max(0.0, now - bucket.last_touched)
        bucket.count = min(self.maximum, max(0.0, bucket.count + amount))
        bucket.last_touched = now
        return bucket.count

    def reserve(self, key: str) -> tuple[bool, float]:
        """Add the up-front penalty; ``(allowed, count)``: refused when the bucket is then full."""
        count = self.increment(key, self.up_front_cost)
        self._buckets[key].in_flight += 1
        return count < self.high_water, count

    def settle(self, key: str, cost: float) -> float:
        """Take the penalty back and add the request's cost; the remaining allowance."""
        count = self.increment(key, cost - self.up_front_cost)
        self._buckets[key].in_flight -= 1
        self._prune()
        return self.high_water - count

    def _prune(self) -> None:
        # An empty bucket is the same as none: dropping them keeps a scanner's many keys from piling up.
        now = self.clock()
        if now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        for key in [k for k, b in self._buckets.items() if b.in_flight == 0 and self.level(k) <= 0]:
            del self._buckets[key]


RATE_LIMITER_KEY: web.AppKey[RateLimiter | None] = web.AppKey("rate_limiter")


def client_key(request: web.Request) -> str:
    """The bucket of a request: its presented token's hash, else its client address."""
    token = presented_token(request.headers.get("Authorization"), request.query.get("access_token"))
    if token:
        return "token:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    return f"ip:{request.remote or 'unknown'}"


def _is_throttled_path(path: str) -> bool:
    # The API: REST (and Canvas's /api/graphql) and /graphql; not health, metrics or static assets.
    return path.startswith("/api/") or path == "/graphql"


def _number(value: float) -> str:
    value = round(value, 6)
    return repr(value + 0.0)  # + 0.0 turns -0.0 into 0.0


def _rate_limit_exceeded() -> web.Response:
    response = web.Response(body=RATE_LIMIT_EXCEEDED_BODY, status=403)
    response.headers["Content-Type"] = RATE_LIMIT_EXCEEDED_CONTENT_TYPE
    return response


def _add_headers(headers: CIMultiDict[str], cost: float | None, remaining: float) -> None:
    if cost is not None:
        headers["X-Request-Cost"] = _number(cost)
    headers["X-Rate-Limit-Remaining"] = _number(remaining)


@web.middleware
async def throttle_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Canvas's request throttling on the API paths (a no-op when the limiter is off)."""
    limiter = request.app[RATE_LIMITER_KEY]
    if limiter is None or not _is_throttled_path(request.path):
        return await handler(request)
    key = client_key(request)
    charge = limiter.begin()
    reset = _CHARGE.set(charge)
    allowed, _ = limiter.reserve(key)
    settled: tuple[float, float] | None = None

    def settle() -> tuple[float, float]:
        _CHARGE.reset(reset)
        cost = limiter.end(charge)
        return cost, limiter.settle(key, cost)

    try:
        if allowed:
            response = await handler(request)
        else:
            logger.info("throttled a request of %s... (bucket full)", key[:14])
            response = _rate_limit_exceeded()
    except web.HTTPException as exc:  # redirects and pre-shaped errors raised past the error middleware
        settled = settle()
        _add_headers(exc.headers, settled[0], settled[1])
        raise
    finally:
        if settled is None:
            settled = settle()  # also on any other exception or cancellation: the penalty is taken back
    if not response.prepared:
        # Canvas leaves X-Request-Cost off a throttled answer.
        _add_headers(response.headers, settled[0] if allowed else None, settled[1])
    return response


# --- Bodies and slow clients -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body accepted, and how long a client may take to send it."""

    max_bytes: int = DEFAULT_MAX_BODY_BYTES
    timeout: float = DEFAULT_BODY_TIMEOUT_S


BODY_LIMITS_KEY = web.AppKey("body_limits", BodyLimits)


def _refuse(message: str, status: int, *, close: bool = False) -> web.Response:
    response = web.Response(
        body=orjson.dumps({"errors": [{"message": message}]}), status=status, content_type="application/json"
    )
    if close:
        response.force_close()  # no keep-alive after this answer
    # aiohttp then reads and drops what is left of the body for up to its lingering time (so the client,
    # still sending, gets to read this answer rather than a reset), and closes the connection if the body
    # is still not over.
    return response


@web.middleware
async def body_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the whole request body up front, bounded in size and time; handlers then read it from memory."""
    if not request.body_exists:
        return await handler(request)
    limits = request.app[BODY_LIMITS_KEY]
    too_large = BODY_TOO_LARGE_MESSAGE.format(limit=limits.max_bytes)
    if request.content_length is not None and request.content_length > limits.max_bytes:
        return _refuse(too_large, 413)
    try:
        async with asyncio.timeout(limits.timeout):
            await request.read()  # kept by the request: request.json() and Strawberry reuse it
    except TimeoutError:
        logger.info(
            "%s %s: request body not received within %g s", request.method, request.path, limits.timeout
        )
        return _refuse(BODY_TIMEOUT_MESSAGE, 408, close=True)  # a slow client gets no more time
    except web.HTTPRequestEntityTooLarge:  # a chunked body that grew past the limit
        return _refuse(too_large, 413)
    except (ConnectionError, ClientPayloadError):  # the client went away or sent a broken body
        return _refuse(BODY_UNREADABLE_MESSAGE, 400, close=True)
    return await handler(request)


def server_options(idle_timeout: float, body_timeout: float) -> dict[str, Any]:
    """aiohttp request-handler options of the app (``web.Application(handler_args=...)``).

    aiohttp arms its keep-alive timer when a connection opens and after each response, and closes the
    connection if the next request's headers are not complete when it fires: it is both the idle timeout
    and the header timeout (``run_app`` would set 75 s, the protocol itself 3,630 s). After an answer
    given before the body was all read (408, 413), it drains the rest for its lingering time: at most
    ``body_timeout`` here, and aiohttp's 10 s at most.
    """
    return {"keepalive_timeout": idle_timeout, "lingering_time": min(MAX_LINGERING_S, body_timeout)}
