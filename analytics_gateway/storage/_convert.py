"""Value conversion from exported values (typed JSON or CSV/TSV text) to what each backend's driver takes.

SQLite stores timestamps as SQLAlchemy's text form ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) and dates as
``YYYY-MM-DD``; asyncpg wants ``datetime``/``date`` objects. Converting once, here, lets the importer hand
rows straight to the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import orjson

from analytics_gateway.storage._formats import tsv_field
from analytics_gateway.storage.tables import ColumnKind

__all__ = ["Converter", "DialectValues", "RowConverter", "compile_row_converter", "dialect_values"]

Converter = Callable[[Any], Any]

_TRUE = frozenset({"true", "t", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "off"})


def _int(v: Any) -> int | None:
    if v is None:
        return None
    cls = v.__class__
    if cls is int:
        return v  # type: ignore[no-any-return]
    if cls is str:
        try:
            return int(v)
        except ValueError:
            try:
                f = float(v)
            except ValueError:
                raise ValueError(f"expected an integer, got {v!r}") from None
            if f.is_integer():
                return int(f)
    elif cls is float and v.is_integer():
        return int(v)
    raise ValueError(f"expected an integer, got {v!r}")


def _float(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValueError(f"expected a number, got {v!r}")
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            raise ValueError(f"expected a number, got {v!r}") from None
    raise ValueError(f"expected a number, got {v!r}")


_BOOL_TEXT = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _bool(v: Any) -> bool | None:
    if v is None or v.__class__ is bool:
        return v
    if v.__class__ is str:
        hit = _BOOL_TEXT.get(v)
        if hit is not None:
            return hit
        low = v.strip().lower()
        if low in _BOOL_TEXT:
            return _BOOL_TEXT[low]
        if low == "":
            return None
    elif isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise ValueError(f"expected a boolean, got {v!r}")


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return orjson.dumps(v).decode()


def _json(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v  # CSV/TSV carry JSON-encoded (or comma-separated) text: kept as given
    return orjson.dumps(v).decode()


def parse_timestamp(v: Any) -> datetime | None:
    """An ISO-8601 timestamp as naive UTC; naive input is taken as UTC (DAP timestamps are UTC)."""
    if v is None:
        return None
    if isinstance(v, datetime):
        dt = v
    elif isinstance(v, str):
        if v == "":
            return None
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected an ISO-8601 timestamp, got {v!r}") from None
    else:
        raise ValueError(f"expected an ISO-8601 timestamp, got {v!r}")
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def _parse_date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, date) and not isinstance(v, datetime):
        return v
    if isinstance(v, str):
        if v == "":
            return None
        try:
            return date.fromisoformat(v[:10]) if len(v) > 10 and v[10] in "T " else date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected a date, got {v!r}") from None
    raise ValueError(f"expected a date, got {v!r}")


_fromisoformat = datetime.fromisoformat
_FRACTION_PAD = ("000000", "00000", "0000", "000", "00", "0", "")


def _sqlite_timestamp(v: Any) -> str | None:
    # Fast path for DAP's usual `YYYY-MM-DDTHH:MM:SS[.f…]Z`: fromisoformat validates, the text is reused.
    if v.__class__ is str and len(v) == 24 and v[23] == "Z" and v[19] == "." and v[10] == "T":
        try:  # milliseconds, by far the most common form: one branch
            _fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected an ISO-8601 timestamp, got {v!r}") from None
        return v[:10] + " " + v[11:23] + "000"
    if v.__class__ is str and v[-1:] == "Z" and len(v) >= 20 and v[10] == "T":
        try:
            datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected an ISO-8601 timestamp, got {v!r}") from None
        n = len(v)
        if n == 20:
            return v[:10] + " " + v[11:19] + ".000000"
        if v[19] == "." and n <= 27:
            return v[:10] + " " + v[11:-1] + _FRACTION_PAD[n - 21]
    dt = parse_timestamp(v)
    return None if dt is None else dt.isoformat(sep=" ", timespec="microseconds")


def _sqlite_date(v: Any) -> str | None:
    d = _parse_date(v)
    return None if d is None else d.isoformat()


class DialectValues:
    """Converters and rollup bucket functions for one backend."""

    def __init__(self, name: str) -> None:
        self.name = name
        sqlite = name == "sqlite"
        self.converters: dict[ColumnKind, Converter] = {
            ColumnKind.INT: _int,
            ColumnKind.FLOAT: _float,
            ColumnKind.BOOL: (lambda v: None if (b := _bool(v)) is None else int(b)) if sqlite else _bool,
            ColumnKind.TIMESTAMP: _sqlite_timestamp if sqlite else parse_timestamp,
            ColumnKind.DATE: _sqlite_date if sqlite else _parse_date,
            ColumnKind.TEXT: _text,
            ColumnKind.JSON: _json,
        }
        # Page-view rollups bucket a stored timestamp by its hour *key* (cheap, per row), then turn each
        # distinct key into the stored hour and day (once per key).
        self.hour_key: Callable[[Any], Any] = (
            itemgetter(slice(0, 13))  # "YYYY-MM-DD HH"
            if sqlite
            else (lambda dt: dt.replace(minute=0, second=0, microsecond=0))
        )
        self.hour_of_key: Callable[[Any], Any] = (
            (lambda k: k + ":00:00.000000") if sqlite else (lambda hour: hour)
        )
        self.day_of_key: Callable[[Any], Any] = (lambda k: k[:10]) if sqlite else (lambda hour: hour.date())
        self.epoch: Any = "1970-01-01 00:00:00.000000" if sqlite else datetime(1970, 1, 1)

    def placeholders(self, count: int, start: int = 1) -> str:
        """Driver-level placeholders for ``count`` parameters."""
        if self.name == "sqlite":
            return ", ".join("?" * count)
        return ", ".join(f"${i}" for i in range(start, start + count))


_CACHE: dict[str, DialectValues] = {}


def dialect_values(name: str) -> DialectValues:
    """The (cached) conversion rules for the backend named ``name``."""
    if name not in _CACHE:
        _CACHE[name] = DialectValues(name)
    return _CACHE[name]


RowConverter = Callable[[Any, Any, Any], tuple[Any, ...]]


def _slow_row(columns: list[tuple[str, Converter]]) -> RowConverter:
    def convert(key: Any, values: dict[str, Any], ts: Any) -> tuple[Any, ...]:
        out = [key]
        for col, conv in columns:
            try:
                out.append(conv(values.get(col)))
            except ValueError as exc:
                raise ValueError(f"column {col}: {exc}") from None
        out.append(ts)
        return tuple(out)

    return convert


def compile_row_converter(
    columns: dict[str, ColumnKind],
    dv: DialectValues,
    positions: dict[str, int] | None = None,
    raw_tsv: bool = False,
) -> RowConverter:
    """A function ``(key, values, ts) -> (key, *converted values, ts)`` for one table and backend.

    ``values`` is a dict of typed JSON values, or, when ``positions`` (column → field index of a CSV/TSV
    header) is given, the record's list of text fields (``raw_tsv``: undecoded TSV fields, ``\\N`` for
    NULL and backslash escapes, see ``_formats.tsv_field``). The function is generated so that the common
    case costs no call per field: typed JSON values pass through, text goes through ``int``/``float``
    directly. Anything unusual (or wrong) falls back to the per-field converters, whose errors name the
    column.
    """
    sqlite = dv.name == "sqlite"
    slow = _slow_row([(c, dv.converters[k]) for c, k in columns.items()])
    env: dict[str, Any] = {f"c{i}": dv.converters[k] for i, k in enumerate(columns.values())}
    env["slow"] = slow
    env["T"] = tsv_field
    null = '== "\\\\N"' if raw_tsv else "is None"
    env["BOOL_TEXT"] = {k: (int(v) if sqlite else v) for k, v in _BOOL_TEXT.items()}
    exprs = []
    for i, (col, kind) in enumerate(columns.items()):
        if positions is not None:
            if col not in positions:
                exprs.append("None")
                continue
            get = f"v[{positions[col]}]"
            if kind is ColumnKind.INT:
                exprs.append(f"(None if (x := {get}) {null} else int(x))")
            elif kind is ColumnKind.FLOAT:
                exprs.append(f"(None if (x := {get}) {null} else float(x))")
            elif kind in (ColumnKind.TEXT, ColumnKind.JSON) and raw_tsv:
                exprs.append(f'(None if (x := {get}) {null} else x if "\\\\" not in x else T(x))')
            elif kind in (ColumnKind.TEXT, ColumnKind.JSON):
                exprs.append(get)
            elif kind is ColumnKind.BOOL:
                exprs.append(f"(None if (x := {get}) {null} else BOOL_TEXT[x])")
            else:
                exprs.append(f"(None if (x := {get}) {null} else c{i}(x))")
            continue
        get = f"g({col!r})"
        if kind is ColumnKind.INT:
            exprs.append(f"(x if (x := {get}).__class__ is int or x is None else c{i}(x))")
        elif kind is ColumnKind.FLOAT:
            exprs.append(f"(x if (x := {get}).__class__ is float or x is None else c{i}(x))")
        elif kind is ColumnKind.TEXT:
            exprs.append(f"(x if (x := {get}).__class__ is str or x is None else c{i}(x))")
        elif kind is ColumnKind.BOOL and sqlite:
            exprs.append(
                f"(1 if (x := {get}) is True else 0 if x is False else None if x is None else c{i}(x))"
            )
        elif kind is ColumnKind.BOOL:
            exprs.append(f"(x if (x := {get}).__class__ is bool or x is None else c{i}(x))")
        else:
            exprs.append(f"(None if (x := {get}) is None else c{i}(x))")
    body = ",\n            ".join(["key", *exprs, "ts"])
    if positions is None:
        fallback = "slow(key, v, ts)"
    else:
        env["positions"] = positions
        value = "T(v[p])" if raw_tsv else "v[p]"
        fallback = f"slow(key, {{c: {value} for c, p in positions.items()}}, ts)"
    source = "def convert(key, v, ts):\n"
    if positions is None:
        source += "    g = v.get\n"
    source += (
        "    try:\n"
        f"        return (\n            {body},\n        )\n"
        "    except (ValueError, KeyError, TypeError):\n"
        f"        return {fallback}\n"
    )
    exec(compile(source, f"<row converter {','.join(columns)[:60]}>", "exec"), env)
    fn: RowConverter = env["convert"]
    return fn
