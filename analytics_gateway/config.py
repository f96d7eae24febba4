"""Server settings, from the command line and the environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from analytics_gateway.storage.engine import resolve_database_url

__all__ = ["REST_DIALECTS", "RestDialect", "Settings"]

RestDialect = Literal["documented", "canvas"]
REST_DIALECTS: tuple[RestDialect, ...] = get_args(RestDialect)


@dataclass(frozen=True)
class Settings:
    """What one server process needs to know; immutable once the app is built."""

    database_url: str
    rest_dialect: RestDialect = "documented"  # CONTRACT §4: the default JSON dialect of the REST routes
    host: str = "127.0.0.1"
    port: int = 8000

    def __post_init__(self) -> None:
        # Literal types are not checked at run time, and a typo here would only show on the first request.
        if self.rest_dialect not in REST_DIALECTS:
            raise ValueError(
                f"rest_dialect must be one of {', '.join(REST_DIALECTS)}, not {self.rest_dialect!r}"
            )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535, not {self.port}")

    @classmethod
    def from_env(
        cls,
        *,
        database_url: str | None = None,
        rest_dialect: RestDialect | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> Settings:
        """Settings from the given overrides; the database URL falls back to ``ANALYTICS_DATABASE_URL``."""
        defaults = cls(database_url=resolve_database_url(database_url))
        return cls(
            database_url=defaults.database_url,
            rest_dialect=rest_dialect or defaults.rest_dialect,
            host=host or defaults.host,
            port=port if port is not None else defaults.port,
        )
