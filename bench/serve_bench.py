"""Serving benchmark: every REST route and two GraphQL dashboards against a running gateway.

Usage::

    python -m bench.serve_bench                  # large demo in bench/.data/large.db (built once), SQLite
    python -m bench.serve_bench --database postgresql://postgres@127.0.0.1:5432/bench
    python -m bench.serve_bench --scale medium   # quicker, for a smoke run

It builds the demo database with ``analytics-gateway demo`` when it holds no courses, starts
``analytics-gateway serve`` on it, makes a token for the demo's admin, and picks the largest course (most
students), its busiest student (most page views), the root account, its largest direct sub-account and the
current term. Each request is sent ``--samples`` times one after another (p50, p95, and SQL statements per
request from the server's ``/metrics``), then by ``--clients`` concurrent clients for ``--seconds``
(requests/s). Prints a table. The README's serving figures come from this script.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.config import DEFAULT_CACHE_ENTRIES
from analytics_gateway.storage.engine import create_engine, migrate
from bench.floors import Floor, data_floor_sql, department_accounts, measure_sql, raw_web_logs_activity_sql
from bench.import_bench import DATA

HERE = Path(__file__).parent
STATEMENTS_METRIC = "analytics_gateway_sql_statements_total"
# Extra `serve` options: throttling off. One token's concurrent clients would otherwise pay Canvas's
# up-front penalty each and, on the slow routes, outrun the bucket's leak: the benchmark measures the
# server, not the limiter.
SERVER_OPTIONS: list[str] = ["--rate-limit-high-water", "0"]


@dataclass(frozen=True)
class Target:
    """The objects the routes are asked about."""

    course: int
    students: int
    student: int
    root: int
    sub_account: int
    term: int


@dataclass(frozen=True)
class Request:
    """One benchmarked request: a GET path, or a GraphQL query with variables."""

    name: str
    path: str
    graphql: dict[str, Any] | None = None


@dataclass
class Result:
    """Figures for one request."""

    name: str
    p50_ms: float
    p95_ms: float
    rps: float
    statements: float
    size: int

    def render(self) -> str:
        return (
            f"| {self.name} | {self.p50_ms:,.1f} | {self.p95_ms:,.1f} | {self.rps:,.0f} | "
            f"{self.statements:,.1f} | {self.size:,} |"
        )


async def _has_courses(url: str) -> bool:
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            return bool((await conn.execute(text("SELECT count(*) FROM courses"))).scalar_one())
    finally:
        await engine.dispose()


def ensure_demo(url: str, scale: str) -> None:
    """Build the demo institution into ``url`` unless it already holds one."""
    if asyncio.run(_has_courses(url)):
        return
    print(f"building the {scale} demo into {url} (once)...", file=sys.stderr)
    command = [sys.executable, "-m", "analytics_gateway.cli", "demo", "--scale", scale, "--database", url]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


async def _scalar(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.connect() as conn:
        value = (await conn.execute(text(sql), params)).scalar_one()
    return int(value)


async def pick_targets(url: str) -> Target:
    """The largest course, its busiest student, the root account and its largest sub-account, a term."""
    engine = create_engine(url)
    try:
        course = await _scalar(
            engine,
            "SELECT e.course_id FROM enrollments e JOIN courses c ON c.id = e.course_id "
            "WHERE e.type = 'StudentEnrollment' AND e.workflow_state = 'active' "
            "AND c.workflow_state = 'available' "
            "GROUP BY e.course_id ORDER BY count(*) DESC, e.course_id LIMIT 1",
        )
        students = await _scalar(
            engine,
            "SELECT count(DISTINCT user_id) FROM enrollments WHERE course_id = :c "
            "AND type = 'StudentEnrollment' AND workflow_state = 'active'",
            c=course,
        )
        student = await _scalar(
            engine,
            "SELECT p.user_id FROM page_view_student_daily p JOIN enrollments e "
            "ON e.course_id = p.course_id AND e.user_id = p.user_id AND e.type = 'StudentEnrollment' "
            "WHERE p.course_id = :c GROUP BY p.user_id ORDER BY sum(p.views) DESC, p.user_id LIMIT 1",
            c=course,
        )
        root = await _scalar(engine, "SELECT min(id) FROM accounts WHERE parent_account_id IS NULL")
        sub_account = await _scalar(
            engine,
            "SELECT a.id FROM accounts a LEFT JOIN courses c ON c.account_id = a.id "
            "WHERE a.parent_account_id = :r AND a.workflow_state <> 'deleted' "
            "GROUP BY a.id ORDER BY count(c.id) DESC, a.id LIMIT 1",
            r=root,
        )
        term = await _scalar(engine, "SELECT enrollment_term_id FROM courses WHERE id = :c", c=course)
    finally:
        await engine.dispose()
    return Target(course, students, student, root, sub_account, term)


def requests_for(t: Target) -> list[Request]:
    """The 18 analytics routes (the sub-account for its term only) and the two GraphQL dashboards."""
    out: list[Request] = []
    for account, label in ((t.root, "root"), (t.sub_account, "sub-account")):
        for route in ("activity", "grades", "statistics", "statistics_by_subaccount"):
            for scope in ("current", "completed", f"terms/{t.term}"):
                if account == t.sub_account and scope != f"terms/{t.term}":
                    continue  # the sub-account once, for its term; the root account for all three
                short = "term" if scope.startswith("terms/") else scope
                out.append(
                    Request(
                        f"D {route} ({label}, {short})",
                        f"/api/v1/accounts/{account}/analytics/{scope}/{route}",
                    )
                )
    course = f"/api/v1/courses/{t.course}/analytics"
    out += [
        Request("C1 course activity", f"{course}/activity"),
        Request("C2 course assignments", f"{course}/assignments"),
        Request("C3 summaries, per_page=100, name", f"{course}/student_summaries?per_page=100"),
        Request(
            "C3 summaries, per_page=100, page_views_descending",
            f"{course}/student_summaries?per_page=100&sort_column=page_views_descending",
        ),
        Request(
            "C3 summaries, per_page=100, score", f"{course}/student_summaries?per_page=100&sort_column=score"
        ),
        Request("S1 student activity", f"{course}/users/{t.student}/activity"),
        Request("S2 student assignments", f"{course}/users/{t.student}/assignments"),
        Request("S3 student communication", f"{course}/users/{t.student}/communication"),
        Request(
            "GraphQL course dashboard (100 students)",
            "/graphql",
            {
                "query": (HERE / "course_dashboard.graphql").read_text(),
                "variables": {"courseId": str(t.course)},
            },
        ),
        Request(
            "GraphQL department dashboard",
            "/graphql",
            {
                "query": (HERE / "department_dashboard.graphql").read_text(),
                "variables": {"accountId": str(t.root), "termId": str(t.term)},
            },
        ),
    ]
    return out


async def _statements(session: aiohttp.ClientSession, base: str) -> int:
    async with session.get(f"{base}/metrics") as response:
        for line in (await response.text()).splitlines():
            if line.startswith(STATEMENTS_METRIC + " "):
                return int(line.split()[1])
    raise RuntimeError(f"{STATEMENTS_METRIC} missing from /metrics")


async def _send(session: aiohttp.ClientSession, base: str, request: Request) -> int:
    if request.graphql is None:
        call = session.get(base + request.path)
    else:
        call = session.post(base + request.path, json=request.graphql)
    async with call as response:
        body = await response.read()
        if response.status != 200 or (request.graphql is not None and b'"errors"' in body):
            raise RuntimeError(f"{request.name}: HTTP {response.status}: {body[:300]!r}")
        return len(body)


async def measure(
    base: str,
    token: str,
    request: Request,
    samples: int,
    clients: int,
    seconds: float,
    *,
    count_statements: bool = True,
) -> Result:
    """Sequential latency and statements (from the gateway's /metrics), then throughput with clients."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        size = await _send(session, base, request)  # warm-up (and a correctness check)
        before = await _statements(session, base) if count_statements else 0
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            await _send(session, base, request)
            times.append((time.perf_counter() - started) * 1000)
        # /metrics itself runs no statement.
        statements = (await _statements(session, base) - before) / samples if count_statements else 0.0
        done = 0
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await _send(session, base, request)
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        rps = done / (time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return Result(request.name, statistics.median(times), p95, rps, statements, size)


def _token(url: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics_gateway.cli",
            "tokens",
            "create",
            "--user-id",
            "1",
            "--database",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_healthy(base: str, server: asyncio.subprocess.Process, log: Path) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if server.returncode is not None:
                raise RuntimeError(f"the server exited during start-up (see {log})")
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not become healthy within 60 s")


async def start_process(command: list[str], base: str, log: Path) -> asyncio.subprocess.Process:
    """Start a server process logging to ``log``; return once ``base``/healthz answers 200."""
    with log.open("wb") as out:
        server = await asyncio.create_subprocess_exec(*command, stdout=out, stderr=out)
    try:
        await _wait_healthy(base, server, log)
    except BaseException:
        server.terminate()
        await server.wait()
        raise
    return server


async def run(
    url: str, args: argparse.Namespace, target: Target, token: str, *, cache_entries: int
) -> list[Result]:
    """Start the server (with this cache size), measure every request, stop the server."""
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "analytics_gateway.cli", "serve", "--database", url]
    command += ["--port", str(port), "--workers", str(args.workers), "--cache-entries", str(cache_entries)]
    command += SERVER_OPTIONS
    server = await start_process(command, base, DATA / "serve-bench-server.log")
    try:
        results = []
        for request in requests_for(target):
            if args.only and args.only not in request.name:
                continue
            result = await measure(base, token, request, args.samples, args.clients, args.seconds)
            print(result.render(), file=sys.stderr, flush=True)
            results.append(result)
    finally:
        server.terminate()
        await server.wait()
    return results


async def http_floors(args: argparse.Namespace, sizes: list[int]) -> dict[int, Result]:
    """The bare aiohttp server (bench/http_floor.py) answering bodies of each size."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bench.http_floor", "--port", str(port)]
    server = await start_process(command, base, DATA / "serve-bench-floor.log")
    try:
        found = {}
        for size in sorted(set(sizes)):
            request = Request(f"{size:,} bytes", f"/bytes/{size}")
            found[size] = await measure(
                base, "", request, args.samples, args.clients, args.seconds, count_statements=False
            )
    finally:
        server.terminate()
        await server.wait()
    return found


async def data_floors(url: str, target: Target, samples: int) -> tuple[dict[str, Floor], Floor]:
    """The data floors of three requests, and department activity from raw web_logs (see bench/floors)."""
    engine = create_engine(url)
    try:
        accounts = await department_accounts(engine, target.root)
        floors = {}
        for name, statements in data_floor_sql(
            course_id=target.course, accounts=accounts, term_id=target.term
        ).items():
            floors[name] = await measure_sql(engine, name, statements, samples)
        raw_sql = raw_web_logs_activity_sql(
            accounts=accounts, term_id=target.term, sqlite=engine.dialect.name == "sqlite"
        )
        raw = await measure_sql(engine, "raw web_logs", [raw_sql], 1)
    finally:
        await engine.dispose()
    return floors, raw


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:,.1f}×" if floor > 0 else "—"


def print_report(
    url: str,
    args: argparse.Namespace,
    target: Target,
    passes: dict[str, list[Result]],
    http: dict[int, Result],
    floors: dict[str, Floor],
    raw: Floor | None,
) -> None:
    """The tables, in Markdown."""
    backend = make_url(url).get_backend_name()
    workers = "one server process" if args.workers == 1 else f"{args.workers} server processes"
    print(
        f"\nServing benchmark — {backend}, {os.cpu_count()} cores, {workers}; course "
        f"{target.course} ({target.students} students), student {target.student}, "
        f"root account {target.root}, sub-account {target.sub_account}, term {target.term}; "
        f"{args.samples} sequential samples, {args.clients} clients for {args.seconds:g} s\n"
    )
    uncached = passes.get("uncached", [])
    if uncached:
        print("Uncached (`--cache-entries 0`):\n")
        print("| request | p50 (ms) | p95 (ms) | requests/s | SQL statements | bytes | HTTP floor p50 (ms) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in uncached:
            bare = http.get(r.size)
            floor_text = f"{bare.p50_ms:,.1f}" if bare else "—"
            print(f"{r.render()} {floor_text} |")
    cached = passes.get("cached", [])
    if cached:
        print("\nCached (a warm cache, nothing imported meanwhile):\n")
        print("| request | p50 (ms) | p95 (ms) | requests/s | SQL statements | bytes |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for r in cached:
            print(r.render())
    if floors and uncached:
        print("\nData floors (hand-written SQL through the bare driver; bench/floors.py):\n")
        print("| request | gateway p50, uncached (ms) | data floor (ms) | rows read | ratio |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for r in uncached:
            for prefix, data in floors.items():
                if r.name.startswith(prefix):
                    print(
                        f"| {r.name} | {r.p50_ms:,.1f} | {data.p50_ms:,.1f} | {data.rows:,} | "
                        f"{_ratio(r.p50_ms, data.p50_ms)} |"
                    )
    if raw is not None:
        activity = next((r for r in uncached if r.name == "D activity (root, term)"), None)
        print("\nDepartment activity without rollups (SQL straight over web_logs ⋈ courses):\n")
        print("| | p50 (ms) |")
        print("| --- | ---: |")
        print(f"| raw web_logs ({raw.rows:,} rows out) | {raw.p50_ms:,.1f} |")
        if activity is not None:
            print(f"| gateway, uncached | {activity.p50_ms:,.1f} |")
            print(f"| speed-up | {_ratio(raw.p50_ms, activity.p50_ms)} |")


async def run_all(url: str, args: argparse.Namespace) -> None:
    """Every pass the arguments ask for, then the floors, then the report."""
    target = await pick_targets(url)
    token = _token(url)
    passes: dict[str, list[Result]] = {}
    if args.cache in ("off", "both"):
        print("uncached pass...", file=sys.stderr)
        passes["uncached"] = await run(url, args, target, token, cache_entries=0)
    if args.cache in ("on", "both"):
        print("cached pass...", file=sys.stderr)
        passes["cached"] = await run(url, args, target, token, cache_entries=DEFAULT_CACHE_ENTRIES)
    http: dict[int, Result] = {}
    floors: dict[str, Floor] = {}
    raw: Floor | None = None
    if args.floors:
        print("floors...", file=sys.stderr)
        http = await http_floors(args, [r.size for r in passes.get("uncached", [])])
        floors, raw = await data_floors(url, target, args.samples)
    print_report(url, args, target, passes, http, floors, raw)


def main() -> None:
    """Build or reuse the database, run the benchmark, print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help="default: sqlite:///bench/.data/<scale>.db")
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--samples", type=int, default=10, help="sequential requests per route")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for requests/s")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the concurrent run per route")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--only", help="only requests whose name contains this text")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument(
        "--cache", choices=["off", "on", "both"], default="both", help="uncached pass, cached pass, or both"
    )
    parser.add_argument(
        "--no-floors", dest="floors", action="store_false", help="skip the HTTP and data floors"
    )
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    url = args.database or f"sqlite:///{DATA / f'{args.scale}.db'}"
    ensure_demo(url, args.scale)
    asyncio.run(run_all(url, args))


if __name__ == "__main__":
    main()
