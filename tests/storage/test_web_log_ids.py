"""The id index of web_logs (storage/_weblog_ids.py), parallel parsing and SQLite's bulk mode.

web_logs rows are appended under a ``seq`` and their ids registered by 64-bit hash; a different id with
the same hash goes to an overflow table. Real collisions are too rare to meet by chance, so these tests
replace the hash with one that collides all the time and check that every id is still stored exactly once,
counted once in the rollups, found by deletes and skipped when delivered again.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage import _weblog_ids, importer, integrity
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.importer import ImportFailedError, import_paths
from analytics_gateway.storage.integrity import table_digests, web_log_id_problems
from analytics_gateway.storage.tables import web_logs
from tests.storage._exports import (
    Record,
    clear_database,
    delete,
    snapshot,
    table_rows,
    upsert,
    write_export,
)
from tests.storage.test_rollups import (
    T1,
    T2,
    T3,
    mismatches,
    reference_rollups,
    stored_rollups,
    web_log,
)


def _weak_hash(web_log_id: str) -> int:
    """A hash with three values: nearly every id collides with another."""
    return len(web_log_id) % 3 - 1


@pytest.fixture
def colliding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module that hashes ids uses the weak hash; runs of two rows, batches of two records."""
    monkeypatch.setattr(_weblog_ids, "id_hash", _weak_hash)
    monkeypatch.setattr(_weblog_ids, "id_hashes", lambda ids: [_weak_hash(i) for i in ids])
    monkeypatch.setattr(importer, "id_hash", _weak_hash)
    monkeypatch.setattr(importer, "id_hashes", lambda ids: [_weak_hash(i) for i in ids])
    monkeypatch.setattr(integrity, "id_hash", _weak_hash)
    monkeypatch.setattr(importer, "ID_RUN_ROWS", 2)
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)


async def _ids(engine: AsyncEngine) -> list[str]:
    return [row["id"] for row in await table_rows(engine, web_logs)]


async def _problems(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return await web_log_id_problems(conn)


async def _check(engine: AsyncEngine, ids: list[str]) -> None:
    assert await _ids(engine) == sorted(ids)
    assert await _problems(engine) == []
    assert mismatches(await stored_rollups(engine), await reference_rollups(engine)) == {}


def _view(key: str, hour: int, user: int = 10, *, ts: str = T1) -> Record:
    return web_log(key, f"2025-03-01T{hour:02d}:00:00Z", user, 100, "assignments", hour % 2 == 0, ts=ts)


async def test_ids_sharing_a_hash_are_each_stored_counted_and_found_once(
    engine: AsyncEngine, tmp_path: Path, colliding: None
) -> None:
    # Ids of 1, 2 and 3 characters (mod 3): three hashes for eleven ids.
    first = tmp_path / "first"
    write_export(first, "web_logs", [_view("a", 1), _view("bb", 2), _view("c", 3), _view("a", 1)], part=0)
    write_export(first, "web_logs", [_view("ddd", 4), _view("e", 5), _view("bb", 2)], "tsv", part=1)
    write_export(first, "web_logs", [_view("ffff", 6, 11), _view("g", 7, 11), _view("hh", 8)], "csv", part=2)
    await import_paths(engine, [first])
    await _check(engine, ["a", "bb", "c", "ddd", "e", "ffff", "g", "hh"])
    async with engine.connect() as conn:
        spilled = (await conn.exec_driver_sql("SELECT count(*) FROM web_log_id_overflow")).scalar_one()
    assert spilled == 5  # three ids hold the three hashes

    second = tmp_path / "second"
    write_export(
        second,
        "web_logs",
        [
            _view("c", 3, ts=T2),  # in the overflow table: skipped
            _view("a", 1, ts=T2),  # holds its hash: skipped
            _view("iii", 9, 12, ts=T2),  # new, its hash taken
            delete("e", T2),  # an overflow entry
            delete("a", T2),  # a hash holder: its hash is free again
            _view("jj", 10, 12, ts=T2),
            _view("e", 5),  # older than its delete: stays deleted
        ],
    )
    [summary] = await import_paths(engine, [second])
    assert (summary.upserted, summary.deleted) == (2, 2)
    await _check(engine, ["bb", "c", "ddd", "ffff", "g", "hh", "iii", "jj"])

    before = await snapshot(engine)
    await import_paths(engine, [first])  # everything again: nothing changes
    await import_paths(engine, [second])
    assert await snapshot(engine) == before

    third = tmp_path / "third"  # a hash freed by a delete is taken by a new id; "c" stays found
    write_export(third, "web_logs", [_view("k", 11, ts=T3), _view("c", 3, ts=T3), delete("c", T3)])
    await import_paths(engine, [third])
    await _check(engine, ["bb", "ddd", "ffff", "g", "hh", "iii", "jj", "k"])


async def test_redelivered_runs_are_removed_again_and_later_runs_look_ids_up_first(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "ID_RUN_ROWS", 3)
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    old = [_view(f"old-{i}", i % 24) for i in range(12)]
    write_export(tmp_path / "a", "web_logs", old)
    await import_paths(engine, [tmp_path / "a"])
    # Known ids first (appended, found out, removed; then looked up before appending), new ids after.
    new = [_view(f"new-{i}", i % 24, 11) for i in range(7)]
    write_export(tmp_path / "b", "web_logs", [*old, *new, *old[:4]])
    [summary] = await import_paths(engine, [tmp_path / "b"])
    assert summary.upserted == 7
    await _check(engine, [f"old-{i}" for i in range(12)] + [f"new-{i}" for i in range(7)])


def test_the_migration_hashes_ids_as_the_importer_does() -> None:
    from importlib import import_module

    migration = import_module("analytics_gateway.storage.migrations.versions.0005_web_log_ids")
    for web_log_id in ("3cbc3288-64e8-4ea1-a9a8-89dd33977771", "x", "ümlaut", ""):
        assert migration._hash(web_log_id) == _weblog_ids.id_hash(web_log_id)
    digest = hashlib.blake2b(b"x", digest_size=8).digest()
    assert _weblog_ids.id_hash("x") == int.from_bytes(digest, "big", signed=True)


async def test_migration_keys_existing_web_logs_and_registers_their_ids(
    database_url: str, tmp_path: Path
) -> None:
    eng = create_engine(database_url)
    try:
        await migrate(eng, "0004")
        async with eng.begin() as conn:  # the revision-0004 table: id is the primary key
            await conn.exec_driver_sql(
                'INSERT INTO web_logs (id, user_id, course_id, "timestamp", participated, meta_ts) '
                "VALUES ('w2', 10, 100, '2025-03-01 10:00:00', true, '2025-03-01 00:00:00'), "
                "('w1', 11, 100, '2025-03-01 11:00:00', false, '2025-03-01 00:00:00')"
            )
        await migrate(eng)
        async with eng.connect() as conn:
            rows = list(await conn.exec_driver_sql("SELECT seq, id, user_id FROM web_logs ORDER BY seq"))
            assert [tuple(r) for r in rows] == [(1, "w1", 11), (2, "w2", 10)]  # numbered in id order
            assert await web_log_id_problems(conn) == []
        view = {"timestamp": "2025-03-01T12:00:00Z", "user_id": 12, "course_id": 100}
        write_export(tmp_path, "web_logs", [upsert("w1", T2, view), upsert("w3", T2, view)])
        [summary] = await import_paths(eng, [tmp_path])
        assert summary.upserted == 1  # w1 is known through the migrated index
        async with eng.connect() as conn:
            assert await web_log_id_problems(conn) == []
    finally:
        await eng.dispose()


def _big_exports(root: Path) -> None:
    """web_logs and submissions in several part files each (forced through parser processes)."""
    for part in range(3):
        views = [_view(f"p{part}-{i}", i % 24, 10 + i % 5) for i in range(40)]
        views += [_view(f"p{(part + 1) % 3}-{i}", i % 24, 10 + i % 5) for i in range(5)]  # other parts'
        write_export(root, "web_logs", views, "tsv" if part else "jsonl", gzip=part == 2, part=part)
        subs = [
            upsert(part * 100 + i, T1, {"assignment_id": 7, "user_id": i, "score": float(i)})
            for i in range(30)
        ]
        write_export(root, "submissions", subs, part=part)


async def test_several_parser_processes_give_the_same_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _big_exports(tmp_path / "export")
    states: list[dict[str, Any]] = []
    for parallel_bytes, processes in ((1 << 40, 1), (0, 3)):
        monkeypatch.setattr(importer, "PARALLEL_PARSE_BYTES", parallel_bytes)
        monkeypatch.setattr(importer, "parser_processes", lambda files, n=processes: min(files, n))
        monkeypatch.setattr(importer, "BATCH_SIZE", 7)
        eng = create_engine(database_url)
        try:
            await migrate(eng)
            await import_paths(eng, [tmp_path / "export"])
            async with eng.connect() as conn:
                assert await web_log_id_problems(conn) == []
                states.append(await table_digests(conn))
            assert len(await _ids(eng)) == 120
            assert mismatches(await stored_rollups(eng), await reference_rollups(eng)) == {}
            await clear_database(eng)
        finally:
            await eng.dispose()
    assert states[0] == states[1]


async def test_a_bad_line_in_one_parser_process_fails_the_table(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "PARALLEL_PARSE_BYTES", 0)
    monkeypatch.setattr(importer, "parser_processes", lambda files: min(files, 3))
    _big_exports(tmp_path)
    bad = tmp_path / "web_logs" / "part-9.json"
    bad.write_text('{"meta": {"ts": "2025-03-01T00:00:00Z"}, "key": {"id": "z"}, "value": {}}\n{oops\n')
    with pytest.raises(ImportFailedError) as info:
        await import_paths(engine, [tmp_path])
    assert info.value.table == "web_logs"
    assert f"{bad}:2" in str(info.value)
    assert await _ids(engine) == []  # submissions committed before; web_logs left as it was


async def _journal_mode(url: str) -> str:
    eng = create_engine(url)
    try:
        async with eng.connect() as conn:
            return str((await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one())
    finally:
        await eng.dispose()


async def test_sqlite_imports_in_bulk_mode_only_when_nobody_else_has_the_database_open(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("journal modes are SQLite's")
    seen: list[bool] = []
    enter = importer._enter_bulk_mode

    async def spy(conn: Any) -> bool:
        seen.append(await enter(conn))
        return seen[-1]

    monkeypatch.setattr(importer, "_enter_bulk_mode", spy)
    eng = create_engine(database_url)
    await migrate(eng)
    await eng.dispose()
    write_export(tmp_path / "a", "web_logs", [_view("a1", 1), _view("a2", 2)])
    write_export(tmp_path / "b", "web_logs", [_view("b1", 3)])

    eng = create_engine(database_url)
    try:
        await import_paths(eng, [tmp_path / "a"])  # the only connection: rollback journal
        assert seen == [True]
        other = create_engine(database_url)
        try:
            async with other.connect() as reader:  # another connection open: WAL, readers welcome
                await reader.exec_driver_sql("SELECT count(*) FROM web_logs")
                await asyncio.wait_for(import_paths(eng, [tmp_path / "b"]), timeout=10)
                assert seen == [True, False]
                rows = (await reader.exec_driver_sql("SELECT count(*) FROM web_logs")).scalar_one()
                assert rows == 3
        finally:
            await other.dispose()
        assert await _ids(eng) == ["a1", "a2", "b1"]
    finally:
        await eng.dispose()
    assert await _journal_mode(database_url) == "wal"  # back to WAL after a bulk import
