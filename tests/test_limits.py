"""Request limits: Canvas's throttling (headers, 403, leak, buckets per token), body size, slow clients."""

from __future__ import annotations

import asyncio
import hashlib
import select
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.app import ROUTE_SETUPS, create_app
from analytics_gateway.config import Settings
from analytics_gateway.limits import (
    RATE_LIMIT_EXCEEDED_BODY,
    RATE_LIMITER_KEY,
    UP_FRONT_COST,
    RateLimiter,
    client_key,
)
from analytics_gateway.storage.tokens import create_token
from tests._dataset import Dataset

Client = TestClient[web.Request, web.Application]

COURSE = 10
TEACHER = 5
ACTIVITY = f"/api/v1/courses/{COURSE}/analytics/activity"
GRAPHQL_QUERY = {"query": f'{{ course(id: "{COURSE}") {{ name }} }}'}


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _dataset() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(root=root)
    ds.course(COURSE, account=root, term=term)
    section = ds.section(course=COURSE)
    ds.user(TEACHER, name="Teacher")
    ds.enroll(TEACHER, course=COURSE, section=section, type="TeacherEnrollment")
    return ds


# Work a test route reports as done: the fake CPU clock advances by it while the request is in flight.
_CPU = web.AppKey("fake_cpu", FakeClock)


async def _work(request: web.Request) -> web.Response:
    request.app[_CPU].advance(float(request.query.get("cpu", "0")))
    return web.json_response({"ok": True})


def _work_route(app: web.Application) -> None:
    app[_CPU] = FakeClock()
    app.router.add_get("/api/v1/test/work", _work)


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def make_client(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[MakeClient]:
    """``await make_client(settings=..., limiter=...)``: the gateway over a small course, started."""
    await _dataset().load(engine, tmp_path / "export")
    clients: list[Client] = []

    async def make(*, limiter: RateLimiter | None = None, **settings: float) -> Client:
        app = create_app(
            Settings(database_url="sqlite://unused", **settings),  # type: ignore[arg-type]
            engine=engine,
            route_setups=[*ROUTE_SETUPS, _work_route],
        )
        if limiter is not None:
            app[RATE_LIMITER_KEY] = limiter
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def token(engine: AsyncEngine) -> str:
    _, plaintext = await create_token(engine, user_id=TEACHER)
    return plaintext


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- Throttling --------------------------------------------------------------------------------------------


async def test_every_api_answer_carries_cost_and_remaining(make_client: MakeClient, token: str) -> None:
    client = await make_client()  # the defaults: Canvas's 700 and 10 units/s
    answers = [
        await client.get(ACTIVITY, headers=_auth(token)),
        await client.post("/graphql", json=GRAPHQL_QUERY, headers=_auth(token)),
        await client.post("/api/graphql", json=GRAPHQL_QUERY, headers=_auth(token)),
        await client.get("/api/v1/courses/999999/analytics/activity", headers=_auth(token)),  # a 404
        await client.get(ACTIVITY),  # no token: a 401, in the client address's bucket
    ]
    assert [a.status for a in answers] == [200, 200, 200, 404, 401]
    assert (await answers[1].json())["data"] == {"course": {"name": "Course"}}
    for answer in answers:
        cost = float(answer.headers["X-Request-Cost"])
        remaining = float(answer.headers["X-Rate-Limit-Remaining"])
        # A real cost (CPU share plus statement time): more than nothing, far less than a second here.
        assert 0 < cost < 2, cost
        # Nearly all left: the bucket leaks 10 a second, during the request too (its up-front 50 with it),
        # which outpaces one client's sequential requests, as Canvas's documentation says.
        assert 690 < remaining <= 700, (remaining, cost)
    for path in ("/healthz", "/metrics", "/dashboard"):  # not the API: no throttling
        answer = await client.get(path)
        assert "X-Request-Cost" not in answer.headers
        assert "X-Rate-Limit-Remaining" not in answer.headers


async def test_database_time_is_charged_to_the_request(make_client: MakeClient, token: str) -> None:
    # The clock times statements; the CPU clock stands still: the whole cost is statement time.
    clock, cpu = FakeClock(), FakeClock()
    ticking = RateLimiter(clock=lambda: clock.now, cpu_clock=cpu)
    client = await make_client(limiter=ticking)

    def tick() -> float:
        clock.advance(0.25)  # every reading of the clock is a quarter second later
        return clock.now

    ticking.clock = tick
    answer = await client.get(ACTIVITY, headers=_auth(token))
    assert answer.status == 200
    cost = float(answer.headers["X-Request-Cost"])
    # Each statement is timed by two readings, 0.25 s apart; the token lookup and the course's queries
    # are several statements (leaking between readings does not enter into the cost).
    assert cost >= 0.5, cost
    assert (cost / 0.25).is_integer(), cost


async def test_a_full_bucket_answers_canvas_403_until_it_leaks(make_client: MakeClient, token: str) -> None:
    clock = FakeClock()  # frozen: nothing leaks until the test says so
    limiter = RateLimiter(100, 10, clock=clock, cpu_clock=FakeClock())
    client = await make_client(limiter=limiter)
    limiter.cpu_clock = client.app[_CPU]  # the work route advances exactly this clock
    statuses, remaining = [], []
    for _ in range(5):  # 20 units each; with the up-front 50, a bucket of 50 or more refuses
        answer = await client.get("/api/v1/test/work?cpu=20", headers=_auth(token))
        statuses.append(answer.status)
        remaining.append(float(answer.headers["X-Rate-Limit-Remaining"]))
        if answer.status == 403:
            assert "X-Request-Cost" not in answer.headers  # as Canvas: no cost on a throttled answer
            assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert await answer.read() == RATE_LIMIT_EXCEEDED_BODY == b"403 Forbidden (Rate Limit Exceeded)\n"
        else:
            assert float(answer.headers["X-Request-Cost"]) == 20.0
    # 0 → 20 → 40 → 60, then 60 + 50 ≥ 100: refused (and the 403 costs nothing on these clocks)
    assert statuses == [200, 200, 200, 403, 403]
    assert remaining == [80.0, 60.0, 40.0, 40.0, 40.0]
    # GraphQL is behind the same bucket and gets the same answer.
    answer = await client.post("/graphql", json=GRAPHQL_QUERY, headers=_auth(token))
    assert answer.status == 403
    assert await answer.read() == RATE_LIMIT_EXCEEDED_BODY

    clock.advance(0.5)  # leaks 5: 55, still 55 + 50 ≥ 100
    assert (await client.get(ACTIVITY, headers=_auth(token))).status == 403
    clock.advance(1.0)  # leaks 10 more: 45 + 50 < 100
    answer = await client.get(ACTIVITY, headers=_auth(token))
    assert answer.status == 200
    assert float(answer.headers["X-Rate-Limit-Remaining"]) == pytest.approx(55.0)
    clock.advance(3600)  # an hour later the bucket is empty again
    answer = await client.get("/api/v1/test/work?cpu=0", headers=_auth(token))
    assert float(answer.headers["X-Rate-Limit-Remaining"]) == 100.0


async def test_parallel_requests_pay_the_up_front_penalty(make_client: MakeClient, token: str) -> None:
    clock = FakeClock()
    limiter = RateLimiter(120, 10, clock=clock, cpu_clock=FakeClock())
    client = await make_client(limiter=limiter)
    key = client_key_for(token)
    # Two requests in flight hold 2 x 50; a third arriving now finds 100 + 50 ≥ 120 and is refused.
    assert limiter.reserve(key) == (True, 50.0)
    assert limiter.reserve(key) == (True, 100.0)
    answer = await client.get(ACTIVITY, headers=_auth(token))
    assert answer.status == 403
    limiter.settle(key, 0.0)
    limiter.settle(key, 0.0)  # both finish: their penalties are credited back
    assert limiter.level(key) == 0.0
    assert (await client.get(ACTIVITY, headers=_auth(token))).status == 200


def client_key_for(token: str) -> str:
    return "token:" + hashlib.sha256(token.encode()).hexdigest()


async def test_tokens_have_separate_buckets(make_client: MakeClient, token: str, engine: AsyncEngine) -> None:
    clock = FakeClock()
    limiter = RateLimiter(100, 10, clock=clock, cpu_clock=FakeClock())
    client = await make_client(limiter=limiter)
    limiter.cpu_clock = client.app[_CPU]
    _, other = await create_token(engine, user_id=TEACHER)  # the same user, another token
    assert (await client.get("/api/v1/test/work?cpu=80", headers=_auth(token))).status == 200
    assert (await client.get(ACTIVITY, headers=_auth(token))).status == 403
    answer = await client.get(ACTIVITY, headers=_auth(other))
    assert answer.status == 200
    assert float(answer.headers["X-Rate-Limit-Remaining"]) == 100.0  # nothing of the first token's
    # ?access_token= is the same token, so the same bucket as the header.
    assert (await client.get(ACTIVITY, params={"access_token": token})).status == 403
    # No token: the client address's bucket, not a token's.
    assert (await client.get(ACTIVITY)).status == 401
    # The bucket is keyed by the token's hash, never the token itself.
    assert not any(token in key or other in key for key in limiter._buckets)
    assert len(limiter) == 3


async def test_turned_off_by_zero(make_client: MakeClient, token: str) -> None:
    for settings in ({"rate_limit_high_water": 0}, {"rate_limit_outflow": 0}):
        client = await make_client(**settings)
        assert client.app[RATE_LIMITER_KEY] is None
        for _ in range(3):
            answer = await client.get(ACTIVITY, headers=_auth(token))
            assert answer.status == 200
            assert "X-Request-Cost" not in answer.headers
            assert "X-Rate-Limit-Remaining" not in answer.headers


def test_rate_limit_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYTICS_RATE_LIMIT_HIGH_WATER", "1500")
    monkeypatch.setenv("ANALYTICS_RATE_LIMIT_OUTFLOW", "0")
    settings = Settings.from_env(database_url="sqlite:///x.db")
    assert (settings.rate_limit_high_water, settings.rate_limit_outflow) == (1500.0, 0.0)
    assert not settings.rate_limited
    assert Settings.from_env(database_url="sqlite:///x.db", rate_limit_outflow=2.5).rate_limit_outflow == 2.5
    monkeypatch.setenv("ANALYTICS_RATE_LIMIT_OUTFLOW", "fast")
    with pytest.raises(ValueError, match="ANALYTICS_RATE_LIMIT_OUTFLOW must be a number"):
        Settings.from_env(database_url="sqlite:///x.db")
    with pytest.raises(ValueError, match="rate_limit_high_water"):
        Settings(database_url="sqlite:///x.db", rate_limit_high_water=-1)


def test_the_bucket_never_holds_more_than_its_maximum() -> None:
    clock = FakeClock()
    limiter = RateLimiter(700, 10, clock=clock, cpu_clock=FakeClock())
    assert limiter.increment("k", 10_000) == pytest.approx(800.0)  # Canvas's maximum for 700
    clock.advance(80)  # 800 leaked at 10/s
    assert limiter.level("k") == 0.0
    assert limiter.increment("k", -5) == 0.0  # never below empty
    assert UP_FRONT_COST == 50.0


# --- Bodies and slow clients -------------------------------------------------------------------------------


async def test_a_body_over_the_limit_is_413(make_client: MakeClient, token: str) -> None:
    client = await make_client(max_body_bytes=4096)
    padding = "#" + "x" * 5000 + "\n"
    big = {"query": padding + GRAPHQL_QUERY["query"]}
    expected = {"errors": [{"message": "The request body is too large (at most 4,096 bytes)."}]}
    answer = await client.post("/graphql", json=big, headers=_auth(token))
    assert (answer.status, await answer.json()) == (413, expected)
    assert "X-Rate-Limit-Remaining" in answer.headers  # still an API answer

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: caught while reading
        yield orjson.dumps(big)

    answer = await client.post(
        "/graphql", data=chunked(), headers={**_auth(token), "Content-Type": "application/json"}
    )
    assert (answer.status, await answer.json()) == (413, expected)
    # Under the limit, the same query (and its body read up front) works.
    small = {"query": "#" + "x" * 3000 + "\n" + GRAPHQL_QUERY["query"]}
    answer = await client.post("/graphql", json=small, headers=_auth(token))
    assert answer.status == 200
    assert (await answer.json())["data"] == {"course": {"name": "Course"}}


def _connect(client: Client) -> socket.socket:
    assert client.port is not None
    return socket.create_connection((client.host, client.port), timeout=10)


def _read_until_closed(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the server still holds the connection; it sent {data!r}")


async def test_headers_sent_too_slowly_lose_the_connection(make_client: MakeClient) -> None:
    client = await make_client(idle_timeout=1.0)

    def trickle() -> tuple[float, bytes]:
        with _connect(client) as sock:
            started = time.monotonic()
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            sent = 0
            try:
                for _ in range(40):  # a header byte every 0.1 s: never finishes within 4 s
                    time.sleep(0.1)
                    sock.sendall(b"X")
                    sent += 1
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started, b""
            return time.monotonic() - started, _read_until_closed(sock, time.monotonic() + 1)

    elapsed, answer = await asyncio.to_thread(trickle)
    assert answer == b""  # cut without an answer: there was never a whole request to answer
    assert elapsed < 3.5, elapsed  # cut after about 1 s, not after the trickle's 4 s

    # A prompt client on a fresh connection is served, and an idle keep-alive connection is closed too.
    def prompt_then_idle() -> tuple[bytes, float]:
        with _connect(client) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            first = sock.recv(65536)
            started = time.monotonic()
            _read_until_closed(sock, started + 3)
            return first, time.monotonic() - started

    first, idle = await asyncio.to_thread(prompt_then_idle)
    assert first.startswith(b"HTTP/1.1 200")
    assert 0.5 < idle < 3, idle


async def test_a_body_sent_too_slowly_is_408(make_client: MakeClient, token: str) -> None:
    client = await make_client(body_timeout=1.0, idle_timeout=30.0)
    body = orjson.dumps(GRAPHQL_QUERY)

    def trickle() -> tuple[float, bytes]:
        with _connect(client) as sock:
            head = (
                f"POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            sock.sendall(head.encode() + body[:5])
            started = time.monotonic()
            for byte in body[5:25]:  # a byte every 0.1 s: the body would take 2 s and more
                if select.select([sock], [], [], 0.1)[0]:
                    break  # the server answered: sending on would only earn a reset
                sock.sendall(bytes([byte]))
            return time.monotonic() - started, _read_until_closed(sock, time.monotonic() + 3)

    elapsed, answer = await asyncio.to_thread(trickle)
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer
    assert b"Connection: close" in head
    assert orjson.loads(payload) == {"errors": [{"message": "The request body was not received in time."}]}
    assert elapsed < 4, elapsed


async def test_client_key_hashes_the_token() -> None:
    from aiohttp.test_utils import make_mocked_request

    request = make_mocked_request("GET", "/api/v1/x", headers={"Authorization": "Bearer secret~token"})
    key = client_key(request)
    assert key.startswith("token:")
    assert "secret" not in key
    assert key == client_key_for("secret~token")
    assert client_key(make_mocked_request("GET", "/api/v1/x?access_token=secret~token")) == key
    assert client_key(make_mocked_request("GET", "/api/v1/x")).startswith("ip:")
