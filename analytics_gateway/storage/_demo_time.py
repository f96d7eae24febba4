"""Time helpers of the demo generator: the institution's fixed calendar and fast ISO-8601 formatting.

Times are plain integers (seconds since the Unix epoch, UTC) while the institution is generated; they become
text only when a record is written. ``datetime.strftime`` costs about a microsecond per call, far too much for
millions of records, so a timestamp is assembled from two pre-formatted tables (the day and the time of day).

Only the standard library is imported: the web_logs workers import this module in fresh processes.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "ANCHOR",
    "ANCHOR_S",
    "DAY",
    "EXPORT_TS",
    "HOUR",
    "TOD",
    "day_prefix",
    "epoch",
    "iso",
]

# "Today" of the demo institution: everything happened before it, nothing depends on the wall clock.
ANCHOR = datetime(2026, 12, 1)
DAY = 86_400
HOUR = 3_600

# `meta.ts` of every exported record: the moment the (fictitious) DAP snapshot was taken.
EXPORT_TS = "2026-12-01T06:00:00.000Z"

# "HH:MM:SS" for every second of a day, indexed by the second.
TOD: list[str] = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

_day_cache: dict[int, str] = {}


def epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Seconds since the Unix epoch of a UTC wall-clock time."""
    return int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp())


ANCHOR_S = epoch(ANCHOR.year, ANCHOR.month, ANCHOR.day)


def day_prefix(day_number: int) -> str:
    """``YYYY-MM-DDT`` of a day counted from the Unix epoch."""
    text = _day_cache.get(day_number)
    if text is None:
        text = _day_cache[day_number] = datetime.fromtimestamp(day_number * DAY, UTC).strftime("%Y-%m-%dT")
    return text


# Day prefixes of 2015..2034, the range every demo timestamp falls in (looked up, not formatted, per call).
_FIRST_DAY = epoch(2015, 1, 1) // DAY
_DAYS = [day_prefix(d) for d in range(_FIRST_DAY, epoch(2035, 1, 1) // DAY)]


def iso(seconds: int) -> str:
    """RFC 3339 UTC text (``YYYY-MM-DDTHH:MM:SSZ``) of an epoch second."""
    return _DAYS[seconds // DAY - _FIRST_DAY] + TOD[seconds % DAY] + "Z"
