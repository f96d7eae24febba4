"""Scalars: every time is UTC ``YYYY-MM-DDTHH:MM:SSZ`` (CONTRACT §3.11), as on the REST routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry

__all__ = ["SCALAR_OVERRIDES", "UtcDateTime"]


def _serialize(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def _parse(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 time")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo is not None else parsed


UtcDateTime = strawberry.scalar(
    name="DateTime",
    description="A time in UTC, ISO 8601 with second precision and a `Z`: `2026-03-01T10:30:00Z`.",
    serialize=_serialize,
    parse_value=_parse,
)

SCALAR_OVERRIDES: dict[object, Any] = {datetime: UtcDateTime}
