"""Server settings, from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

from analytics_gateway.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HIGH_WATER,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_OUTFLOW,
)
from analytics_gateway.storage.engine import resolve_database_url

__all__ = [
    "BODY_TIMEOUT_ENV",
    "CACHE_ENTRIES_ENV",
    "DEFAULT_CACHE_ENTRIES",
    "IDLE_TIMEOUT_ENV",
    "MAX_BODY_BYTES_ENV",
    "RATE_LIMIT_HIGH_WATER_ENV",
    "RATE_LIMIT_OUTFLOW_ENV",
    "REST_DIALECTS",
    "RestDialect",
    "Settings",
]

CACHE_ENTRIES_ENV = "ANALYTICS_CACHE_ENTRIES"
RATE_LIMIT_HIGH_WATER_ENV = "ANALYTICS_RATE_LIMIT_HIGH_WATER"
RATE_LIMIT_OUTFLOW_ENV = "ANALYTICS_RATE_LIMIT_OUTFLOW"
MAX_BODY_BYTES_ENV = "ANALYTICS_MAX_BODY_BYTES"
IDLE_TIMEOUT_ENV = "ANALYTICS_IDLE_TIMEOUT"
BODY_TIMEOUT_ENV = "ANALYTICS_BODY_TIMEOUT"
DEFAULT_CACHE_ENTRIES = 2_000

RestDialect = Literal["documented", "canvas"]
REST_DIALECTS: tuple[RestDialect, ...] = get_args(RestDialect)


@dataclass(frozen=True)
class Settings:
    """What one server process needs to know; immutable once the app is built."""

    database_url: str
    rest_dialect: RestDialect = "documented"  # CONTRACT §4: the default JSON dialect of the REST routes
    host: str = "127.0.0.1"
    port: int = 8000
    cache_entries: int = DEFAULT_CACHE_ENTRIES  # results kept per process; 0 turns the cache off
    # Canvas's request throttling (analytics_gateway.limits); either at 0 turns it off.
    rate_limit_high_water: float = DEFAULT_HIGH_WATER
    rate_limit_outflow: float = DEFAULT_OUTFLOW  # units (seconds of cost) leaked per second
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S  # for a request's headers, and between requests
    body_timeout: float = DEFAULT_BODY_TIMEOUT_S  # for a request's whole body

    def __post_init__(self) -> None:
        # Literal types are not checked at run time, and a typo here would only show on the first request.
        if self.rest_dialect not in REST_DIALECTS:
            raise ValueError(
                f"rest_dialect must be one of {', '.join(REST_DIALECTS)}, not {self.rest_dialect!r}"
            )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535, not {self.port}")
        if self.cache_entries < 0:
            raise ValueError(f"cache_entries must be 0 (off) or more, not {self.cache_entries}")
        for name in ("rate_limit_high_water", "rate_limit_outflow"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must be 0 (off) or more, not {getattr(self, name)}")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be 1 or more, not {self.max_body_bytes}")
        for name in ("idle_timeout", "body_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be more than 0 seconds, not {getattr(self, name)}")

    @property
    def rate_limited(self) -> bool:
        """True when requests are throttled (both rate-limit settings above 0)."""
        return self.rate_limit_high_water > 0 and self.rate_limit_outflow > 0

    @classmethod
    def from_env(
        cls,
        *,
        database_url: str | None = None,
        rest_dialect: RestDialect | None = None,
        host: str | None = None,
        port: int | None = None,
        cache_entries: int | None = None,
        rate_limit_high_water: float | None = None,
        rate_limit_outflow: float | None = None,
        max_body_bytes: int | None = None,
        idle_timeout: float | None = None,
        body_timeout: float | None = None,
    ) -> Settings:
        """Settings from the given overrides; the database URL falls back to ``ANALYTICS_DATABASE_URL``,
        the cache size to ``ANALYTICS_CACHE_ENTRIES``, the limits to ``ANALYTICS_RATE_LIMIT_HIGH_WATER``,
        ``ANALYTICS_RATE_LIMIT_OUTFLOW``, ``ANALYTICS_MAX_BODY_BYTES``, ``ANALYTICS_IDLE_TIMEOUT`` and
        ``ANALYTICS_BODY_TIMEOUT``."""
        defaults = cls(database_url=resolve_database_url(database_url))
        return cls(
            database_url=defaults.database_url,
            rest_dialect=rest_dialect or defaults.rest_dialect,
            host=host or defaults.host,
            port=port if port is not None else defaults.port,
            cache_entries=_given(cache_entries, CACHE_ENTRIES_ENV, int, defaults.cache_entries),
            rate_limit_high_water=_given(
                rate_limit_high_water, RATE_LIMIT_HIGH_WATER_ENV, float, defaults.rate_limit_high_water
            ),
            rate_limit_outflow=_given(
                rate_limit_outflow, RATE_LIMIT_OUTFLOW_ENV, float, defaults.rate_limit_outflow
            ),
            max_body_bytes=_given(max_body_bytes, MAX_BODY_BYTES_ENV, int, defaults.max_body_bytes),
            idle_timeout=_given(idle_timeout, IDLE_TIMEOUT_ENV, float, defaults.idle_timeout),
            body_timeout=_given(body_timeout, BODY_TIMEOUT_ENV, float, defaults.body_timeout),
        )


_N = TypeVar("_N", int, float)


def _given(value: _N | None, env: str, kind: type[_N], default: _N) -> _N:
    """The value given on the command line, else the environment variable's, else the default."""
    if value is not None:
        return value
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{env} must be {what}, not {raw!r}") from None
