"""Value conversion from exported values (typed JSON or CSV/TSV text) to what each backend's driver takes.

SQLite stores timestamps as SQLAlchemy's text form ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) and dates as
``YYYY-MM-DD``; asyncpg wants ``datetime``/``date`` objects. Converting once, here, lets the importer hand
rows straight to the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson

from analytics_gateway.storage.tables import ColumnKind

__all__ = ["Converter", "DialectValues", "dialect_values"]

Converter = Callable[[Any], Any]

_TRUE = frozenset({"true", "t", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "off"})


def _int(v: Any) -> int | None:
    if v is None:
        return None
    if type(v) is int:
        return v
    if isinstance(v, bool):
        raise ValueError(f"expected an integer, got {v!r}")
    if isinstance(v, float):
        if v.is_integer():
            return int(v)
        raise ValueError(f"expected an integer, got {v!r}")
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            pass
        try:
            f = float(v)
        except ValueError:
            raise ValueError(f"expected an integer, got {v!r}") from None
        if f.is_integer():
            return int(f)
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


def _bool(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        if v in (0, 1):
            return bool(v)
    elif isinstance(v, str):
        low = v.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        if low == "":
            return None
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


def _sqlite_timestamp(v: Any) -> str | None:
    # Fast path for DAP's usual `YYYY-MM-DDTHH:MM:SS[.fff]Z`: validate with fromisoformat, reuse the text.
    if type(v) is str and len(v) >= 20 and v[-1] == "Z" and v[10] == "T":
        try:
            datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected an ISO-8601 timestamp, got {v!r}") from None
        frac = v[19:-1]
        if not frac:
            return f"{v[:10]} {v[11:19]}.000000"
        if frac[0] == "." and len(frac) <= 7:
            return f"{v[:10]} {v[11:19]}{frac.ljust(7, '0')}"
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
        self.day_of: Callable[[Any], Any] = (lambda s: s[:10]) if sqlite else (lambda dt: dt.date())
        self.hour_of: Callable[[Any], Any] = (
            (lambda s: s[:13] + ":00:00.000000")
            if sqlite
            else (lambda dt: dt.replace(minute=0, second=0, microsecond=0))
        )
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
