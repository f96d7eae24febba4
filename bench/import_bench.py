"""Import benchmark: web_logs rows/s (with rollup maintenance) and peak memory, and the large demo end to end.

Usage::

    python bench/import_bench.py                  # large demo files (built once under bench/.data), SQLite
    python bench/import_bench.py --scale medium   # quicker
    python bench/import_bench.py --database postgresql://postgres@127.0.0.1:5432/bench
    python bench/import_bench.py --skip-demo      # only the web_logs import

Prints a table. Numbers quoted in the README come from this script.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from analytics_gateway.storage.demo import write_demo_files
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.importer import discover, import_table

DATA = Path(__file__).parent / ".data"


def rss_mb() -> float:
    """Current resident set size of this process, in MiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Row:
    """One line of the result table."""

    what: str
    rows: int
    seconds: float
    peak_mb: str

    def render(self) -> str:
        rate = f"{self.rows / self.seconds:,.0f}" if self.seconds and self.rows else "-"
        rows = f"{self.rows:,}" if self.rows else "-"
        return f"| {self.what} | {rows} | {self.seconds:,.1f} | {rate} | {self.peak_mb} |"


def demo_files(scale: str, seed: int) -> Path:
    """The demo export for (scale, seed), generated once and reused."""
    out = DATA / f"demo-{scale}-seed{seed}"
    marker = out / ".complete"
    if not marker.exists():
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        write_demo_files(out, scale=scale, seed=seed)
        marker.write_text(f"{time.perf_counter() - started:.1f}\n")
        print(f"generated {out} in {marker.read_text().strip()} s", file=sys.stderr)
    return out


def remove_sqlite_files(path: Path) -> None:
    """Delete a SQLite database with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def fresh_database(url: str) -> str:
    """Empty the benchmark database (SQLite file removed; PostgreSQL schema dropped) and migrate it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        remove_sqlite_files(Path(parsed.database or ""))
    else:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
        await engine.dispose()
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    return url


async def bench_web_logs(url: str, files_root: Path, limit_files: int | None) -> Row:
    """Import only web_logs from the demo export into an empty database."""
    await fresh_database(url)
    files = discover([files_root], None)["web_logs"]
    if limit_files:
        files = files[:limit_files]
    engine = create_engine(url)
    samples: list[tuple[int, float]] = []

    def progress(_table: str, records: int, _done: int, _total: int) -> None:
        if not samples or records - samples[-1][0] >= 1_000_000:
            samples.append((records, rss_mb()))

    started = time.perf_counter()
    summary = await import_table(engine, "web_logs", files, progress=progress)
    seconds = time.perf_counter() - started
    await engine.dispose()
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    first = next((mb for n, mb in samples if n >= 1_000_000), samples[0][1] if samples else float("nan"))
    last = samples[-1][1] if samples else float("nan")
    peak = (
        f"writer {peak_self:,.0f} (RSS {first:,.0f} at 1M rows, {last:,.0f} at end); parser {peak_child:,.0f}"
    )
    return Row(f"web_logs import ({len(files)} files)", summary.upserted, seconds, peak)


def bench_demo(url: str, scale: str, seed: int) -> Row:
    """`analytics-gateway demo --scale S` end to end, as a user runs it (fresh database)."""
    asyncio.run(fresh_database(url))
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics_gateway.cli",
            "demo",
            "--scale",
            scale,
            "--seed",
            str(seed),
            "--database",
            url,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Row(f"`demo --scale {scale}` end to end", 0, seconds, f"{peak:,.0f} (largest process)")


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=f"sqlite:///{DATA / 'import-bench.db'}")
    parser.add_argument(
        "--limit-files", type=int, default=None, help="import only the first N web_logs files"
    )
    parser.add_argument("--skip-demo", action="store_true", help="skip the end-to-end demo run")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)

    root = demo_files(args.scale, args.seed)
    rows = [asyncio.run(bench_web_logs(args.database, root, args.limit_files))]
    if not args.skip_demo:
        rows.append(bench_demo(args.database, args.scale, args.seed))

    backend = make_url(args.database).get_backend_name()
    print(f"\nImport benchmark — scale {args.scale}, seed {args.seed}, {backend}, {os.cpu_count()} cores\n")
    print("| what | rows | seconds | rows/s | peak memory (MiB) |")
    print("| --- | ---: | ---: | ---: | --- |")
    for row in rows:
        print(row.render())


if __name__ == "__main__":
    main()
