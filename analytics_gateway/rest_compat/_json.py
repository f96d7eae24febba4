"""Value formats shared by the dialect serializers (behaviour §2.3, CONTRACT §3.11)."""

from __future__ import annotations

from datetime import date, datetime

__all__ = ["iso_date", "iso_hour", "iso_time", "truthy"]

_TRUE = frozenset({"true", "t", "1", "yes", "y", "on"})


def iso_time(value: datetime | None) -> str | None:
    """A naive-UTC time as Canvas renders it: ``YYYY-MM-DDTHH:MM:SSZ`` (second precision), or None."""
    if value is None:
        return None
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def iso_date(value: date) -> str:
    """A UTC calendar day: ``YYYY-MM-DD``."""
    return value.isoformat()


def iso_hour(value: datetime) -> str:
    """A UTC hour bucket as the API documentation writes it (S1): ``YYYY-MM-DDTHH:00:00-00:00``."""
    return value.replace(minute=0, second=0, microsecond=0, tzinfo=None).isoformat() + "-00:00"


def truthy(value: str | None) -> bool:
    """Canvas's reading of a boolean parameter (``value_to_boolean``): true, 1, yes, on, ..."""
    return value is not None and value.strip().lower() in _TRUE
