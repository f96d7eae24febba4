"""Who is asking, and what one request of analytics runs against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from analytics_gateway.resolvers.cache import ResultCache

__all__ = ["AnalyticsContext", "Viewer", "utcnow"]


def utcnow() -> datetime:
    """The current time as a naive UTC datetime, as every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Viewer:
    """The caller: a user authenticated by a token, or nobody (``user_id`` None)."""

    user_id: int | None


@dataclass
class AnalyticsContext:
    """One request's analytics: the database, the caller and a fixed "now" (naive UTC).

    "Now" is taken once so that every status in one response is judged at the same instant
    (behaviour §3.5 compares due dates with the current time).
    """

    engine: AsyncEngine
    viewer: Viewer
    now: datetime = field(default_factory=utcnow)
    # The data version the request reads at (resolvers/consistency.py) and the process's result cache;
    # results are cached only when both are known (resolvers/cache.py).
    data_version: int | None = None
    cache: ResultCache | None = None
