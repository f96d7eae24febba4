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
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics_gateway.storage._convert import DialectValues, compile_row_converter, dialect_values
from analytics_gateway.storage._formats import BAD_RECORD, ImportFormatError, RecordFile
from analytics_gateway.storage._parse_worker import HEADER, decode
from analytics_gateway.storage._rollups import (
    ROLLUP_TABLES,
    FlatDeltas,
    RollupDeltas,
    count_page_views,
    rebuild_account_rollup,
)
from analytics_gateway.storage._scopes import ScopeTracker, write_scope
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
ROLLUP_FLUSH_KEYS = 200_000
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
    try:
        async with engine.begin() as conn:
            if dv.name == "sqlite":
                # A big page cache keeps the B-trees of large tables in memory during the import.
                await conn.exec_driver_sql("PRAGMA cache_size = -1000000")
            writer = _WRITERS.get(name, _TableWriter)(conn, spec, dv, summary)
            await writer.prepare()
            source = _parse_in_process(files, spec, dv, skip_bad_rows) if not parallel else None
            batches = _parse_in_worker(files, name, dv.name, skip_bad_rows) if parallel else source
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
    except ImportFormatError as exc:
        raise ImportFailedError(name, exc) from exc
    except Exception as exc:
        raise ImportFailedError(name, exc) from exc
    finally:
        if gc_was_enabled:
            gc.enable()
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass
class _Batch:
    """Converted records of one batch, ready to apply.

    ``upserts`` are ``(key, *values, meta_ts)`` rows, newest per key; ``deletes`` are ``(key, meta_ts)``;
    ``duplicates`` counts records superseded inside the batch. For web_logs, ``deltas`` are the rollup
    increments of all ``upserts`` (computed by the parser, corrected by the writer).
    """

    upserts: list[tuple[Any, ...]]
    deletes: list[tuple[Any, Any]]
    duplicates: int
    bad_rows: list[BadRow]
    bytes_done: int
    deltas: FlatDeltas | None = None

    def to_wire(self) -> tuple[Any, ...]:
        """Plain tuples and lists (marshal-able when the values are)."""
        bad = [(b.path, b.line, b.message) for b in self.bad_rows]
        return (self.upserts, self.deletes, self.duplicates, bad, self.bytes_done, self.deltas)

    @classmethod
    def from_wire(cls, wire: tuple[Any, ...]) -> _Batch:
        """The batch sent by :meth:`to_wire`."""
        upserts, deletes, duplicates, bad, bytes_done, deltas = wire
        bad_rows = [BadRow(path, line, message) for path, line, message in bad]
        return cls(upserts, deletes, duplicates, bad_rows, bytes_done, deltas)


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
                        convert = compile_row_converter(spec.columns, dv, positions)
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
                yield _make_batch(pending, count, bad, done_bytes + source.bytes_read, web_logs, dv)
                pending, count, bad = {}, 0, []
        done_bytes += source.size
        if count or bad:
            yield _make_batch(pending, count, bad, done_bytes, web_logs, dv)


def _make_batch(
    pending: dict[Any, tuple[Any, str, tuple[Any, ...] | None]],
    count: int,
    bad: list[BadRow],
    bytes_done: int,
    web_logs: bool,
    dv: DialectValues,
) -> _Batch:
    upserts = [rec[2] for rec in pending.values() if rec[2] is not None]
    deletes = [(key, rec[0]) for key, rec in pending.items() if rec[1] == "D"]
    deltas = count_page_views(upserts, dv).flat() if web_logs else None
    return _Batch(upserts, deletes, count - len(pending), bad, bytes_done, deltas)


def _parse_in_process(
    files: Sequence[Path], spec: DapTableSpec, dv: DialectValues, skip_bad_rows: bool
) -> Iterator[_Batch]:
    return _parse(files, spec, dv, skip_bad_rows)


# --- Parallel parsing -------------------------------------------------------------------------------------
# Parsing and converting is pure Python and about as costly as writing, so big tables are parsed in a
# separate process (storage/_parse_worker.py) while this process writes.


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
    """web_logs: insert unseen ids only and keep the page-view rollups in step."""

    def __init__(
        self, conn: AsyncConnection, spec: DapTableSpec, dv: DialectValues, summary: TableSummary
    ) -> None:
        super().__init__(conn, spec, dv, summary)
        self.rollups = RollupDeltas()

    async def write_upserts(self, rows: list[tuple[Any, ...]], batch: _Batch) -> int:
        # A known id is the same request delivered again (at-least-once upstream): skipped, not updated.
        if batch.deltas is not None:
            self.rollups.merge_flat(batch.deltas)
        else:
            self.rollups.merge(count_page_views(batch.upserts, self.dv))
        if len(rows) != len(batch.upserts):  # some were tombstoned: take their page views back out
            kept = {r[0] for r in rows}
            self.rollups.merge(count_page_views([r for r in batch.upserts if r[0] not in kept], self.dv, -1))
        new_ids: set[Any] | None = None
        if not rows:
            inserted = 0
        elif self.sqlite:
            # SQLite gives a new row max(rowid) + 1, so this batch's rows are those above the current
            # maximum (read now: deletes earlier in the import may have lowered it).
            top = await self.conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM web_logs")
            max_rowid = int(top.scalar_one())
            result = await self.conn.exec_driver_sql(self.insert_new_sql, rows)
            inserted = result.rowcount
            if inserted != len(rows):
                found = await self.conn.exec_driver_sql(
                    "SELECT id FROM web_logs WHERE rowid > ?", (max_rowid,)
                )
                new_ids = {row[0] for row in found}
        else:
            result = await self.conn.exec_driver_sql(
                self.insert_new_sql + " RETURNING id", self._params(rows)
            )
            returned = {row[0] for row in result}
            inserted = len(returned)
            if inserted != len(rows):
                new_ids = returned
        if new_ids is not None:  # known ids: their page views were counted when they were first imported
            self.rollups.merge(count_page_views([r for r in rows if r[0] not in new_ids], self.dv, -1))
        if self.rollups.size >= ROLLUP_FLUSH_KEYS:
            await self._flush()
        return inserted

    async def _flush(self) -> None:
        # Courses whose page views changed: the import's scope, and whose accounts' rollup is rebuilt.
        self.scope.add_courses([key[0] for key in self.rollups.course_daily])
        await self.rollups.flush(self.conn, self.dv)

    async def write_deletes(self, deletes: list[tuple[Any, Any]]) -> None:
        ts_of = dict(deletes)
        ids = list(ts_of)
        cols = ", ".join(_q(c) for c in self.cols)
        if self.sqlite:
            sql = f"SELECT {cols} FROM web_logs WHERE id IN ({', '.join('?' * len(ids))})"
            result = await self.conn.exec_driver_sql(sql, tuple(ids))
        else:
            result = await self.conn.exec_driver_sql(
                f"SELECT {cols} FROM web_logs WHERE id = ANY($1::text[])", (ids,)
            )
        doomed = [tuple(row) for row in result if row[-1] <= ts_of[row[0]]]
        if doomed:
            await self.conn.exec_driver_sql(self.delete_sql, [(row[0], row[-1]) for row in doomed])
            self.rollups.merge(count_page_views(doomed, self.dv, -1))

    def changed_tables(self) -> list[str]:
        return [self.spec.name, *(table for table, _ in ROLLUP_TABLES), "page_view_account_daily"]

    async def finish(self) -> None:
        await self._flush()
        await self.scope.finish()
        if self.scope.courses:
            await rebuild_account_rollup(self.conn, self.scope.accounts)


class _CoursesWriter(_TableWriter):
    """courses: a course moved to another account, term or state takes its page views along."""

    def changed_tables(self) -> list[str]:
        return [self.spec.name, "page_view_account_daily"]

    async def finish(self) -> None:
        await super().finish()
        # The scope holds the accounts the touched courses were placed in before and after the import.
        if self.scope.everything:  # too many courses to list: rebuild it all
            await rebuild_account_rollup(self.conn, None)
        elif self.scope.courses:
            await rebuild_account_rollup(self.conn, self.scope.accounts)


_WRITERS: dict[str, type[_TableWriter]] = {"web_logs": _WebLogsWriter, "courses": _CoursesWriter}
