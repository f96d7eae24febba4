"""Readers for Canvas Data 2 export files: JSONL, CSV and TSV, plain or gzip, detected from content.

Every reader yields :data:`RawRecord` tuples ``(line, ts, action, key, values)``: the 1-based line the
record starts on, ``meta.ts`` (string or None), ``meta.action`` (``"U"`` when absent), the raw ``key.id``
and a dict of raw value columns. JSONL values keep their JSON types; CSV and TSV values are strings,
with NULL as None (canvas-data-2-import.md §1.2). Converting values to column types is the importer's job.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import orjson

__all__ = [
    "BAD_RECORD",
    "FileFormat",
    "ImportFormatError",
    "RawRecord",
    "RecordFile",
    "detect_format",
    "tsv_field",
]

# values: a dict (JSONL, or CSV/TSV with nested columns) or the record's field list (see _Header.positions).
# A line that cannot be read as a record comes as action BAD_RECORD with the reason as its values, so that
# the importer can report it or (with --skip-bad-rows) skip it and read on.
RawRecord = tuple[int, Any, str, Any, Any]
BAD_RECORD = "!"

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


class FileFormat:
    """Names of the supported formats."""

    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"
    EMPTY = "empty"


class ImportFormatError(Exception):
    """A file or one of its lines cannot be read; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


def detect_format(path: Path) -> str:
    """The file's format, decided from its first bytes (after gzip decompression if gzipped)."""
    with path.open("rb") as raw:
        try:
            if raw.read(2) == GZIP_MAGIC:
                raw.seek(0)
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    head = unzipped.read(64 * 1024)
            else:
                raw.seek(0)
                head = raw.read(64 * 1024)
        except (OSError, EOFError) as exc:
            raise ImportFormatError(path, None, f"cannot read file: {exc}") from exc
    if head.startswith(PARQUET_MAGIC):
        return FileFormat.PARQUET
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return FileFormat.EMPTY
    if stripped.startswith(b"{"):
        return FileFormat.JSONL
    first_line = stripped.split(b"\n", 1)[0]
    if first_line.startswith((b"meta.", b"key.", b'"meta.', b'"key.')):
        if b"\t" in first_line:
            return FileFormat.TSV
        if b"," in first_line:
            return FileFormat.CSV
    raise ImportFormatError(
        path,
        1,
        "not a Canvas Data 2 export: expected JSONL records or a CSV/TSV header starting with meta. or key.",
    )


class RecordFile:
    """One export file: iterate it for its records; ``bytes_read`` tracks progress through the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw: IO[bytes] | None = None
        self._done = False
        # Set once a CSV/TSV header is read: column → field position, or None for dict values.
        self.positions: dict[str, int] | None = None
        # True when positional values are a TSV line's undecoded fields (see tsv_field).
        self.raw_tsv = False

    @property
    def bytes_read(self) -> int:
        """Bytes of the (possibly compressed) file consumed so far."""
        if self._done:
            return self.size
        raw = self._raw
        if raw is None or raw.closed:
            return 0
        return raw.tell()

    def __iter__(self) -> Iterator[RawRecord]:
        path = self.path
        fmt = detect_format(path)
        if fmt == FileFormat.EMPTY:
            self._done = True
            return
        if fmt == FileFormat.PARQUET:
            yield from _read_parquet(path)
            self._done = True
            return
        raw = path.open("rb")
        self._raw = raw
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb") if raw.read(2) == GZIP_MAGIC else raw)
        raw.seek(0)
        with raw, stream:
            try:
                if fmt == FileFormat.JSONL:
                    yield from _read_jsonl(path, stream)
                else:
                    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
                    if fmt == FileFormat.CSV:
                        yield from _read_csv(path, text, self)
                    else:
                        yield from _read_tsv(path, text, self)
            except (OSError, EOFError) as exc:  # truncated gzip, unreadable file
                raise ImportFormatError(path, None, f"cannot read file: {exc}") from exc
            except UnicodeDecodeError as exc:
                raise ImportFormatError(path, None, f"not UTF-8 text: {exc}") from exc
        self._done = True


# --- JSONL ------------------------------------------------------------------------------------------------


def _read_jsonl(path: Path, stream: IO[bytes]) -> Iterator[RawRecord]:
    loads = orjson.loads
    for lineno, line in enumerate(stream, 1):
        if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]  # a UTF-8 byte-order mark (orjson refuses it)
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            yield lineno, None, BAD_RECORD, None, f"invalid JSON: {exc}"
            continue
        if not isinstance(obj, dict):
            yield lineno, None, BAD_RECORD, None, "expected a JSON object with meta, key and value"
            continue
        meta = obj.get("meta") or {}
        key = obj.get("key")
        if not isinstance(meta, dict) or not isinstance(key, dict) or "id" not in key:
            yield lineno, None, BAD_RECORD, None, 'record has no "key" object with an "id"'
            continue
        value = obj.get("value")
        if value is None:
            value = {}
        elif not isinstance(value, dict):
            yield lineno, None, BAD_RECORD, None, '"value" must be an object'
            continue
        yield lineno, meta.get("ts"), meta.get("action") or "U", key["id"], value


# --- CSV / TSV --------------------------------------------------------------------------------------------


class _Header:
    """Maps header names (``meta.ts``, ``key.id``, ``value.col``, ``value.col.sub``) to positions."""

    def __init__(self, path: Path, names: list[str]) -> None:
        self.ts = self.action = self.key = -1
        self.flat: list[tuple[int, str]] = []
        self.nested: list[tuple[int, str, str]] = []
        for pos, name in enumerate(names):
            if name == "meta.ts":
                self.ts = pos
            elif name == "meta.action":
                self.action = pos
            elif name == "key.id":
                self.key = pos
            elif name.startswith("value."):
                col = name[6:]
                if "." in col:
                    top, sub = col.split(".", 1)
                    self.nested.append((pos, top, sub))
                else:
                    self.flat.append((pos, col))
        if self.key < 0:
            raise ImportFormatError(path, 1, "header has no key.id column")
        self.width = len(names)
        # Without nested columns a record's values are its field list, read by position (no dict per row).
        self.positions: dict[str, int] | None = None if self.nested else {col: pos for pos, col in self.flat}

    def record_tsv(self, lineno: int, fields: list[str]) -> RawRecord:
        """:meth:`record` of a TSV line's undecoded fields (flat columns only)."""
        if len(fields) != self.width:
            return lineno, None, BAD_RECORD, None, f"expected {self.width} fields, found {len(fields)}"
        ts = tsv_field(fields[self.ts]) if self.ts >= 0 else None
        action = (tsv_field(fields[self.action]) if self.action >= 0 else None) or "U"
        return lineno, ts, action, tsv_field(fields[self.key]), fields

    def record(self, path: Path, lineno: int, fields: list[Any]) -> RawRecord:
        if len(fields) != self.width:
            return lineno, None, BAD_RECORD, None, f"expected {self.width} fields, found {len(fields)}"
        ts = fields[self.ts] if self.ts >= 0 else None
        action = (fields[self.action] if self.action >= 0 else None) or "U"
        if self.positions is not None:
            return lineno, ts, action, fields[self.key], fields
        values = {col: fields[pos] for pos, col in self.flat}
        for pos, top, sub in self.nested:
            if fields[pos] is None:
                continue
            target = values.get(top)
            if not isinstance(target, dict):
                target = values[top] = {}
            target[sub] = _json_scalar(fields[pos])
        return lineno, ts, action, fields[self.key], values


def _json_scalar(text: str) -> Any:
    """An expanded nested field (``value.settings.x``) as the JSON scalar it was before flattening."""
    low = text.lower()
    if low in ("true", "t"):
        return True
    if low in ("false", "f"):
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


# One CSV field: quoted ("" escapes a quote; may hold separators and newlines) or unquoted.
_CSV_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,"\r\n]*)')


def _csv_fields(path: Path, lineno: int, record: str) -> list[str | None]:
    """Split one CSV record. Unquoted empty or ``NULL`` → None; quoted text (even ``""``) is a string."""
    if '"' not in record:
        return [None if f == "" or f == "NULL" else f for f in record.split(",")]
    fields: list[str | None] = []
    pos, end = 0, len(record)
    while True:
        m = _CSV_FIELD.match(record, pos)
        if m is None:  # pragma: no cover - the pattern always matches (possibly empty)
            raise ImportFormatError(path, lineno, "malformed CSV field")
        quoted, plain = m.group(1), m.group(2)
        if quoted is not None:
            fields.append(quoted.replace('""', '"'))
        else:
            fields.append(None if plain == "" or plain == "NULL" else plain)
        pos = m.end()
        if pos == end:
            return fields
        if record[pos] != ",":
            raise ImportFormatError(path, lineno, f"malformed CSV: unexpected character at column {pos + 1}")
        pos += 1


def _csv_physical_records(path: Path, text: IO[str]) -> Iterator[tuple[int, str]]:
    """Join physical lines into records (a quoted field may span lines); strip the line ending."""
    lineno = 0
    pending: list[str] = []
    start = 0
    for line in text:
        lineno += 1
        if not pending:
            start = lineno
        pending.append(line)
        joined = "".join(pending) if len(pending) > 1 else line
        if joined.count('"') % 2:
            continue  # inside a quoted field
        pending = []
        record = joined.rstrip("\r\n") if joined.endswith("\n") else joined
        if record:
            yield start, record
    if pending:
        raise ImportFormatError(path, start, "unterminated quoted field")


def _read_csv(path: Path, text: IO[str], owner: RecordFile) -> Iterator[RawRecord]:
    records = _csv_physical_records(path, text)
    first = next(records, None)
    if first is None:
        return
    header = _Header(path, [f or "" for f in _csv_fields(path, first[0], first[1])])
    owner.positions = header.positions
    for lineno, rec in records:
        try:
            fields = _csv_fields(path, lineno, rec)
        except ImportFormatError as exc:
            yield lineno, None, BAD_RECORD, None, exc.message
            continue
        yield header.record(path, lineno, fields)


_TSV_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_TSV_ESCAPE = re.compile(r"\\(.)")


def _tsv_unescape(field: str) -> str:
    return _TSV_ESCAPE.sub(lambda m: _TSV_ESCAPES.get(m.group(1), m.group(1)), field)


def tsv_field(field: str) -> str | None:
    """The value of one field of a TSV line as split: ``\\N`` is NULL, backslash escapes are undone."""
    return None if field == "\\N" else (field if "\\" not in field else _tsv_unescape(field))


def _read_tsv(path: Path, text: IO[str], owner: RecordFile) -> Iterator[RawRecord]:
    header: _Header | None = None
    raw = False
    for lineno, line in enumerate(text, 1):
        line = line.rstrip("\r\n")
        if not line:
            continue
        if raw:
            # The value fields stay as split: the importer's row converter reads NULLs and escapes itself
            # (one pass per row instead of two). Only the meta and key fields are decoded here.
            fields: list[Any] = line.split("\t")
            yield header.record_tsv(lineno, fields)  # type: ignore[union-attr]
            continue
        fields = [tsv_field(f) for f in line.split("\t")]
        if header is None:
            header = _Header(path, [f or "" for f in fields])
            owner.positions = header.positions
            raw = owner.raw_tsv = header.positions is not None
            continue
        yield header.record(path, lineno, fields)


# --- Parquet (optional extra) -------------------------------------------------------------------------------


def _read_parquet(path: Path) -> Iterator[RawRecord]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise ImportFormatError(
            path, None, "Parquet files need the optional extra: pip install 'analytics-gateway[parquet]'"
        ) from exc
    row = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        for item in batch.to_pylist():
            row += 1
            flat = _flatten_parquet_row(item)
            yield (
                row,
                flat.get("meta.ts"),
                flat.get("meta.action") or "U",
                flat.get("key.id"),
                {k[6:]: v for k, v in flat.items() if k.startswith("value.")},
            )


def _flatten_parquet_row(item: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in item.items():
        if name in ("meta", "key", "value") and isinstance(value, dict):
            for sub, inner in value.items():
                flat[f"{name}.{sub}"] = inner
        else:
            flat[name] = value
    return flat
