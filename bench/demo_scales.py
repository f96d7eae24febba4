"""Demo institution sizes and build times: ``demo --scale S`` (write the DAP files, import them) per scale.

Usage::

    python -m bench.demo_scales                        # small and medium, SQLite
    python -m bench.demo_scales --scales small,medium,large
    python -m bench.demo_scales --database postgresql://postgres@127.0.0.1:5432/bench

Prints a table: rows written per main table, the size of the files, seconds to write and to import.
The README's demo table comes from this script.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from analytics_gateway.storage.demo import write_demo_files
from analytics_gateway.storage.engine import create_engine
from analytics_gateway.storage.importer import import_paths
from bench.import_bench import DATA, fresh_database

COLUMNS = ("accounts", "courses", "users", "enrollments", "assignments", "submissions", "web_logs")


async def _import(url: str, folder: Path) -> float:
    await fresh_database(url)
    engine = create_engine(url)
    started = time.perf_counter()
    await import_paths(engine, [folder])
    seconds = time.perf_counter() - started
    await engine.dispose()
    return seconds


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    """Build each scale and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=f"sqlite:///{DATA / 'demo-scales.db'}")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    lines = []
    for scale in args.scales.split(","):
        folder = Path(tempfile.mkdtemp(prefix=f"demo-{scale}-", dir=DATA))
        try:
            started = time.perf_counter()
            manifest = write_demo_files(folder, scale=scale, seed=args.seed)
            write_s = time.perf_counter() - started
            size_mb = _size(folder) / 2**20
            import_s = asyncio.run(_import(args.database, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        counts = " | ".join(f"{manifest.rows[c]:,}" for c in COLUMNS)
        lines.append(f"| {scale} | {counts} | {size_mb:,.0f} | {write_s:,.1f} | {import_s:,.1f} |")
    backend = make_url(args.database).get_backend_name()
    print(f"\nDemo institution, seed {args.seed}, {backend}, {os.cpu_count()} cores\n")
    print(f"| scale | {' | '.join(COLUMNS)} | files (MiB) | write (s) | import (s) |")
    print("| --- |" + " ---: |" * (len(COLUMNS) + 3))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
