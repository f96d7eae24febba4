"""Import faults (issue 6, item 6): SIGKILL ``analytics-gateway import`` at random moments of a large import.

For every trial the database must be consistent: each DAP table either exactly as before the import or
exactly as a clean import leaves it, the page-view rollups equal to a direct count over ``web_logs``, no
lock or session left behind that blocks a rerun, no parser process left running; and rerunning the import
must complete to exactly the clean import's state.

How: the demo export (``--scale``, medium by default) is the "full" export; an "earlier" export is the same
files with every 4th record left out (every table, web_logs included), so that the state before the import
differs from the imported state in every table. The earlier export is imported into a "before" database;
a copy of it imports the full export to give the "clean" state and the import's duration. Each trial
copies "before" (SQLite: the file; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), runs the CLI import as a
subprocess, SIGKILLs it at a seeded random moment within that duration, checks, reruns the import and
compares again. Tables are compared by order-independent content digests computed in SQL
(``analytics_gateway.storage.integrity``).

Usage::

    python -m bench.import_faults                          # medium, SQLite, 5 trials
    python -m bench.import_faults --database postgresql://postgres@127.0.0.1:5432/test
    python -m bench.import_faults --scale small --trials 3 --seed 2

``--database`` names the backend: for SQLite the folder of the given file holds the trial databases; for
PostgreSQL the URL's database is only used to create and drop ``ag_faults_*`` databases on that server.
Prints a table and exits non-zero if any trial fails.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

import asyncpg
from sqlalchemy.engine import make_url

from analytics_gateway.storage.demo import write_demo_files
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.importer import IMPORT_ORDER
from analytics_gateway.storage.integrity import (
    CHECKED_TABLES,
    TableDigest,
    rollup_mismatches,
    table_digests,
    web_log_id_problems,
)

__all__ = [
    "Databases",
    "TrialResult",
    "classify",
    "demo_exports",
    "id_index_problems",
    "leftovers",
    "make_earlier_export",
    "rollup_problems",
    "state_of",
]

DATA = Path(__file__).parent / ".data" / "import-faults"
DROP_EVERY = 4  # the earlier export leaves out every 4th record of every file


# --- Exports -------------------------------------------------------------------------------------------


def _open(path: Path, write: bool) -> BinaryIO:
    if path.suffix == ".gz":
        # Level 1: the earlier export is rewritten once per run; its size hardly matters.
        return cast(BinaryIO, gzip.open(path, "wb" if write else "rb", compresslevel=1))
    return open(path, "wb" if write else "rb")


def make_earlier_export(full: Path, out: Path, drop_every: int = DROP_EVERY) -> None:
    """Copy the export ``full`` to ``out`` leaving out every ``drop_every``-th record of every file.

    Records are lines (the demo writes JSONL and DAP TSV, one record per line); a TSV header is kept.
    """
    shutil.rmtree(out, ignore_errors=True)
    for source in sorted(full.rglob("*")):
        if not source.is_file() or source.name.startswith("."):
            continue
        target = out / source.relative_to(full)
        target.parent.mkdir(parents=True, exist_ok=True)
        tsv = ".tsv" in source.suffixes
        with _open(source, False) as reader, _open(target, True) as writer:
            for n, line in enumerate(reader):
                if tsv and n == 0:
                    writer.write(line)
                    continue
                if (n + 1) % drop_every:
                    writer.write(line)


def demo_exports(root: Path, scale: str, seed: int = 1) -> tuple[Path, Path]:
    """The demo export of ``scale`` and its earlier version under ``root`` (made once, then reused)."""
    full, earlier = root / f"{scale}-seed{seed}" / "full", root / f"{scale}-seed{seed}" / "earlier"
    marker = root / f"{scale}-seed{seed}" / ".complete"
    if not marker.exists():
        write_demo_files(full, scale=scale, seed=seed)
        make_earlier_export(full, earlier)
        marker.write_text("ok\n")
    return full, earlier


# --- Databases -----------------------------------------------------------------------------------------


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy_sqlite_files(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):  # a closed database has no WAL left, but a copy must not lose one
        src = Path(f"{source}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{target}{suffix}")


class Databases:
    """Named databases on one backend: created, copied and dropped by name."""

    def __init__(self, url: str, prefix: str = "ag_faults_") -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self.prefix = prefix
        if self.sqlite:
            self.folder = Path(parsed.database or "faults.db").resolve().parent
            self.folder.mkdir(parents=True, exist_ok=True)
        else:
            self.server = parsed
            self.admin_dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.made: set[str] = set()

    def _path(self, name: str) -> Path:
        return self.folder / f"{self.prefix}{name}.db"

    def url(self, name: str) -> str:
        """The database URL of ``name``."""
        if self.sqlite:
            return f"sqlite:///{self._path(name)}"
        return self.server.set(database=self.prefix + name).render_as_string(hide_password=False)

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    async def drop(self, name: str) -> None:
        """Remove ``name`` if it exists."""
        if self.sqlite:
            await asyncio.to_thread(_remove_sqlite_files, self._path(name))
        else:
            await self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}{name}" WITH (FORCE)')
        self.made.discard(name)

    async def create(self, name: str) -> str:
        """A new, migrated database ``name`` (replacing any earlier one); its URL."""
        await self.drop(name)
        if not self.sqlite:
            await self._admin(f'CREATE DATABASE "{self.prefix}{name}"')
        self.made.add(name)
        engine = create_engine(self.url(name))
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        return self.url(name)

    async def copy(self, source: str, name: str) -> str:
        """``name`` as an exact copy of ``source`` (nobody may be connected to ``source``); its URL."""
        await self.drop(name)
        if self.sqlite:
            await asyncio.to_thread(_copy_sqlite_files, self._path(source), self._path(name))
        else:
            await self._admin(f'CREATE DATABASE "{self.prefix}{name}" TEMPLATE "{self.prefix}{source}"')
        self.made.add(name)
        return self.url(name)

    async def drop_all(self) -> None:
        """Drop every database made here."""
        for name in list(self.made):
            await self.drop(name)


# --- Checks --------------------------------------------------------------------------------------------


async def state_of(url: str) -> dict[str, TableDigest]:
    """The content digest of every checked table."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await table_digests(conn)
    finally:
        await engine.dispose()


async def id_index_problems(url: str) -> list[str]:
    """What is wrong with web_logs' id index (empty: nothing)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await web_log_id_problems(conn)
    finally:
        await engine.dispose()


async def rollup_problems(url: str) -> dict[str, int]:
    """Rollup cells that differ from a direct count over web_logs, per rollup table (empty: none)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await rollup_mismatches(conn)
    finally:
        await engine.dispose()


async def leftovers(url: str, wait_seconds: float = 10.0) -> list[str]:
    """What a killed import left that would block or confuse a rerun (empty: nothing).

    SQLite: the write lock must be free (``BEGIN IMMEDIATE`` at once). PostgreSQL: the killed client's
    server session must go away by itself within ``wait_seconds``, and no lock may remain that would block
    a rerun's writes.
    Either way no progress record may be left queued or running.
    """
    found: list[str] = []
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database or "", timeout=0.5, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            (running,) = conn.execute(
                "SELECT count(*) FROM progress WHERE workflow_state IN ('queued', 'running')"
            ).fetchone()
        except sqlite3.OperationalError as exc:
            return [f"sqlite: {exc}"]
        finally:
            conn.close()
    else:
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        conn_pg = await asyncpg.connect(dsn)
        try:
            deadline = time.monotonic() + wait_seconds
            while True:
                others = await conn_pg.fetchval(
                    # Client sessions only: autovacuum may well be at work on the new rows, rightly.
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
                if not others or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            if others:
                found.append(
                    f"{others} session(s) of the killed import still open after {wait_seconds:.0f} s"
                )
            try:
                async with conn_pg.transaction():
                    # What a rerun's writes need (and autovacuum does not hold against them).
                    tables = ", ".join(
                        [
                            *CHECKED_TABLES,
                            "web_log_ids",
                            "web_log_id_overflow",
                            "import_log",
                            "dap_tombstones",
                        ]
                    )
                    await conn_pg.execute(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE NOWAIT")
            except asyncpg.LockNotAvailableError:
                found.append("tables still locked")
            running = await conn_pg.fetchval(
                "SELECT count(*) FROM progress WHERE workflow_state IN ('queued', 'running')"
            )
        finally:
            await conn_pg.close()
    if running:
        found.append(f"{running} progress record(s) left queued or running")
    return found


def classify(
    after: dict[str, TableDigest], before: dict[str, TableDigest], clean: dict[str, TableDigest]
) -> tuple[list[str], list[str], list[str]]:
    """The DAP tables (import order) that are as before, as after a clean import, and neither."""
    as_before, as_clean, neither = [], [], []
    for name in IMPORT_ORDER:
        if after[name] == clean[name]:
            as_clean.append(name)
        elif after[name] == before[name]:
            as_before.append(name)
        else:
            neither.append(name)
    return as_before, as_clean, neither


# --- Trials --------------------------------------------------------------------------------------------


def _import_command(export: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "analytics_gateway.cli", "import", str(export), "--database", url]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process we cannot signal is not ours
        return False
    return True


@dataclass
class KillOutcome:
    """What happened to one killed import process."""

    killed: bool  # False: it finished before the kill time
    seconds: float
    orphans: bool  # its children (the parser process) outlived it by more than a few seconds


def run_and_kill(command: Sequence[str], kill_after: float | None, log: Path) -> KillOutcome:
    """Run ``command`` in its own process group; SIGKILL the process (only it) after ``kill_after`` s."""
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        killed = False
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            proc.wait()
    seconds = time.monotonic() - started
    # The parser worker is the killed importer's child: reading from a dead pipe, it must end by itself.
    deadline = time.monotonic() + 5.0
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = _group_alive(proc.pid)
    if orphans:
        os.killpg(proc.pid, signal.SIGKILL)  # ours: do not leave them running
    if not killed and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}); see {log}")
    return KillOutcome(killed, seconds, orphans)


@dataclass
class TrialResult:
    """One row of the result table."""

    trial: int
    kill_at: float
    killed: bool
    during: str  # the table being imported when killed ("-" if the import had finished)
    as_before: int
    as_clean: int
    problems: list[str] = field(default_factory=list)
    rerun_equal: bool = False
    rerun_seconds: float = 0.0

    @property
    def consistent(self) -> bool:
        """No table in a third state, rollups right, nothing left behind."""
        return not self.problems

    @property
    def ok(self) -> bool:
        """Consistent after the kill and equal to a clean import after the rerun."""
        return self.consistent and self.rerun_equal

    def render(self) -> str:
        consistent = "yes" if self.consistent else "NO: " + "; ".join(self.problems)
        killed = f"{self.kill_at:.2f}" if self.killed else f"{self.kill_at:.2f} (finished first)"
        return (
            f"| {self.trial} | {killed} | {self.during} | {self.as_before} / {self.as_clean} | {consistent} "
            f"| {'yes' if self.rerun_equal else 'NO'} ({self.rerun_seconds:.1f} s) |"
        )


async def trial(
    dbs: Databases,
    number: int,
    kill_at: float,
    full: Path,
    before: dict[str, TableDigest],
    clean: dict[str, TableDigest],
    logs: Path,
) -> TrialResult:
    """Copy "before", import ``full`` and SIGKILL it after ``kill_at`` s, check, rerun, compare."""
    url = await dbs.copy("before", "trial")
    outcome = await asyncio.to_thread(
        run_and_kill, _import_command(full, url), kill_at, logs / f"trial{number}.log"
    )
    problems = await leftovers(url)
    if outcome.orphans:
        problems.append("parser process outlived the importer")
    after = await state_of(url)
    as_before, as_clean, neither = classify(after, before, clean)
    if neither:
        problems.append("in a third state: " + ", ".join(neither))
    # Tables commit one by one in import order: the imported ones come first.
    if as_clean != list(IMPORT_ORDER[: len(as_clean)]):
        problems.append("imported tables are not a prefix of the import order")
    rollups = await rollup_problems(url)
    if rollups:
        problems.append(
            "rollups differ from a direct count: " + ", ".join(f"{t} {n}" for t, n in rollups.items())
        )
    problems += [f"web_logs ids: {p}" for p in await id_index_problems(url)]
    pending = [t for t in IMPORT_ORDER if t not in as_clean]
    result = TrialResult(
        trial=number,
        kill_at=kill_at,
        killed=outcome.killed,
        during=pending[0] if pending else "-",
        as_before=len(as_before),
        as_clean=len(as_clean),
        problems=problems,
    )
    started = time.monotonic()
    await asyncio.to_thread(run_and_kill, _import_command(full, url), None, logs / f"rerun{number}.log")
    result.rerun_seconds = time.monotonic() - started
    result.rerun_equal = await state_of(url) == clean and not await rollup_problems(url)
    return result


async def run(url: str, scale: str, trials: int, seed: int) -> list[TrialResult]:
    """Every trial on the backend of ``url``; prints progress to stderr."""
    started = time.monotonic()
    full, earlier = demo_exports(DATA, scale)
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"exports ready in {time.monotonic() - started:.1f} s: {full.parent}", file=sys.stderr)
    dbs = Databases(url)
    try:
        before_url = await dbs.create("before")
        await asyncio.to_thread(run_and_kill, _import_command(earlier, before_url), None, logs / "before.log")
        before = await state_of(before_url)
        clean_url = await dbs.copy("before", "clean")
        outcome = await asyncio.to_thread(
            run_and_kill, _import_command(full, clean_url), None, logs / "clean.log"
        )
        duration = outcome.seconds
        clean = await state_of(clean_url)
        same = [t for t in IMPORT_ORDER if before[t] == clean[t]]
        if same:
            raise RuntimeError(f"the earlier export does not differ from the full one in: {', '.join(same)}")
        if await rollup_problems(clean_url):
            raise RuntimeError("a clean import left rollups that differ from a direct count")
        await dbs.drop("clean")
        print(f"clean import of the full export: {duration:.1f} s (kills fall within it)", file=sys.stderr)
        rng = random.Random(seed)
        results = []
        for number in range(1, trials + 1):
            kill_at = round(rng.uniform(0.02, 0.85) * duration, 2)  # not too near the end: runs vary
            result = await trial(dbs, number, kill_at, full, before, clean, logs)
            print(result.render(), file=sys.stderr)
            results.append(result)
        return results
    finally:
        await dbs.drop_all()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the trials, print the table, return the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill times")
    parser.add_argument(
        "--database", default=f"sqlite:///{DATA / 'db' / 'faults.db'}", help="names the backend (see above)"
    )
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.database, args.scale, args.trials, args.seed))
    backend = make_url(args.database).get_backend_name()
    print(f"\nImport faults: {args.scale} demo, {backend}, {args.trials} trials, seed {args.seed}\n")
    print(
        "| trial | kill at (s) | killed in | tables as before / imported | consistent | rerun equals clean |"
    )
    print("| ---: | ---: | --- | ---: | --- | --- |")
    for result in results:
        print(result.render())
    failed = [r.trial for r in results if not r.ok]
    print(f"\n{'FAILED trials: ' + ', '.join(map(str, failed)) if failed else 'all trials passed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
