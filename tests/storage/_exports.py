"""Write Canvas Data 2 (DAP) export files for tests, in any format the importer reads.

The layout follows canvas-data-2-import.md §1.2:

* JSONL: one ``{"meta": {"ts", "action"}, "key": {"id"}, "value": {...}}`` object per line; a ``D``
  record has no ``value``; ``None`` values are written as explicit ``null``, missing ones are omitted.
* CSV: a ``meta.ts,meta.action,key.id,value.<col>,...`` header; NULL is the unquoted literal ``NULL``, a
  string is quoted when it is empty, equals ``NULL`` or holds a comma, quote or line break (``""`` escapes a
  quote); the value columns of a ``D`` record are left empty (unquoted), as in the documented example.
* TSV: PostgreSQL ``COPY`` text: ``\\N`` is NULL, backslash escapes for ``\\b \\f \\n \\r \\t \\v \\\\``.

In CSV and TSV, nested objects and arrays are JSON text (DAP's *condensed* mode); columns named in
``expand`` are instead spread over ``value.<col>.<sub>`` columns (DAP's *expanded* mode, the CLI default).
A snapshot (every record's ``action`` None) has no ``meta.action`` column.

The reading helpers at the end give whole-database snapshots for comparing the results of imports.
"""

from __future__ import annotations

import gzip as gzip_module
import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.tables import metadata

__all__ = [
    "ExportFormat",
    "Record",
    "clear_database",
    "delete",
    "export_text",
    "raw_snapshot",
    "snapshot",
    "table_rows",
    "upsert",
    "write_export",
]

ExportFormat = Literal["jsonl", "csv", "tsv"]


class Record(TypedDict, total=False):
    """One DAP record: ``meta.ts``, ``meta.action`` (None: no action, as in snapshots), ``key.id``, value."""

    ts: str | None
    action: Literal["U", "D"] | None
    key: int | str
    value: dict[str, Any]


def upsert(key: int | str, ts: str, value: dict[str, Any], *, action: Literal["U"] | None = "U") -> Record:
    """A ``U`` record (``action=None``: a snapshot record without ``meta.action``)."""
    return {"ts": ts, "action": action, "key": key, "value": value}


def delete(key: int | str, ts: str) -> Record:
    """A ``D`` record: only the key, no value."""
    return {"ts": ts, "action": "D", "key": key}


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _header(records: Sequence[Record], expand: Collection[str]) -> tuple[bool, list[tuple[str, str | None]]]:
    """Whether there is a ``meta.action`` column, and the value columns as (column, sub-field or None)."""
    has_action = any(r.get("action") is not None for r in records)
    columns: list[tuple[str, str | None]] = []
    seen: set[tuple[str, str | None]] = set()
    for rec in records:
        for col, val in rec.get("value", {}).items():
            if col in expand:
                subs: list[str | None] = list(val) if isinstance(val, dict) else []
            else:
                subs = [None]
            for sub in subs:
                if (col, sub) not in seen:
                    seen.add((col, sub))
                    columns.append((col, sub))
    return has_action, columns


def _cell(rec: Record, col: str, sub: str | None) -> tuple[bool, Any]:
    """(present, value) of one value column of a record."""
    value = rec.get("value")
    if value is None or col not in value:
        return False, None
    val = value[col]
    if sub is None:
        return True, val
    if not isinstance(val, dict) or sub not in val:
        return False, None
    return True, val[sub]


def _scalar_text(val: Any, fmt: ExportFormat) -> str:
    if isinstance(val, bool):
        if fmt == "tsv":
            return "t" if val else "f"  # PostgreSQL's own boolean output
        return "true" if val else "false"
    if isinstance(val, int | float):
        return repr(val)
    if isinstance(val, dict | list):
        return _json_text(val)
    return str(val)


def _csv_field(val: Any, *, is_string: bool) -> str:
    if val is None:
        return "NULL"
    text = _scalar_text(val, "csv")
    if (is_string or isinstance(val, dict | list)) and (
        text == "" or text == "NULL" or any(c in text for c in ',"\r\n')
    ):
        return '"' + text.replace('"', '""') + '"'
    return text


_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def _tsv_field(val: Any) -> str:
    if val is None:
        return "\\N"
    return "".join(_TSV_ESCAPES.get(c, c) for c in _scalar_text(val, "tsv"))


def export_text(
    records: Sequence[Record], fmt: ExportFormat = "jsonl", *, expand: Collection[str] = ()
) -> str:
    """The text of one export file holding ``records``."""
    if fmt == "jsonl":
        lines = []
        for rec in records:
            meta: dict[str, Any] = {}
            if rec.get("ts") is not None:
                meta["ts"] = rec["ts"]
            if rec.get("action") is not None:
                meta["action"] = rec["action"]
            obj: dict[str, Any] = {"meta": meta, "key": {"id": rec["key"]}}
            if "value" in rec:
                obj["value"] = rec["value"]
            lines.append(_json_text(obj) + "\n")
        return "".join(lines)
    has_action, columns = _header(records, expand)
    names = ["meta.ts", *(["meta.action"] if has_action else []), "key.id"]
    names += [f"value.{col}" if sub is None else f"value.{col}.{sub}" for col, sub in columns]
    sep = "," if fmt == "csv" else "\t"
    out = [sep.join(names) + "\n"]
    for rec in records:
        is_delete = rec.get("action") == "D"
        fields: list[str] = []
        meta_values: list[Any] = [rec.get("ts"), *([rec.get("action")] if has_action else []), rec["key"]]
        for val in meta_values:
            fields.append(_csv_field(val, is_string=True) if fmt == "csv" else _tsv_field(val))
        for col, sub in columns:
            _, val = _cell(rec, col, sub)
            if fmt == "csv":
                fields.append("" if is_delete else _csv_field(val, is_string=isinstance(val, str)))
            else:
                fields.append(_tsv_field(val))
        out.append(sep.join(fields) + "\n")
    return "".join(out)


def write_export(
    directory: Path,
    table: str,
    records: Sequence[Record],
    fmt: ExportFormat = "jsonl",
    gzip: bool = False,
    part: int = 0,
    *,
    name: str | None = None,
    expand: Collection[str] = (),
) -> Path:
    """Write ``directory/table/<name>`` (default ``part-NNNNN.<fmt>[.gz]``) and return its path.

    ``name`` may be misleading on purpose (a CSV called ``part-0.json``): the importer must detect the
    format from the content.
    """
    folder = directory / table
    folder.mkdir(parents=True, exist_ok=True)
    ext = {"jsonl": "json", "csv": "csv", "tsv": "tsv"}[fmt]
    path = folder / (name or f"part-{part:05d}.{ext}{'.gz' if gzip else ''}")
    data = export_text(records, fmt, expand=expand).encode()
    path.write_bytes(gzip_module.compress(data, mtime=0) if gzip else data)
    return path


# --- Reading the database back ----------------------------------------------------------------------------


def _rows_query(table: Table) -> Select[Any]:
    """All rows of ``table`` in key order; ``web_logs`` by its DAP ``id``, without its storage ``seq``."""
    if "seq" in table.c and "id" in table.c:
        return select(*(c for c in table.c if c.name != "seq")).order_by(table.c.id)
    return select(table).order_by(*table.primary_key.columns)


async def table_rows(engine: AsyncEngine, table: Table) -> list[dict[str, Any]]:
    """Every row of ``table`` as typed values (SQLAlchemy's result processing), in key order."""
    async with engine.connect() as conn:
        result = await conn.execute(_rows_query(table))
        return [dict(row._mapping) for row in result]


# Bookkeeping, not data: every committed table import appends a row (the data version moves).
_NOT_DATA = frozenset({"import_log", "import_scope"})


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every data table of the schema (DAP tables, rollups, tombstones, ...) as typed rows in key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in _NOT_DATA:
                continue
            result = await conn.execute(_rows_query(table))
            out[table.name] = [tuple(row) for row in result]
    return out


async def raw_snapshot(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """Like :func:`snapshot`, but the driver's own values of ``SELECT *`` (SQLite: the stored text)."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in _NOT_DATA:
                continue
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            result = await conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {order}")
            out[table.name] = [dict(row._mapping) for row in result]
    return out


async def clear_database(engine: AsyncEngine) -> None:
    """Empty every table of the schema."""
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())
