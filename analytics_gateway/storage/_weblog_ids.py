"""The id index of ``web_logs``: 64-bit id hashes in ``web_log_ids``, collisions in ``web_log_id_overflow``.

``web_logs`` rows are appended under a ``seq`` and their text ``id`` is not indexed (see ``tables.py``).
Each row is registered once: under the hash of its id in ``web_log_ids`` (``id_hash`` → ``seq``), or,
when a different id already holds that hash, by its id in ``web_log_id_overflow``. Finding the row of an
id: the row the hash points at, if its stored id is that id, else the overflow entry. With 64-bit hashes
a collision is rare (about one in 10^5 imports of 20 million rows), but it is handled, never assumed away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import blake2b
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks

__all__ = ["id_hash", "id_hashes", "rows_of_ids"]


def id_hash(web_log_id: str) -> int:
    """The signed 64-bit hash of a web_logs id (fits SQLite's INTEGER and PostgreSQL's BIGINT)."""
    return int.from_bytes(blake2b(web_log_id.encode(), digest_size=8).digest(), "big", signed=True)


def id_hashes(ids: Iterable[str]) -> list[int]:
    """:func:`id_hash` of each id, in order (the parser's per-row work: names bound locally)."""
    from_bytes, hasher = int.from_bytes, blake2b
    return [from_bytes(hasher(i.encode(), digest_size=8).digest(), "big", signed=True) for i in ids]


async def rows_of_ids(
    conn: AsyncConnection, ids: Sequence[str], columns: str, *, overflow: bool = True
) -> list[tuple[Any, ...]]:
    """``(seq, *columns)`` of the stored web_logs rows with these ids (``columns``: a select list).

    ``overflow=False`` skips the overflow table (the caller knows it is empty).
    """
    sqlite = conn.dialect.name == "sqlite"
    wanted = set(ids)
    found: list[tuple[Any, ...]] = []
    for part in chunks(sorted(wanted), 5000):
        hashes = id_hashes(part)
        if sqlite:
            marks = ", ".join("?" * len(hashes))
            result = await conn.exec_driver_sql(
                f"SELECT w.seq, {columns} FROM web_log_ids i JOIN web_logs w ON w.seq = i.seq "
                f"WHERE i.id_hash IN ({marks})",
                tuple(hashes),
            )
        else:
            result = await conn.exec_driver_sql(
                f"SELECT w.seq, {columns} FROM web_log_ids i JOIN web_logs w ON w.seq = i.seq "
                "WHERE i.id_hash = ANY($1::bigint[])",
                (hashes,),
            )
        rows = [tuple(r) for r in result]
        if overflow:
            if sqlite:
                result = await conn.exec_driver_sql(
                    f"SELECT w.seq, {columns} FROM web_log_id_overflow o JOIN web_logs w ON w.seq = o.seq "
                    f"WHERE o.id IN ({', '.join('?' * len(part))})",
                    tuple(part),
                )
            else:
                result = await conn.exec_driver_sql(
                    f"SELECT w.seq, {columns} FROM web_log_id_overflow o JOIN web_logs w ON w.seq = o.seq "
                    "WHERE o.id = ANY($1::text[])",
                    (list(part),),
                )
            rows.extend(tuple(r) for r in result)
        found.extend(rows)
    return found
