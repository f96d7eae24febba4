"""Demo institution sizes and build times: ``demo --scale S`` (write the DAP files, import them) per scale.

Usage::

    python bench/demo_scales.py                        # small and medium, SQLite
    python bench/demo_scales.py --scales small,medium,large
    python bench/demo_scales.py --database postgresql://postgres@127.0.0.1:5432/bench

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
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.importer import import_paths

DATA = Path(__file__).parent / ".data"
COLUMNS = ("accounts", "courses", "users", "enrollments", "assignments", "submissions", "web_logs")


async def _import(url: str, folder: Path) -> float:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    engine = create_engine(url)
    if parsed.get_backend_name() != "sqlite":
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    await migrate(engine)
    started = time.perf_counter()
    await import_paths(engine, [folder])
    seconds = time.perf_counter() - started
    await engine.dispose()
    return seconds


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    """Build each scale and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
