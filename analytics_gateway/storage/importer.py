"""The Canvas Data 2 importer (CONTRACT §2).

Each table is imported in one transaction: a bad file, a crash or an interrupt leaves that table (and the
rollups) exactly as before. Records are applied in batches so memory stays flat however large a file is.

Rules, in order of application for every batch:

* ``meta.action`` ``U`` (or absent) upserts by primary key, ``D`` deletes.
* The newest ``meta.ts`` wins, whatever the order in which files or imports arrive: an upsert only
  replaces a row whose stored ``meta_ts`` is not newer, a delete only removes a row that is not newer and
  leaves a tombstone so that an older upsert applied later does not bring the row back.
* ``web_logs`` rows are deduplicated by id (at-least-once delivery upstream): a known id is skipped, so
  rollups count each request once, however often it is imported.
* Page-view rollups (behaviour §3.3, CONTRACT §7.10) are maintained from exactly the web_logs rows that
  this import inserts or deletes.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics_gateway.storage._class_scores import rebuild_assignment_class_scores
from analytics_gateway.storage._convert import DialectValues, compile_row_converter, dialect_values
from analytics_gateway.storage._formats import BAD_RECORD, ImportFormatError, RecordFile
from analytics_gateway.storage._parse_worker import HEADER, decode
from analytics_gateway.storage._rollups import (
    ROLLUP_TABLES,
    FlatDeltas,
    PageViewCounter,
    apply_deltas,
    rebuild_account_rollup,
    touched_courses,
)
from analytics_gateway.storage._scopes import ScopeTracker, write_scope
from analytics_gateway.storage._score_counts import (
    rebuild_account_grade_counts,
    rebuild_course_score_counts,
)
from analytics_gateway.storage._weblog_ids import id_hash, id_hashes, rows_of_ids
from analytics_gateway.storage.engine import SQLITE_BUSY_TIMEOUT_MS
from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.tables import DAP_TABLES, ColumnKind, DapTableSpec, import_log

__all__ = [
    "IMPORT_ORDER",
    "BadRow",
    "ImportFailedError",
    "ImportProgress",
    "TableSummary",
    "discover",
    "import_paths",
    "import_table",
]

BATCH_SIZE = 10_000
# Tables whose files add up to more than this are parsed in a separate process, in parallel with writing.
PARALLEL_PARSE_BYTES = 32 * 1024 * 1024
MAX_PARSER_PROCESSES = 4
# web_logs ids are registered in sorted runs of this many rows (about 40 MB of hashes held meanwhile):
# the longer the run, the more of its inserts land on each page of the id index.
ID_RUN_ROWS = 1_000_000
MAX_BAD_ROWS_KEPT = 100

# Parents before children, web_logs (by far the largest) last.
IMPORT_ORDER = (
    "accounts",
    "roles",
    "role_overrides",
    "account_users",
    "enrollment_terms",
    "courses",
    "course_sections",
    "users",
    "pseudonyms",
    "enrollments",
    "scores",
    "assignments",
    "assignment_overrides",
    "assignment_override_students",
    "submissions",
    "submission_comments",
    "context_modules",
    "content_tags",
    "discussion_topics",
    "attachments",
    "media_objects",
    "conversations",
    "conversation_messages",
    "conversation_message_participants",
    "web_logs",
)
assert set(IMPORT_ORDER) == set(DAP_TABLES)


@dataclass(frozen=True)
class BadRow:
    """A skipped record (``--skip-bad-rows``)."""

    path: str
    line: int | None
    message: str


@dataclass
class TableSummary:
    """What importing one table did."""

    table: str
    files: int = 0
    upserted: int = 0
    deleted: int = 0
    skipped: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Records read (applied, duplicate or skipped)."""
        return self.upserted + self.deleted + self.skipped + self.duplicates


class ImportFailedError(Exception):
    """A table's import failed and was rolled back; ``cause`` says where and why."""

    def __init__(self, table: str, cause: Exception) -> None:
        self.table = table
        self.cause = cause
        super().__init__(f"import of {table} failed, nothing of it was written: {cause}")


ImportProgress = Callable[[str, int, int, int], None]
"""Called as ``progress(table, records_so_far, bytes_so_far, bytes_total)``."""


def discover(paths: Sequence[Path], table: str | None = None) -> dict[str, list[Path]]:
    """Map table names to their export files.

    With ``table``, every path is that table's folder or a single file of it. Without, a path is either a
    folder of table folders (``export/courses/...``) or a folder named as a table.
    """
    found: dict[str, list[Path]] = {}
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if table is not None:
            if table not in DAP_TABLES:
                raise ValueError(f"unknown table {table!r}; known tables: {', '.join(IMPORT_ORDER)}")
            found.setdefault(table, []).extend(_files_under(path))
        elif path.is_dir() and path.name in DAP_TABLES:
            found.setdefault(path.name, []).extend(_files_under(path))
        elif path.is_dir():
            subdirs = [p for p in sorted(path.iterdir()) if p.is_dir() and p.name in DAP_TABLES]
            if not subdirs:
                raise ValueError(
                    f"{path}: holds no table folders (expected sub-folders named like accounts, courses, "
                    "web_logs, ...); to import one table's files use --table NAME"
                )
            for sub in subdirs:
                found.setdefault(sub.name, []).extend(_files_under(sub))
        else:
            raise ValueError(f"{path}: a single file needs --table NAME")
    return {name: found[name] for name in IMPORT_ORDER if name in found}


def _files_under(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return [
        p
        for p in sorted(path.rglob("*"))
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
        and "_schema_version_" not in p.name  # `dap schema` output lying beside the data
    ]


async def import_paths(
    engine: AsyncEngine,
    paths: Sequence[Path],
    *,
    table: str | None = None,
    skip_bad_rows: bool = False,
    progress: ImportProgress | None = None,
    on_table_done: Callable[[TableSummary], Awaitable[None] | None] | None = None,
) -> list[TableSummary]:
    """Import every table found under ``paths``, one transaction per table."""
    summaries = []
    for name, files in discover(paths, table).items():
        summary = await import_table(engine, name, files, skip_bad_rows=skip_bad_rows, progress=progress)
        summaries.append(summary)
        if on_table_done is not None:
            result = on_table_done(summary)
            if result is not None:
                await result
    return summaries


async def import_table(
    engine: AsyncEngine,
    name: str,
    files: Sequence[Path],
    *,
    skip_bad_rows: bool = False,
    progress: ImportProgress | None = None,
) -> TableSummary:
    """Import one table's files in a single transaction."""
    spec = DAP_TABLES[name]
    summary = TableSummary(table=name, files=len(files))
    started = time.perf_counter()
    dv = dialect_values(engine.dialect.name)
    total_bytes = sum(f.stat().st_size for f in files)
    parallel = total_bytes > PARALLEL_PARSE_BYTES
    # Millions of small tuples and rollup cells, none of them cyclic: generational GC passes would walk
    # them over and over (quadratic in practice). Nothing here needs the cycle collector.
    gc_was_enabled = gc.isenabled()
    gc.disable()

    async def load(conn: AsyncConnection) -> None:
        writer = _WRITERS.get(name, _TableWriter)(conn, spec, dv, summary)
        await writer.prepare()
        source = _parse_in_process(files, spec, dv, skip_bad_rows) if not parallel else None
        batches = _parse_in_workers(files, name, dv.name, skip_bad_rows) if parallel else source
        assert batches is not None
        async for batch in _aiter(batches):
            summary.skipped += len(batch.bad_rows)
            room = MAX_BAD_ROWS_KEPT - len(summary.bad_rows)
            if room > 0:
                summary.bad_rows.extend(batch.bad_rows[:room])
            await writer.apply(batch)
            if progress is not None:
                progress(name, summary.records, batch.bytes_done, total_bytes)
        await writer.finish()
        if (summary.upserted or summary.deleted) and dv.name == "postgresql":
            # Fresh planner statistics with the rows (ANALYZE samples: about a second even for
            # web_logs): without them, a database whose autovacuum is off or behind plans the analytics'
            # joins blind.
            await conn.exec_driver_sql(f"ANALYZE {', '.join(_q(t) for t in writer.changed_tables())}")
        if summary.upserted or summary.deleted:
            # Same transaction as the rows: the data version moves exactly when they become visible.
            if dv.name != "sqlite":
                # Held from here to the commit (a moment): concurrent imports take their ids in commit
                # order, so a higher version always means a later commit (resolvers/consistency.py).
                # Plain reads of import_log are not blocked. SQLite writers are serial already.
                await conn.exec_driver_sql("LOCK TABLE import_log IN SHARE ROW EXCLUSIVE MODE")
            logged = await conn.execute(
                import_log.insert().values(
                    table_name=name,
                    finished_at=datetime.now(UTC).replace(tzinfo=None),
                    upserted=summary.upserted,
                    deleted=summary.deleted,
                )
            )
            key = logged.inserted_primary_key
            assert key is not None
            await write_scope(conn, int(key[0]), writer.scope)
        if progress is not None:
            progress(name, summary.records, total_bytes, total_bytes)

    try:
        async with engine.connect() as conn:
            bulk = False
            if dv.name == "sqlite":
                # A big page cache keeps the B-trees of large tables in memory during the import.
                await conn.exec_driver_sql("PRAGMA cache_size = -1000000")
                bulk = await _enter_bulk_mode(conn)
            try:
                async with conn.begin():
                    await load(conn)
            finally:
                if bulk:
                    await _leave_bulk_mode(conn)
    except ImportFormatError as exc:
        raise ImportFailedError(name, exc) from exc
    except Exception as exc:
        raise ImportFailedError(name, exc) from exc
    finally:
        if gc_was_enabled:
            gc.enable()
    summary.seconds = time.perf_counter() - started
    return summary


async def _enter_bulk_mode(conn: AsyncConnection) -> bool:
    """Use a rollback journal for this import when no other connection has the SQLite database open.

    In WAL mode every page an import writes is written twice, to the log and, at the checkpoint after the
    commit, to the database (a sixth of a 20-million-row web_logs import went to that). With a rollback
    journal new pages go straight to the database and only pages that existed are journaled first; the
    transaction is as atomic (a crash leaves a journal that the next opener rolls back). SQLite allows
    the switch only when this is the database's sole connection, so a running server keeps WAL and its
    concurrent reads; a server started during a bulk import waits for it. Returns whether it switched.
    """
    await conn.exec_driver_sql("PRAGMA busy_timeout = 0")  # in use elsewhere: answer at once
    try:
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode = TRUNCATE")).scalar_one()
    except OperationalError:  # "database is locked": another connection has it open
        mode = None
        await conn.rollback()
    finally:
        await conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        await conn.commit()
    return str(mode).lower() == "truncate"


async def _leave_bulk_mode(conn: AsyncConnection) -> None:
    """Back to WAL after a bulk import (committed or rolled back)."""
    try:
        await conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        await conn.commit()
    except OperationalError:  # a connection that opened meanwhile holds it: the next one switches back
        await conn.rollback()


@dataclass
class _Batch:
    """Converted records of one batch, ready to apply.

    ``upserts`` are ``(key, *values, meta_ts)`` rows, newest per key; ``deletes`` are ``(key, meta_ts)``;
    ``duplicates`` counts records superseded inside the batch. For web_logs, ``hashes`` are the id hashes
    of ``upserts``, in order, and ``deltas`` (now and then) rollup cells the parser counted from this and
    earlier batches; the writer counts rows it does not insert back out.
    """

    upserts: list[tuple[Any, ...]]
    deletes: list[tuple[Any, Any]]
    duplicates: int
    bad_rows: list[BadRow]
    bytes_done: int
    deltas: FlatDeltas | None = None
    hashes: list[int] | None = None

    def to_wire(self) -> tuple[Any, ...]:
        """Plain tuples and lists (marshal-able when the values are)."""
        bad = [(b.path, b.line, b.message) for b in self.bad_rows]
        return (self.upserts, self.deletes, self.duplicates, bad, self.bytes_done, self.deltas, self.hashes)

    @classmethod
    def from_wire(cls, wire: tuple[Any, ...]) -> _Batch:
        """The batch sent by :meth:`to_wire`."""
        upserts, deletes, duplicates, bad, bytes_done, deltas, hashes = wire
        bad_rows = [BadRow(path, line, message) for path, line, message in bad]
        return cls(upserts, deletes, duplicates, bad_rows, bytes_done, deltas, hashes)


def _parse(
    files: Sequence[Path], spec: DapTableSpec, dv: DialectValues, skip_bad_rows: bool
) -> Iterator[_Batch]:
    """Read, convert and batch the records of a table's files (runs in-process or in a worker)."""
    convert_dict = compile_row_converter(spec.columns, dv)
    convert_key = dv.converters[spec.key_kind]
    key_class = int if spec.key_kind is ColumnKind.INT else str
    convert_ts = dv.converters[ColumnKind.TIMESTAMP]
    epoch = dv.epoch
    web_logs = spec.name == "web_logs"
    counter = PageViewCounter(dv) if web_logs else None
    done_bytes = 0
    last_raw_ts: Any = object()
    last_ts: Any = epoch
    for path in files:
        source = RecordFile(path)
        convert = convert_dict
        positions: dict[str, int] | None = None
        # key -> (ts, action, row); newest ts per key wins within a batch, a later record on a tie.
        pending: dict[Any, tuple[Any, str, tuple[Any, ...] | None]] = {}
        count = 0
        bad: list[BadRow] = []
        for line, raw_ts, action, raw_key, values in source:
            try:
                if action == BAD_RECORD:
                    raise ValueError(values)
                if raw_key is None or raw_key == "":
                    raise ValueError("record has no key.id")
                if raw_key.__class__ is key_class:
                    key = raw_key
                else:
                    try:
                        key = convert_key(raw_key)
                    except ValueError as exc:
                        raise ValueError(f"key.id: {exc}") from None
                if raw_ts != last_raw_ts:  # an export job stamps many records with the same meta.ts
                    try:
                        last_ts = convert_ts(raw_ts) if raw_ts is not None else epoch
                    except ValueError as exc:
                        raise ValueError(f"meta.ts: {exc}") from None
                    last_raw_ts = raw_ts
                ts = last_ts
                if action == "U":
                    if values.__class__ is list and positions is not source.positions:
                        positions = source.positions
                        convert = compile_row_converter(spec.columns, dv, positions, source.raw_tsv)
                    rec: tuple[Any, str, tuple[Any, ...] | None] = (ts, "U", convert(key, values, ts))
                elif action == "D":
                    rec = (ts, "D", None)
                else:
                    raise ValueError(f"meta.action must be U or D, got {action!r}")
            except ValueError as exc:
                if not skip_bad_rows:
                    raise ImportFormatError(path, line, str(exc)) from None
                bad.append(BadRow(str(path), line, str(exc)))
                continue
            count += 1
            prev = pending.get(key)
            if prev is None or prev[0] <= ts:
                pending[key] = rec
            if count >= BATCH_SIZE:
                yield _make_batch(pending, count, bad, done_bytes + source.bytes_read, counter)
                pending, count, bad = {}, 0, []
        done_bytes += source.size
        if count or bad:
            yield _make_batch(pending, count, bad, done_bytes, counter)
    if counter is not None:  # the page views still held
        yield _Batch([], [], 0, [], done_bytes, counter.take(everything=True))


def _make_batch(
    pending: dict[Any, tuple[Any, str, tuple[Any, ...] | None]],
    count: int,
    bad: list[BadRow],
    bytes_done: int,
    counter: PageViewCounter | None,
) -> _Batch:
    upserts = [rec[2] for rec in pending.values() if rec[2] is not None]
    deletes = [(key, rec[0]) for key, rec in pending.items() if rec[1] == "D"]
    if counter is None:
        return _Batch(upserts, deletes, count - len(pending), bad, bytes_done)
    # The parser does the per-row work of web_logs: page views counted, ids hashed.
    counter.add(upserts)
    deltas = counter.take()
    hashes = id_hashes([r[0] for r in upserts])
    return _Batch(upserts, deletes, count - len(pending), bad, bytes_done, deltas, hashes)


def _parse_in_process(
    files: Sequence[Path], spec: DapTableSpec, dv: DialectValues, skip_bad_rows: bool
) -> Iterator[_Batch]:
    return _parse(files, spec, dv, skip_bad_rows)


# --- Parallel parsing -------------------------------------------------------------------------------------
# Parsing and converting is pure Python and about as costly as writing, so big tables are parsed in
# separate processes (storage/_parse_worker.py) while this process writes: one per core (the writer mostly
# waits on SQLite), each with its share of the files. Batches are applied in whatever order they arrive;
# that order does not matter: the newest meta.ts wins, deletes leave tombstones, a web_logs id is kept once.


def parser_processes(files: int) -> int:
    """How many parser processes a table of this many files gets."""
    return max(1, min(files, os.cpu_count() or 1, MAX_PARSER_PROCESSES))


def _shares(files: Sequence[Path], count: int) -> list[list[Path]]:
    """``files`` in ``count`` shares of about equal size (each share keeps the files' order)."""
    sizes = {f: f.stat().st_size for f in files}
    load = [0] * count
    owner: dict[Path, int] = {}
    for f in sorted(files, key=lambda f: -sizes[f]):
        i = load.index(min(load))
        owner[f] = i
        load[i] += sizes[f]
    return [s for s in ([f for f in files if owner[f] == i] for i in range(count)) if s]


async def _parse_in_workers(
    files: Sequence[Path], table: str, dialect: str, skip_bad_rows: bool
) -> AsyncIterator[_Batch]:
    shares = _shares(files, parser_processes(len(files)))
    if len(shares) == 1:
        async for batch in _parse_in_worker(shares[0], table, dialect, skip_bad_rows):
            yield batch
        return
    queue: asyncio.Queue[tuple[int, _Batch | BaseException | None]] = asyncio.Queue(maxsize=2 * len(shares))

    async def pump(i: int, share: list[Path]) -> None:
        try:
            async for batch in _parse_in_worker(share, table, dialect, skip_bad_rows):
                await queue.put((i, batch))
            await queue.put((i, None))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, which raises it
            await queue.put((i, exc))

    tasks = [asyncio.create_task(pump(i, share)) for i, share in enumerate(shares)]
    done_bytes = [0] * len(shares)
    running = len(shares)
    try:
        while running:
            i, item = await queue.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                done_bytes[i] = item.bytes_done  # each worker counts the bytes of its own share
                item.bytes_done = sum(done_bytes)
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _parse_in_worker(
    files: Sequence[Path], table: str, dialect: str, skip_bad_rows: bool
) -> AsyncIterator[_Batch]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "analytics_gateway.storage._parse_worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    job = {
        "files": [str(f) for f in files],
        "table": table,
        "dialect": dialect,
        "skip_bad_rows": skip_bad_rows,
    }
    proc.stdin.write(orjson.dumps(job))
    await proc.stdin.drain()
    proc.stdin.close()
    try:
        while True:
            try:
                (size,) = HEADER.unpack(await proc.stdout.readexactly(HEADER.size))
                kind, payload = decode(await proc.stdout.readexactly(size))
            except asyncio.IncompleteReadError:
                stderr = (await proc.stderr.read()).decode(errors="replace").strip().splitlines()
                raise RuntimeError(f"parser process died: {stderr[-1] if stderr else 'no message'}") from None
            if kind == "batch":
                yield _Batch.from_wire(payload)
            elif kind == "done":
                return
            elif kind == "format-error":
                path, line, message = payload
                raise ImportFormatError(path, line, message)
            else:
                raise RuntimeError(f"parser process failed: {payload}")
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def _aiter(source: Iterator[_Batch] | AsyncIterator[_Batch]) -> AsyncIterator[_Batch]:
    if isinstance(source, AsyncIterator):
        async for item in source:
            yield item
    else:
        for item in source:
            yield item


# --- Writers ------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    # `timestamp` and `type` are keywords; quoting every column keeps the SQL portable.
    return f'"{name}"'


_PG_TYPES = {
    ColumnKind.INT: "bigint",
    ColumnKind.FLOAT: "float8",
    ColumnKind.BOOL: "boolean",
    ColumnKind.TIMESTAMP: "timestamp",
    ColumnKind.DATE: "date",
    ColumnKind.TEXT: "text",
    ColumnKind.JSON: "text",
}


class _TableWriter:
    """Applies batches of one DAP table inside the caller's transaction."""

    def __init__(
        self, conn: AsyncConnection, spec: DapTableSpec, dv: DialectValues, summary: TableSummary
    ) -> None:
        self.conn = conn
        self.spec = spec
        self.dv = dv
        self.summary = summary
        self.sqlite = dv.name == "sqlite"
        table = spec.name
        self.cols = ["id", *spec.columns, "meta_ts"]
        kinds = [spec.key_kind, *spec.columns.values(), ColumnKind.TIMESTAMP]
        col_list = ", ".join(_q(c) for c in self.cols)
        if self.sqlite:
            self.values_sql = f"VALUES ({dv.placeholders(len(self.cols))})"
        else:
            # One statement per batch: columns travel as arrays and unnest() turns them back into rows.
            arrays = ", ".join(f"${i + 1}::{_PG_TYPES[k]}[]" for i, k in enumerate(kinds))
            self.values_sql = f"SELECT * FROM unnest({arrays})"
        updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in self.cols[1:])
        self.upsert_sql = (
            f"INSERT INTO {table} ({col_list}) {self.values_sql} "
            f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE {table}.meta_ts <= excluded.meta_ts"
        )
        self.insert_new_sql = (
            f"INSERT INTO {table} ({col_list}) {self.values_sql} ON CONFLICT (id) DO NOTHING"
        )
        self.delete_sql = f"DELETE FROM {table} WHERE id = {self._p(1)} AND meta_ts <= {self._p(2)}"
        self.tombstone_sql = (
            f"INSERT INTO dap_tombstones (table_name, key, meta_ts) VALUES ({dv.placeholders(3)}) "
            "ON CONFLICT (table_name, key) DO UPDATE SET meta_ts = excluded.meta_ts "
            "WHERE dap_tombstones.meta_ts < excluded.meta_ts"
        )
        self.has_tombstones = False
        self.scope = ScopeTracker(conn, table)

    def _p(self, i: int) -> str:
        return "?" if self.sqlite else f"${i}"

    def _params(self, rows: list[tuple[Any, ...]]) -> Any:
        """Driver parameters for a multi-row statement built on :attr:`values_sql`."""
        if self.sqlite:
            return rows
        return tuple(list(col) for col in zip(*rows, strict=True))

    async def prepare(self) -> None:
        """Called once before the first batch."""
        result = await self.conn.exec_driver_sql(
            f"SELECT 1 FROM dap_tombstones WHERE table_name = {self._p(1)} LIMIT 1", (self.spec.name,)
        )
        self.has_tombstones = result.first() is not None

    async def _drop_tombstoned(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows minus those deleted later than their ``meta.ts`` (by a tombstone)."""
        if not self.has_tombstones or not rows:
            return rows
        str_keys = [str(r[0]) for r in rows]
        if self.sqlite:
            sql = (
                "SELECT key, meta_ts FROM dap_tombstones WHERE table_name = ? "
                f"AND key IN ({', '.join('?' * len(str_keys))})"
            )
            params: tuple[Any, ...] = (self.spec.name, *str_keys)
        else:
            sql = "SELECT key, meta_ts FROM dap_tombstones WHERE table_name = $1 AND key = ANY($2::text[])"
            params = (self.spec.name, str_keys)
        found: list[Any] = list(await self.conn.exec_driver_sql(sql, params))
        stones: dict[str, Any] = {row[0]: row[1] for row in found}
        if not stones:
            return rows
        return [r for r in rows if not (str(r[0]) in stones and stones[str(r[0])] > r[-1])]

    async def apply(self, batch: _Batch) -> None:
        """Apply one batch: upserts (newest wins), then deletes (with tombstones)."""
        self.summary.duplicates += batch.duplicates
        if batch.upserts:
            rows = await self._drop_tombstoned(batch.upserts)
            self.summary.duplicates += len(batch.upserts) - len(rows)
            await self.scope.before_write([r[0] for r in rows])
            written = await self.write_upserts(rows, batch)
            self.summary.upserted += written
            self.summary.duplicates += len(rows) - written
        if batch.deletes:
            await self.scope.before_write([key for key, _ in batch.deletes])
            await self.write_deletes(batch.deletes)
            await self.conn.exec_driver_sql(
                self.tombstone_sql, [(self.spec.name, str(key), ts) for key, ts in batch.deletes]
            )
            self.has_tombstones = True
            self.summary.deleted += len(batch.deletes)

    async def write_upserts(self, rows: list[tuple[Any, ...]], batch: _Batch) -> int:
        """Upsert rows; returns how many were applied (not skipped as duplicates)."""
        if rows:
            await self.conn.exec_driver_sql(self.upsert_sql, self._params(rows))
        return len(rows)

    async def write_deletes(self, deletes: list[tuple[Any, Any]]) -> None:
        """Delete rows not newer than the delete."""
        await self.conn.exec_driver_sql(self.delete_sql, deletes)

    async def finish(self) -> None:
        """Called once after the last batch, inside the transaction."""
        await self.scope.finish()

    def changed_tables(self) -> list[str]:
        """The tables this import writes: its own, and what is derived from it."""
        return [self.spec.name]


class _WebLogsWriter(_TableWriter):
    """web_logs: append unseen ids only, keep their id index and the page-view rollups in step.

    Rows are appended first and their ids registered in sorted runs of about :data:`ID_RUN_ROWS` rows
    (``storage/_weblog_ids.py``): when every hash of a run was free, which is the usual case, that is all.
    Otherwise the run is resolved: a row whose id is already stored (a redelivery) is removed again and its
    page views taken back out; a row whose hash belongs to another id goes to the overflow table. After a
    run with many redeliveries (re-importing files already imported), known ids are looked up before
    appending instead, until a run comes clean.
    """

    def __init__(
        self, conn: AsyncConnection, spec: DapTableSpec, dv: DialectValues, summary: TableSummary
    ) -> None:
        super().__init__(conn, spec, dv, summary)
        # Page views of rows counted by the parser but not inserted (known ids, tombstoned, removed).
        self.taken_back = PageViewCounter(dv)
        self.negative = False  # cells may have gone below zero for a while: drop empty cells at the end
        self.col_list = ", ".join(_q(c) for c in self.cols)
        if self.sqlite:  # SQLite numbers appended rows itself: max(seq) + 1, + 2, ...
            self.append_sql = f"INSERT INTO web_logs ({self.col_list}) {self.values_sql}"
            # The run travels as one JSON array and SQLite sorts it: inserts walk the B-tree in key order.
            self.register_sql = (
                "INSERT OR IGNORE INTO web_log_ids (id_hash, seq) "
                "SELECT value, ? + key FROM json_each(?) ORDER BY value"
            )
        else:
            kinds = [spec.key_kind, *spec.columns.values(), ColumnKind.TIMESTAMP]
            arrays = ", ".join(f"${i + 2}::{_PG_TYPES[k]}[]" for i, k in enumerate(kinds))
            self.append_sql = (
                f"INSERT INTO web_logs (seq, {self.col_list}) SELECT * FROM unnest($1::bigint[], {arrays})"
            )
            self.register_sql = (
                "INSERT INTO web_log_ids (id_hash, seq) SELECT * FROM unnest($1::bigint[], $2::bigint[]) "
                "ON CONFLICT (id_hash) DO NOTHING"
            )
        self.next_seq: int | None = None
        # Rows appended and not yet registered: seqs run_first, run_first + 1, ... with these id hashes.
        self.run_first = 0
        self.run_hashes: list[int] = []
        self.lookup_first = False
        self.has_overflow = False

    async def prepare(self) -> None:
        await super().prepare()
        if not self.sqlite:
            # One web_logs import at a time: between appending a run and registering its ids, another
            # import must not register the same ids. Readers are not blocked. (SQLite writers are serial.)
            await self.conn.exec_driver_sql("LOCK TABLE web_log_ids IN EXCLUSIVE MODE")
        found = await self.conn.exec_driver_sql("SELECT 1 FROM web_log_id_overflow LIMIT 1")
        self.has_overflow = found.first() is not None

    async def _seq(self) -> int:
        """The ``seq`` the next appended row gets."""
        if self.next_seq is None:
            top = await self.conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM web_logs")
            self.next_seq = int(top.scalar_one()) + 1
        return self.next_seq

    async def apply(self, batch: _Batch) -> None:
        if batch.deltas is not None:
            await self._add_deltas(batch.deltas)
        await super().apply(batch)

    async def _add_deltas(self, deltas: FlatDeltas) -> None:
        # Courses whose page views changed: the import's scope, and whose accounts' rollup is rebuilt.
        self.scope.add_courses(touched_courses(deltas))
        await apply_deltas(self.conn, self.dv, deltas)

    async def _take_back(self, rows: list[tuple[Any, ...]]) -> None:
        """Count rows the parser counted but that are not (or no longer) stored back out."""
        self.taken_back.add(rows, -1)
        # A negative cell may be applied before the parser hands over its positive part (a course's daily
        # cells come at the end); the sum is right once both are in, and empty cells are dropped then.
        self.negative = self.negative or bool(rows)
        deltas = self.taken_back.take()
        if deltas is not None:
            await self._add_deltas(deltas)

    async def write_upserts(self, rows: list[tuple[Any, ...]], batch: _Batch) -> int:
        # The parser counted the page views of all the batch's rows; rows not appended are taken back out.
        if len(rows) != len(batch.upserts):  # some were tombstoned
            kept = {r[0] for r in rows}
            await self._take_back([r for r in batch.upserts if r[0] not in kept])
        hashes = batch.hashes if batch.hashes is not None and rows is batch.upserts else None
        if hashes is None:
            hashes = id_hashes([r[0] for r in rows])
        if rows and (self.lookup_first or self.has_overflow):
            known = {
                r[1]
                for r in await rows_of_ids(
                    self.conn, [r[0] for r in rows], "w.id", overflow=self.has_overflow
                )
            }
            if known:
                await self._take_back([r for r in rows if r[0] in known])
                keep = [i for i, r in enumerate(rows) if r[0] not in known]
                rows, hashes = [rows[i] for i in keep], [hashes[i] for i in keep]
        if not rows:
            return 0
        first = await self._seq()
        if self.sqlite:
            await self.conn.exec_driver_sql(self.append_sql, rows)
        else:
            seqs = list(range(first, first + len(rows)))
            await self.conn.exec_driver_sql(self.append_sql, (seqs, *self._params(rows)))
        self.next_seq = first + len(rows)
        if not self.run_hashes:
            self.run_first = first
        self.run_hashes.extend(hashes)
        if len(self.run_hashes) >= ID_RUN_ROWS:
            await self._register()
        return len(rows)

    async def _register(self) -> None:
        """Register the ids of the appended run; resolve the rows whose hash was taken."""
        first, hashes, self.run_hashes = self.run_first, self.run_hashes, []
        if not hashes:
            return
        if self.sqlite:
            top = await self.conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM web_logs")
            if int(top.scalar_one()) != first + len(hashes) - 1:  # never expected: SQLite numbers max + 1
                raise RuntimeError("web_logs rows were not numbered in append order")
            params: tuple[Any, ...] = (first, orjson.dumps(hashes).decode())
        else:
            params = (hashes, list(range(first, first + len(hashes))))
        registered = (await self.conn.exec_driver_sql(self.register_sql, params)).rowcount
        if registered == len(hashes):
            self.lookup_first = False
            return
        await self._resolve([(h, first + i) for i, h in enumerate(hashes)])

    async def _resolve(self, run: list[tuple[int, int]]) -> None:
        """Rows of ``run`` whose hash is held by another row: redeliveries go, collisions overflow."""
        holder: dict[int, int] = {}
        for part in chunks([h for h, _ in run]):
            for h, seq in await self._select(
                "SELECT id_hash, seq FROM web_log_ids WHERE id_hash", part, "bigint"
            ):
                holder[h] = seq
        lost = [(h, seq) for h, seq in run if holder[h] != seq]
        id_of: dict[int, str] = {}
        wanted = sorted({seq for _, seq in lost} | {holder[h] for h, _ in lost})
        for part in chunks(wanted):
            id_of.update(await self._select("SELECT seq, id FROM web_logs WHERE seq", part, "bigint"))
        colliding = sorted({id_of[seq] for h, seq in lost if id_of[seq] != id_of[holder[h]]})
        in_overflow: set[str] = set()
        for names in chunks(colliding):
            in_overflow.update(
                i for (i,) in await self._select("SELECT id FROM web_log_id_overflow WHERE id", names, "text")
            )
        doomed: list[int] = []
        overflow: dict[str, int] = {}
        for h, seq in sorted(lost, key=lambda pair: pair[1]):  # earlier rows first: the first copy stays
            mine = id_of[seq]
            if mine == id_of[holder[h]] or mine in in_overflow or mine in overflow:
                doomed.append(seq)
            else:
                overflow[mine] = seq
        if overflow:
            await self.conn.exec_driver_sql(
                "INSERT INTO web_log_id_overflow (id, seq) VALUES "
                + ("(?, ?)" if self.sqlite else "($1, $2)"),
                list(overflow.items()),
            )
            self.has_overflow = True
        if doomed:
            cols = ", ".join(_q(c) for c in self.cols)
            removed: list[tuple[Any, ...]] = []
            for part in chunks(doomed):
                removed.extend(
                    tuple(r)
                    for r in await self._select(f"SELECT {cols} FROM web_logs WHERE seq", part, "bigint")
                )
                await self._select("DELETE FROM web_logs WHERE seq", part, "bigint", fetch=False)
            await self._take_back(removed)
            self.summary.upserted -= len(doomed)
            self.summary.duplicates += len(doomed)
            self.next_seq = None  # the last rows may be gone: SQLite numbers from the new maximum
        self.lookup_first = len(doomed) * 100 > len(run)

    async def _select(
        self, head: str, values: Sequence[Any], pg_type: str, *, fetch: bool = True
    ) -> list[Any]:
        """``head IN (values)`` (SQLite) or ``head = ANY($1)`` (PostgreSQL); the rows, or none."""
        if self.sqlite:
            result = await self.conn.exec_driver_sql(
                f"{head} IN ({', '.join('?' * len(values))})", tuple(values)
            )
        else:
            result = await self.conn.exec_driver_sql(f"{head} = ANY($1::{pg_type}[])", (list(values),))
        return [tuple(r) for r in result] if fetch else []

    async def write_deletes(self, deletes: list[tuple[Any, Any]]) -> None:
        await self._register()  # rows appended earlier in this import are found through their ids too
        ts_of = dict(deletes)
        cols = ", ".join(f"w.{_q(c)}" for c in self.cols)
        found = await rows_of_ids(self.conn, list(ts_of), cols, overflow=self.has_overflow)
        doomed = [row for row in found if row[1] in ts_of and row[-1] <= ts_of[row[1]]]
        if not doomed:
            return
        # A row holds its id's hash in web_log_ids, or is in the overflow table (the hash is another's).
        registered = [(id_hash(row[1]), row[0]) for row in doomed]
        p1, p2 = self._p(1), self._p(2)
        await self.conn.exec_driver_sql(
            f"DELETE FROM web_log_ids WHERE id_hash = {p1} AND seq = {p2}", registered
        )
        for part in chunks([row[0] for row in doomed]):
            await self._select("DELETE FROM web_logs WHERE seq", part, "bigint", fetch=False)
        if self.has_overflow:
            for part in chunks([row[1] for row in doomed]):
                await self._select("DELETE FROM web_log_id_overflow WHERE id", part, "text", fetch=False)
        # Deleted rows were counted by earlier imports (or by the parser, earlier in this one).
        await self._take_back([row[1:] for row in doomed])
        self.next_seq = None

    def changed_tables(self) -> list[str]:
        return [
            self.spec.name,
            "web_log_ids",
            "web_log_id_overflow",
            *(table for table, _ in ROLLUP_TABLES),
            "page_view_account_daily",
        ]

    async def finish(self) -> None:
        await self._register()
        deltas = self.taken_back.take(everything=True)
        if deltas is not None:
            await self._add_deltas(deltas)
        if self.negative:
            for table, _ in ROLLUP_TABLES:
                await self.conn.exec_driver_sql(
                    f"DELETE FROM {table} WHERE views <= 0 AND participations <= 0"
                )
        await self.scope.finish()
        if self.scope.courses:
            await rebuild_account_rollup(self.conn, self.scope.accounts)


class _CoursesWriter(_TableWriter):
    """courses: a course moved to another account, term or state takes its page views and grades along."""

    def changed_tables(self) -> list[str]:
        return [self.spec.name, "page_view_account_daily", "account_grade_counts"]

    async def finish(self) -> None:
        await super().finish()
        # The scope holds the accounts the touched courses were placed in before and after the import.
        if self.scope.everything:  # too many courses to list: rebuild it all
            await rebuild_account_rollup(self.conn, None)
            await rebuild_account_grade_counts(self.conn, None)
        elif self.scope.courses:
            await rebuild_account_rollup(self.conn, self.scope.accounts)
            await rebuild_account_grade_counts(self.conn, self.scope.accounts)


class _ScoreCountsWriter(_TableWriter):
    """enrollments, scores: the score counts of every course whose enrollments or scores changed; for
    enrollments (who is a current student) also the class scores of the course's assignments."""

    def changed_tables(self) -> list[str]:
        tables = [self.spec.name, "course_score_counts", "account_grade_counts"]
        return [*tables, "assignment_class_scores"] if self.spec.name == "enrollments" else tables

    async def finish(self) -> None:
        await super().finish()
        # The scope holds the courses of the touched rows before and after the import, and their accounts.
        students = self.spec.name == "enrollments"
        if self.scope.everything:  # too many rows to list their courses: rebuild it all
            await rebuild_course_score_counts(self.conn, None)
            await rebuild_account_grade_counts(self.conn, None)
            if students:
                await rebuild_assignment_class_scores(self.conn, None)
        elif self.scope.courses:
            await rebuild_course_score_counts(self.conn, self.scope.courses)
            await rebuild_account_grade_counts(self.conn, self.scope.accounts)
            if students:
                await rebuild_assignment_class_scores(self.conn, self.scope.courses)


class _ClassScoresWriter(_TableWriter):
    """submissions, assignments: the class scores of every course whose submissions or assignments changed
    (an assignment moved to another course takes its submissions along)."""

    def changed_tables(self) -> list[str]:
        return [self.spec.name, "assignment_class_scores"]

    async def finish(self) -> None:
        await super().finish()
        if self.scope.everything:
            await rebuild_assignment_class_scores(self.conn, None)
        elif self.scope.courses:
            await rebuild_assignment_class_scores(self.conn, self.scope.courses)


_WRITERS: dict[str, type[_TableWriter]] = {
    "web_logs": _WebLogsWriter,
    "courses": _CoursesWriter,
    "enrollments": _ScoreCountsWriter,
    "scores": _ScoreCountsWriter,
    "submissions": _ClassScoresWriter,
    "assignments": _ClassScoresWriter,
}
