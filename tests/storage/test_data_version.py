"""The data version (``import_log``): it moves exactly when an import commits changed rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.importer import ImportFailedError, import_paths
from analytics_gateway.storage.queries.versions import get_data_version
from tests.storage._exports import upsert, write_export


async def _version(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await get_data_version(conn=conn)


async def test_each_committed_table_import_moves_the_version(engine: AsyncEngine, tmp_path: Path) -> None:
    assert await _version(engine) == 0
    write_export(tmp_path / "a", "accounts", [upsert(1, "2026-01-01T00:00:00Z", {"name": "Root"})])
    write_export(tmp_path / "a", "users", [upsert(5, "2026-01-01T00:00:00Z", {"name": "Ann"})])
    await import_paths(engine, [tmp_path / "a"])
    assert await _version(engine) == 2  # two tables changed


async def test_a_failed_import_leaves_the_version(engine: AsyncEngine, tmp_path: Path) -> None:
    write_export(tmp_path / "a", "accounts", [upsert(1, "2026-01-01T00:00:00Z", {"name": "Root"})])
    await import_paths(engine, [tmp_path / "a"])
    before = await _version(engine)
    bad = tmp_path / "bad" / "accounts"
    bad.mkdir(parents=True)
    (bad / "part-0.json").write_text('{"key": {"id": 2}, "value": {"name": "x"}}\nnot json\n')
    with pytest.raises(ImportFailedError):
        await import_paths(engine, [tmp_path / "bad"])
    assert await _version(engine) == before  # rolled back with the rows
