"""PostgreSQL pool sizing from the environment (README "Scaling"); no connection is opened."""

from __future__ import annotations

import pytest
from sqlalchemy.pool import QueuePool

from analytics_gateway.storage.engine import DatabaseUrlError, create_engine

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def test_pool_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANALYTICS_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("ANALYTICS_DB_MAX_OVERFLOW", raising=False)
    engine = create_engine(PG_URL)
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (5, 10)
    await engine.dispose()

    monkeypatch.setenv("ANALYTICS_DB_POOL_SIZE", "20")
    monkeypatch.setenv("ANALYTICS_DB_MAX_OVERFLOW", "0")
    engine = create_engine(PG_URL)
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (20, 0)
    await engine.dispose()


@pytest.mark.parametrize("value", ["-1", "five", "２"])
def test_bad_pool_sizes_are_clear_errors(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ANALYTICS_DB_POOL_SIZE", value)
    with pytest.raises(DatabaseUrlError, match="ANALYTICS_DB_POOL_SIZE must be a whole number"):
        create_engine(PG_URL)
