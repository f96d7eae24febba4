"""Load test: N concurrent clients for T seconds over a mix of REST routes and GraphQL queries.

Usage::

    python -m bench.load_test                      # medium demo in bench/.data/medium.db (built once), SQLite
    python -m bench.load_test --database postgresql://postgres@127.0.0.1:5432/loadtest_medium
    python -m bench.load_test --clients 50 --seconds 60 --scale small
    python -m bench.load_test --database postgresql://... --restart-postgres   # restart PostgreSQL mid-load

It builds the demo institution when the database holds no courses (a PostgreSQL database named in the
URL is created when missing), starts ``analytics-gateway serve`` on a free loopback port, and gives every
client its own token of the demo's admin, as separate API users would have: throttling stays **on** at
its defaults (Canvas's 700 / 10 per second per token), so the run also shows that well-behaved clients
never meet it (``--rate-limit-high-water 0`` turns it off). Each client loops over the 18 analytics REST
routes and the two GraphQL dashboards of ``bench/serve_bench.py`` (the same targets: the largest course,
its busiest student, the root account, its largest sub-account) in its own shuffled order.

Prints a table: requests, errors, p50/p95/p99 latency, requests/s, for all requests, REST and GraphQL,
and the server's resident memory averaged over the first and the last 10 s. A request is an error unless
it is a 200 whose GraphQL body has no ``errors``. Passes (exit 0) with zero errors and memory growth
under ``--max-rss-growth``.

With ``--restart-postgres`` the PostgreSQL serving the URL's port is restarted (``pg_ctlcluster VERSION
CLUSTER restart`` for the Debian cluster on that port, else ``service postgresql restart``; run as root)
``--restart-at`` seconds into the run. Everything else connected to that server is cut off too: point it
at a cluster of its own (``pg_createcluster 15 loadtest -p 5433``, trust for 127.0.0.1) on a shared
machine. Then it passes when every error
is a clean JSON answer (``{"errors": [...]}``: a 503 or 500 body, or a GraphQL error entry; never a dropped
connection or a traceback), the server answered 503 while the database was down, requests started from
one second after the restart command returned all succeeded (the gateway recovers by itself), and
PostgreSQL is up again at the end (the script checks, and starts it if not).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
from sqlalchemy.engine import make_url

from analytics_gateway.storage.demo import DEMO_ADMIN_USER_ID
from analytics_gateway.storage.engine import create_engine
from analytics_gateway.storage.tokens import create_token
from bench.import_bench import DATA
from bench.serve_bench import Request, ensure_demo, free_port, pick_targets, requests_for, start_process

WINDOW_S = 10.0  # the memory comparison: first and last 10 s
RSS_SAMPLE_S = 0.5
RECOVERY_GRACE_S = 1.0


@dataclass
class Outcome:
    """One request: when it started (seconds into the run), how long it took, how it ended."""

    started: float
    seconds: float
    graphql: bool
    status: int  # 0: no HTTP answer (connection error, timeout)
    ok: bool
    clean: bool  # an error answered as Canvas-style JSON (or a GraphQL error entry)
    message: str = ""


@dataclass
class Run:
    """Everything measured during one run."""

    outcomes: list[Outcome] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the run, MiB)
    seconds: float = 0.0
    restart: tuple[float, float] | None = None  # restart command's start and end, seconds into the run
    restart_command: str = ""
    warmup_errors: int = 0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- Database ----------------------------------------------------------------------------------------------


async def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def make_tokens(url: str, count: int) -> list[str]:
    """``count`` tokens of the demo's admin: one per client, each its own rate-limit bucket."""
    engine = create_engine(url)
    try:
        return [
            (await create_token(engine, user_id=DEMO_ADMIN_USER_ID, purpose="load test"))[1]
            for _ in range(count)
        ]
    finally:
        await engine.dispose()


def _restart_commands(port: int) -> list[list[str]]:
    """Commands that restart the local PostgreSQL serving ``port``: its Debian cluster, else the service."""
    commands = []
    if shutil.which("pg_ctlcluster") and shutil.which("pg_lsclusters"):
        listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False)
        for line in listing.stdout.splitlines():
            version, cluster, cluster_port = line.split()[:3]
            if cluster_port == str(port):
                commands.append(["pg_ctlcluster", version, cluster, "restart"])
    if shutil.which("service"):
        commands.append(["service", "postgresql", "restart"])
    return commands


def restart_postgres(port: int) -> str:
    """Restart the local PostgreSQL server serving ``port``; the command that worked."""
    failures = []
    for command in _restart_commands(port):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return " ".join(command)
        failures.append(f"{' '.join(command)}: {(done.stderr or done.stdout).strip()[:200]}")
    raise RuntimeError("cannot restart PostgreSQL: " + ("; ".join(failures) or "no command found"))


async def postgres_is_up(url: str) -> bool:
    parsed = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(parsed, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def ensure_postgres_up(url: str) -> None:
    """Wait for PostgreSQL to accept connections again; start it if it does not within 30 s."""
    for _ in range(60):
        if await postgres_is_up(url):
            return
        await asyncio.sleep(0.5)
    for command in _restart_commands(make_url(url).port or 5432):
        start = (
            [*command[:-1], "start"] if command[0] == "pg_ctlcluster" else ["service", "postgresql", "start"]
        )
        await asyncio.to_thread(subprocess.run, start, capture_output=True, check=False)
        if await postgres_is_up(url):
            return
    raise RuntimeError("PostgreSQL did not come back; start it by hand (pg_ctlcluster 15 main start)")


# --- Server and clients ------------------------------------------------------------------------------------


async def start_server(url: str, port: int, options: list[str], log: Path) -> asyncio.subprocess.Process:
    """``analytics-gateway serve`` on the port, healthy."""
    command = [sys.executable, "-m", "analytics_gateway.cli", "serve", "--database", url, "--port", str(port)]
    return await start_process([*command, *options], f"http://127.0.0.1:{port}", log)


def _judge(request: Request, status: int, body: bytes) -> tuple[bool, bool, str]:
    """(ok, clean, message) of an answer."""
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False, False, f"HTTP {status}, not JSON: {body[:120]!r}"
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    if status == 200 and not (request.graphql is not None and errors):
        return True, True, ""
    shaped = (
        isinstance(errors, list)
        and bool(errors)
        and all(isinstance(e, dict) and isinstance(e.get("message"), str) for e in errors)
    )
    clean = shaped and b"Traceback" not in body and status in (200, 500, 503)
    first = errors[0]["message"] if shaped and errors else body[:120].decode("utf-8", "replace")
    return False, clean, f"HTTP {status}: {first}"


async def client_loop(
    session: aiohttp.ClientSession,
    base: str,
    token: str,
    requests: list[Request],
    seed: int,
    started: float,
    deadline: float,
    run: Run,
) -> None:
    """One client: requests one after another, in its own shuffled order, until the deadline."""
    order = list(requests)
    random.Random(seed).shuffle(order)
    headers = {"Authorization": f"Bearer {token}"}
    i = 0
    while time.perf_counter() < deadline:
        request = order[i % len(order)]
        i += 1
        t0 = time.perf_counter()
        try:
            if request.graphql is None:
                call = session.get(base + request.path, headers=headers)
            else:
                call = session.post(base + request.path, json=request.graphql, headers=headers)
            async with call as response:
                body = await response.read()
                ok, clean, message = _judge(request, response.status, body)
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            status, ok, clean, message = 0, False, False, f"no answer: {type(exc).__name__}: {exc}"
        run.outcomes.append(
            Outcome(
                t0 - started,
                time.perf_counter() - t0,
                request.graphql is not None,
                status,
                ok,
                clean,
                message,
            )
        )


async def sample_rss(pid: int, started: float, deadline: float, run: Run) -> None:
    while time.perf_counter() < deadline:
        rss = _rss_mib(pid)
        if rss is not None:
            run.rss.append((time.perf_counter() - started, rss))
        await asyncio.sleep(RSS_SAMPLE_S)


async def restart_during(at: float, port: int, started: float, run: Run) -> None:
    await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
    t0 = time.perf_counter() - started
    run.restart_command = await asyncio.to_thread(restart_postgres, port)
    run.restart = (t0, time.perf_counter() - started)


async def load(args: argparse.Namespace, url: str) -> Run:
    """Start the server, run the clients (and the restart), stop the server."""
    target = await pick_targets(url)
    requests = requests_for(target)
    tokens = await make_tokens(url, args.clients)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    options = ["--rate-limit-high-water", str(args.rate_limit_high_water)]
    if args.cache_entries is not None:
        options += ["--cache-entries", str(args.cache_entries)]
    server = await start_server(url, port, options, DATA / "load-test-server.log")
    run = Run()
    try:
        connector = aiohttp.TCPConnector(limit=args.clients)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            if args.warmup > 0:  # connections opened, pools and caches filled; nothing recorded
                warm = Run()
                began = time.perf_counter()
                await asyncio.gather(
                    *(
                        client_loop(session, base, token, requests, seed, began, began + args.warmup, warm)
                        for seed, token in enumerate(tokens)
                    )
                )
                run.warmup_errors = sum(not o.ok for o in warm.outcomes)
            started = time.perf_counter()
            deadline = started + args.seconds
            tasks = [
                client_loop(session, base, token, requests, seed, started, deadline, run)
                for seed, token in enumerate(tokens)
            ]
            extra = [sample_rss(server.pid, started, deadline, run)]
            if args.restart_postgres:
                extra.append(restart_during(args.restart_at, make_url(url).port or 5432, started, run))
            await asyncio.gather(*tasks, *extra)
            run.seconds = time.perf_counter() - started
    finally:
        server.terminate()
        await server.wait()
        if args.restart_postgres:
            await ensure_postgres_up(url)
    return run


# --- Report ------------------------------------------------------------------------------------------------


def _row(name: str, outcomes: list[Outcome], seconds: float) -> str:
    if not outcomes:
        return f"| {name} | 0 | 0 | - | - | - | - |"
    ms = [o.seconds * 1000 for o in outcomes]
    errors = sum(not o.ok for o in outcomes)
    return (
        f"| {name} | {len(outcomes):,} | {errors:,} | {statistics.median(ms):,.1f} | "
        f"{_percentile(ms, 0.95):,.1f} | {_percentile(ms, 0.99):,.1f} | {len(outcomes) / seconds:,.1f} |"
    )


def report(args: argparse.Namespace, url: str, run: Run) -> bool:
    """Print the tables; True when the run passes."""
    backend = make_url(url).get_backend_name()
    throttle = (
        "off"
        if args.rate_limit_high_water == 0
        else f"on (high-water {args.rate_limit_high_water:g}, one token per client)"
    )
    where = url if backend == "postgresql" else Path(make_url(url).database or "").name
    print(
        f"\nLoad test — {backend} ({where}), "
        f"{args.clients} clients for {run.seconds:.0f} s after {args.warmup:g} s of warm-up, one server "
        f"process, throttling {throttle}, "
        f"cache {'default' if args.cache_entries is None else args.cache_entries}\n"
    )
    print("| requests | count | errors | p50 (ms) | p95 (ms) | p99 (ms) | requests/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(_row("all", run.outcomes, run.seconds))
    print(_row("REST", [o for o in run.outcomes if not o.graphql], run.seconds))
    print(_row("GraphQL", [o for o in run.outcomes if o.graphql], run.seconds))

    first = [mib for t, mib in run.rss if t < WINDOW_S]
    last = [mib for t, mib in run.rss if t >= run.seconds - WINDOW_S]
    growth = 0.0
    if first and last:
        growth = statistics.mean(last) / statistics.mean(first) - 1
        print(
            f"\nServer RSS: {statistics.mean(first):,.1f} MiB (first {WINDOW_S:g} s), "
            f"{statistics.mean(last):,.1f} MiB (last {WINDOW_S:g} s): {growth:+.1%}; "
            f"peak {max(m for _, m in run.rss):,.1f} MiB"
        )
        windows = []
        for start in range(0, int(run.seconds), int(WINDOW_S)):
            inside = [mib for t, mib in run.rss if start <= t < start + WINDOW_S]
            if inside:
                windows.append(f"{statistics.mean(inside):,.0f}")
        print(f"Server RSS per {WINDOW_S:g} s (MiB): {', '.join(windows)}")
    passed = growth <= args.max_rss_growth and run.warmup_errors == 0
    if run.warmup_errors:
        print(f"FAIL: {run.warmup_errors:,} errors during the warm-up")
    if not passed:
        print(f"FAIL: memory grew {growth:+.1%} (more than {args.max_rss_growth:.0%})")

    errors = [o for o in run.outcomes if not o.ok]
    by_message: dict[str, int] = {}
    for o in errors:
        by_message[o.message] = by_message.get(o.message, 0) + 1
    if by_message:
        print("\nErrors:")
        for message, count in sorted(by_message.items(), key=lambda kv: -kv[1])[:10]:
            print(f"  {count:,} x {message[:160]}")

    if run.restart is None:
        if errors:
            print(f"FAIL: {len(errors):,} errors")
        return passed and not errors

    begun, ended = run.restart
    recovered_from = ended + RECOVERY_GRACE_S
    during = [o for o in run.outcomes if o.started + o.seconds >= begun and o.started < recovered_from]
    after = [o for o in run.outcomes if o.started >= recovered_from]
    unclean = [o for o in errors if not o.clean]
    first_ok = min((o.started + o.seconds for o in run.outcomes if o.ok and o.started >= begun), default=None)
    print(
        f"\nPostgreSQL restart (`{run.restart_command}`): from {begun:.1f} s to {ended:.1f} s into the run "
        f"({ended - begun:.1f} s)."
    )
    statuses: dict[int, int] = {}
    for o in errors:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    print(
        f"  requests overlapping the outage (to {RECOVERY_GRACE_S:g} s after): {len(during):,}, of which "
        f"{sum(not o.ok for o in during):,} errors; errors by status: "
        + (", ".join(f"{s or 'no answer'}: {n:,}" for s, n in sorted(statuses.items())) or "none")
    )
    print(f"  errors that were not clean JSON: {len(unclean):,}")
    if first_ok is not None:
        print(f"  first success after the restart began: {first_ok:.1f} s into the run")
    print(
        f"  requests started from {recovered_from:.1f} s on: {len(after):,}, "
        f"errors: {sum(not o.ok for o in after):,}"
    )
    saw_503 = any(o.status == 503 for o in errors)
    ok = passed and not unclean and after and not any(not o.ok for o in after)
    if not saw_503:
        print("  note: no request met the outage with a 503 (the restart was quicker than any request)")
    print("PASS" if ok else "FAIL")
    return bool(ok)


def main() -> None:
    """Build or reuse the database, run the load, print the table; exit 1 unless the run passes."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help="default: sqlite:///bench/.data/<scale>.db")
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="seconds of load before the measured run (default 20)"
    )
    parser.add_argument(
        "--rate-limit-high-water",
        type=float,
        default=700.0,
        help="the server's throttling high-water mark; 0 turns throttling off (default: Canvas's 700)",
    )
    parser.add_argument("--cache-entries", type=int, default=None, help="the server's result cache size")
    parser.add_argument("--max-rss-growth", type=float, default=0.10, help="fail above this (default 10%%)")
    parser.add_argument("--restart-postgres", action="store_true", help="restart PostgreSQL mid-load")
    parser.add_argument("--restart-at", type=float, default=None, help="seconds into the run (default: 1/3)")
    args = parser.parse_args()
    if args.seconds < 2 * WINDOW_S:
        parser.error(f"--seconds must be at least {2 * WINDOW_S:g} (two memory windows)")
    DATA.mkdir(exist_ok=True)
    url = args.database or f"sqlite:///{DATA / f'{args.scale}.db'}"
    backend = make_url(url).get_backend_name()
    if args.restart_postgres and backend != "postgresql":
        parser.error("--restart-postgres needs a postgresql:// --database")
    if args.restart_at is None:
        args.restart_at = args.seconds / 3
    if backend == "postgresql":
        asyncio.run(ensure_pg_database(url))
    ensure_demo(url, args.scale)
    run = asyncio.run(load(args, url))
    sys.exit(0 if report(args, url, run) else 1)


if __name__ == "__main__":
    main()
