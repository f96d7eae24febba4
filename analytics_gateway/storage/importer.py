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

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics_gateway.storage._convert import Converter, DialectValues, dialect_values
from analytics_gateway.storage._formats import ImportFormatError, RecordFile
from analytics_gateway.storage.categories import page_view_category
from analytics_gateway.storage.tables import DAP_TABLES, ColumnKind, DapTableSpec

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

BATCH_SIZE = 5_000
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
    try:
        async with engine.begin() as conn:
            writer: _TableWriter = (
                _WebLogsWriter(conn, spec, dv, summary)
                if name == "web_logs"
                else _TableWriter(conn, spec, dv, summary)
            )
            await writer.prepare()
            total_bytes = sum(f.stat().st_size for f in files)
            done_bytes = 0
            for path in files:
                source = RecordFile(path)
                for batch in _batches(source, spec, dv, summary, skip_bad_rows):
                    await writer.apply(batch)
                    if progress is not None:
                        progress(name, summary.records, done_bytes + source.bytes_read, total_bytes)
                done_bytes += source.size
            await writer.finish()
            if progress is not None:
                progress(name, summary.records, total_bytes, total_bytes)
    except ImportFormatError as exc:
        raise ImportFailedError(name, exc) from exc
    except Exception as exc:
        raise ImportFailedError(name, exc) from exc
    summary.seconds = time.perf_counter() - started
    return summary


# A converted record: (line, ts, action, key, row) where row = (key, *values, meta_ts) for upserts.
_Converted = tuple[int, Any, str, Any, tuple[Any, ...] | None]


def _batches(
    source: RecordFile, spec: DapTableSpec, dv: DialectValues, summary: TableSummary, skip_bad_rows: bool
) -> Iterator[list[_Converted]]:
    converters: list[tuple[str, Converter]] = [(c, dv.converters[k]) for c, k in spec.columns.items()]
    convert_key = dv.converters[spec.key_kind]
    convert_ts = dv.converters[ColumnKind.TIMESTAMP]
    epoch = dv.epoch
    path = source.path
    batch: list[_Converted] = []
    for line, raw_ts, action, raw_key, values in source:
        try:
            if raw_key is None or raw_key == "":
                raise ValueError("record has no key.id")
            key = convert_key(raw_key)
            try:
                ts = convert_ts(raw_ts) if raw_ts is not None else epoch
            except ValueError as exc:
                raise ValueError(f"meta.ts: {exc}") from None
            if action == "U":
                row_values = []
                for col, conv in converters:
                    try:
                        row_values.append(conv(values.get(col)))
                    except ValueError as exc:
                        raise ValueError(f"column {col}: {exc}") from None
                batch.append((line, ts, "U", key, (key, *row_values, ts)))
            elif action == "D":
                batch.append((line, ts, "D", key, None))
            else:
                raise ValueError(f"meta.action must be U or D, got {action!r}")
        except ValueError as exc:
            if not skip_bad_rows:
                raise ImportFormatError(path, line, str(exc)) from None
            summary.skipped += 1
            if len(summary.bad_rows) < MAX_BAD_ROWS_KEPT:
                summary.bad_rows.append(BadRow(str(path), line, str(exc)))
            continue
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _newest_per_key(batch: Iterable[_Converted]) -> dict[Any, _Converted]:
    """Within a batch the newest ``meta.ts`` per key wins; on a tie the later record wins."""
    newest: dict[Any, _Converted] = {}
    for rec in batch:
        prev = newest.get(rec[3])
        if prev is None or prev[1] <= rec[1]:
            newest[rec[3]] = rec
    return newest


class _TableWriter:
    """Applies batches of one DAP table to the database inside the caller's transaction."""

    def __init__(
        self, conn: AsyncConnection, spec: DapTableSpec, dv: DialectValues, summary: TableSummary
    ) -> None:
        self.conn = conn
        self.spec = spec
        self.dv = dv
        self.summary = summary
        self.sqlite = dv.name == "sqlite"
        table = spec.name
        cols = ["id", *spec.columns, "meta_ts"]
        col_list = ", ".join(_q(c) for c in cols)
        updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in cols[1:])
        self.upsert_sql = (
            f"INSERT INTO {table} ({col_list}) VALUES ({dv.placeholders(len(cols))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE {table}.meta_ts <= excluded.meta_ts"
        )
        self.delete_sql = f"DELETE FROM {table} WHERE id = {self._p(1)} AND meta_ts <= {self._p(2)}"
        self.tombstone_sql = (
            f"INSERT INTO dap_tombstones (table_name, key, meta_ts) VALUES ({dv.placeholders(3)}) "
            "ON CONFLICT (table_name, key) DO UPDATE SET meta_ts = excluded.meta_ts "
            "WHERE dap_tombstones.meta_ts < excluded.meta_ts"
        )
        self.has_tombstones = False

    def _p(self, i: int) -> str:
        return "?" if self.sqlite else f"${i}"

    async def prepare(self) -> None:
        result = await self.conn.exec_driver_sql(
            f"SELECT 1 FROM dap_tombstones WHERE table_name = {self._p(1)} LIMIT 1", (self.spec.name,)
        )
        self.has_tombstones = result.first() is not None

    async def _tombstones(self, keys: list[Any]) -> dict[str, Any]:
        """Stored tombstone timestamps of these keys (only queried when the table has any)."""
        if not self.has_tombstones or not keys:
            return {}
        str_keys = [str(k) for k in keys]
        if self.sqlite:
            sql = (
                "SELECT key, meta_ts FROM dap_tombstones WHERE table_name = ? "
                f"AND key IN ({', '.join('?' * len(str_keys))})"
            )
            params: tuple[Any, ...] = (self.spec.name, *str_keys)
        else:
            sql = "SELECT key, meta_ts FROM dap_tombstones WHERE table_name = $1 AND key = ANY($2::text[])"
            params = (self.spec.name, str_keys)
        rows: list[Any] = list(await self.conn.exec_driver_sql(sql, params))
        return {row[0]: row[1] for row in rows}

    async def apply(self, batch: list[_Converted]) -> None:
        newest = _newest_per_key(batch)
        self.summary.duplicates += len(batch) - len(newest)
        upserts = [r for r in newest.values() if r[2] == "U"]
        deletes = [r for r in newest.values() if r[2] == "D"]
        if upserts:
            stones = await self._tombstones([r[3] for r in upserts])
            if stones:
                kept = [r for r in upserts if not (str(r[3]) in stones and stones[str(r[3])] > r[1])]
                self.summary.duplicates += len(upserts) - len(kept)
                upserts = kept
            await self.write_upserts(upserts)
            self.summary.upserted += len(upserts)
        if deletes:
            await self.write_deletes(deletes)
            await self.conn.exec_driver_sql(
                self.tombstone_sql, [(self.spec.name, str(r[3]), r[1]) for r in deletes]
            )
            self.has_tombstones = True
            self.summary.deleted += len(deletes)

    async def write_upserts(self, upserts: list[_Converted]) -> None:
        if upserts:
            await self.conn.exec_driver_sql(self.upsert_sql, [r[4] for r in upserts if r[4] is not None])

    async def write_deletes(self, deletes: list[_Converted]) -> None:
        await self.conn.exec_driver_sql(self.delete_sql, [(r[3], r[1]) for r in deletes])

    async def finish(self) -> None:
        """Called once after the last batch, inside the transaction."""


def _q(name: str) -> str:
    # `timestamp` and `type` are (non-reserved) keywords; quoting every column keeps the SQL portable.
    return f'"{name}"'


class _WebLogsWriter(_TableWriter):
    """web_logs: insert unseen ids only, and keep the page-view rollups in step."""

    def __init__(
        self, conn: AsyncConnection, spec: DapTableSpec, dv: DialectValues, summary: TableSummary
    ) -> None:
        super().__init__(conn, spec, dv, summary)
        cols = ["id", *spec.columns, "meta_ts"]
        self.insert_sql = (
            f"INSERT INTO web_logs ({', '.join(_q(c) for c in cols)}) VALUES ({dv.placeholders(len(cols))})"
        )
        names = list(spec.columns)
        # Positions inside a converted row (key first).
        self.i_ts = 1 + names.index("timestamp")
        self.i_user = 1 + names.index("user_id")
        self.i_real = 1 + names.index("real_user_id")
        self.i_course = 1 + names.index("course_id")
        self.i_ctrl = 1 + names.index("web_application_controller")
        self.i_part = 1 + names.index("participated")
        self.rollups = _RollupDeltas()

    async def _existing(self, ids: list[Any]) -> set[Any]:
        if self.sqlite:
            sql = f"SELECT id FROM web_logs WHERE id IN ({', '.join('?' * len(ids))})"
            result = await self.conn.exec_driver_sql(sql, tuple(ids))
        else:
            result = await self.conn.exec_driver_sql(
                "SELECT id FROM web_logs WHERE id = ANY($1::text[])", (ids,)
            )
        return {row[0] for row in result}

    async def write_upserts(self, upserts: list[_Converted]) -> None:
        # First record of an id wins within the batch (identical requests); known ids are skipped.
        rows = [r[4] for r in upserts if r[4] is not None]
        existing = await self._existing([r[0] for r in rows])
        if existing:
            rows = [r for r in rows if r[0] not in existing]
            self.summary.duplicates += len(upserts) - len(rows)
            self.summary.upserted -= len(upserts) - len(rows)
        if not rows:
            return
        await self.conn.exec_driver_sql(self.insert_sql, rows)
        self._count(rows, +1)
        if self.rollups.size >= ROLLUP_FLUSH_KEYS:
            await self.rollups.flush(self.conn, self.dv)

    async def write_deletes(self, deletes: list[_Converted]) -> None:
        ids = [r[3] for r in deletes]
        ts_of = {r[3]: r[1] for r in deletes}
        cols = ", ".join(_q(c) for c in ["id", *self.spec.columns, "meta_ts"])
        if self.sqlite:
            sql = f"SELECT {cols} FROM web_logs WHERE id IN ({', '.join('?' * len(ids))})"
            result = await self.conn.exec_driver_sql(sql, tuple(ids))
        else:
            result = await self.conn.exec_driver_sql(
                f"SELECT {cols} FROM web_logs WHERE id = ANY($1::text[])", (ids,)
            )
        rows = [tuple(row) for row in result]  # driver values, comparable with the converted ones
        doomed = [row for row in rows if row[-1] <= ts_of[row[0]]]
        if doomed:
            await self.conn.exec_driver_sql(self.delete_sql, [(row[0], row[-1]) for row in doomed])
            self._count(doomed, -1)

    def _count(self, rows: list[tuple[Any, ...]], sign: int) -> None:
        day_of, hour_of = self.dv.day_of, self.dv.hour_of
        i_ts, i_user, i_real, i_course, i_ctrl, i_part = (
            self.i_ts,
            self.i_user,
            self.i_real,
            self.i_course,
            self.i_ctrl,
            self.i_part,
        )
        course_daily, student_daily, student_hourly = (
            self.rollups.course_daily,
            self.rollups.student_daily,
            self.rollups.student_hourly,
        )
        for row in rows:
            course, user = row[i_course], row[i_user]
            # CONTRACT §7.10: a page view has a user, a course and no masquerading real user.
            if course is None or user is None or row[i_real] is not None or row[i_ts] is None:
                continue
            ts = row[i_ts]
            part = sign if row[i_part] else 0
            day = day_of(ts)
            for acc, key in (
                (course_daily, (course, day, page_view_category(row[i_ctrl]))),
                (student_daily, (course, user, day)),
                (student_hourly, (course, user, hour_of(ts))),
            ):
                cell = acc.get(key)
                if cell is None:
                    acc[key] = [sign, part]
                else:
                    cell[0] += sign
                    cell[1] += part

    async def finish(self) -> None:
        await self.rollups.flush(self.conn, self.dv)


class _RollupDeltas:
    """Rollup increments (or decrements) accumulated in memory and added to the tables in bulk."""

    def __init__(self) -> None:
        self.course_daily: dict[tuple[Any, ...], list[int]] = {}
        self.student_daily: dict[tuple[Any, ...], list[int]] = {}
        self.student_hourly: dict[tuple[Any, ...], list[int]] = {}
        self.negative = False

    @property
    def size(self) -> int:
        return len(self.course_daily) + len(self.student_daily) + len(self.student_hourly)

    async def flush(self, conn: AsyncConnection, dv: DialectValues) -> None:
        for table, keys, acc in (
            ("page_view_course_daily", ("course_id", "day", "category"), self.course_daily),
            ("page_view_student_daily", ("course_id", "user_id", "day"), self.student_daily),
            ("page_view_student_hourly", ("course_id", "user_id", "hour"), self.student_hourly),
        ):
            if not acc:
                continue
            if any(v[0] < 0 for v in acc.values()):
                self.negative = True
            sql = (
                f"INSERT INTO {table} ({', '.join(keys)}, views, participations) "
                f"VALUES ({dv.placeholders(len(keys) + 2)}) "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                f"views = {table}.views + excluded.views, "
                f"participations = {table}.participations + excluded.participations"
            )
            await conn.exec_driver_sql(sql, [(*k, v[0], v[1]) for k, v in acc.items()])
            acc.clear()
            if self.negative:
                await conn.exec_driver_sql(f"DELETE FROM {table} WHERE views <= 0 AND participations <= 0")
