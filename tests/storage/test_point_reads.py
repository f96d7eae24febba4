"""Inline point reads (storage/point_reads.py): the same answers as the async engine, and never a wait."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.auth import TokenProblem, authenticate
from analytics_gateway.storage.engine import create_engine, is_sqlite, migrate
from analytics_gateway.storage.importer import import_paths
from analytics_gateway.storage.point_reads import inline_engine, read_inline
from analytics_gateway.storage.queries.versions import read_data_version
from analytics_gateway.storage.tables import access_tokens
from analytics_gateway.storage.tokens import create_token, find_token_and_data_version, revoke_token
from tests.storage._exports import upsert, write_export


async def test_only_sqlite_files_read_inline(engine: AsyncEngine) -> None:
    assert (inline_engine(engine) is not None) == is_sqlite(engine)
    memory = create_engine("sqlite://")
    try:
        assert inline_engine(memory) is None  # a second connection would open another database
        assert read_inline(memory, select(1)) is None
    finally:
        await memory.dispose()


async def test_inline_reads_see_each_commit_at_once(engine: AsyncEngine, tmp_path: Path) -> None:
    # The token lookup and the data version, read right after commits made through the async engine.
    assert await read_data_version(engine) == 0
    stored, token = await create_token(engine, user_id=7)
    found, version = await find_token_and_data_version(engine, token)
    assert found is not None
    assert (found.id, found.user_id, version) == (stored.id, 7, 0)
    write_export(tmp_path / "a", "accounts", [upsert(1, "2026-01-01T00:00:00Z", {"name": "Root"})])
    await import_paths(engine, [tmp_path / "a"])
    assert await read_data_version(engine) == 1
    assert (await find_token_and_data_version(engine, token))[1] == 1
    await revoke_token(engine, token)
    assert (await authenticate(engine, token)).problem is TokenProblem.REVOKED  # revocation is immediate
    assert (await find_token_and_data_version(engine, "ag~nosuchtoken"))[0] is None


async def test_inline_reads_are_read_only(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await migrate(engine)
        # A write handed to the inline engine is refused (query_only) and left to the caller's engine.
        assert read_inline(engine, access_tokens.delete()) is None
    finally:
        await engine.dispose()


async def test_a_locked_database_falls_back_without_blocking_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    try:
        await migrate(engine)
        _, token = await create_token(engine, user_id=3)
        await engine.dispose()  # the pool's connections keep WAL mode; closed, another may leave it
        # What a bulk import does: a rollback journal and an exclusive lock until it commits.
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA journal_mode=TRUNCATE")
        holder.execute("BEGIN EXCLUSIVE")
        try:
            assert read_inline(engine, select(access_tokens.c.id)) is None  # at once, no wait
            lookup = asyncio.create_task(find_token_and_data_version(engine, token))
            await asyncio.sleep(0.3)
            # The loop went on meanwhile (this line runs); the lookup waits on the async engine's thread.
            assert not lookup.done()
        finally:
            holder.execute("COMMIT")
            holder.execute("PRAGMA journal_mode=WAL")
            holder.close()
        found, _ = await asyncio.wait_for(lookup, timeout=10)
        assert found is not None
        assert found.user_id == 3
        assert read_inline(engine, select(access_tokens.c.user_id)) == [(3,)]  # inline again once free
    finally:
        await engine.dispose()
