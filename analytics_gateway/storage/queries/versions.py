"""The data version: how many committed table imports have changed something (``import_log``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ScalarSelect, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics_gateway.storage.point_reads import read_inline
from analytics_gateway.storage.tables import import_log, import_scope

__all__ = ["data_version_subquery", "get_data_version", "read_data_version", "scope_changed_between"]


def data_version_subquery() -> ScalarSelect[int]:
    """The data version as a scalar subquery, to read it within another statement (same snapshot)."""
    return select(func.coalesce(func.max(import_log.c.id), 0)).scalar_subquery()


async def get_data_version(*, conn: AsyncConnection) -> int:
    """The id of the newest committed import that changed rows (0 before the first)."""
    return int(await conn.scalar(select(data_version_subquery())) or 0)


async def read_data_version(engine: AsyncEngine) -> int:
    """:func:`get_data_version` on a connection of its own (SQLite: inline, see ``point_reads.py``)."""
    rows = read_inline(engine, _DATA_VERSION)
    if rows is not None:
        return int(rows[0][0] or 0)
    async with engine.connect() as conn:
        return int(await conn.scalar(_DATA_VERSION) or 0)


_DATA_VERSION = select(data_version_subquery())  # built once (point_reads.read_inline)


async def scope_changed_between(
    *, conn: AsyncConnection, after: int, up_to: int, courses: Collection[int], accounts: Collection[int]
) -> bool:
    """Whether an import with ``after < id <= up_to`` touched one of these courses or accounts, or all."""
    s = import_scope
    touched = [s.c.kind == "all"]
    if courses:
        touched.append(and_(s.c.kind == "course", s.c.scope_id.in_(sorted(courses))))
    if accounts:
        touched.append(and_(s.c.kind == "account", s.c.scope_id.in_(sorted(accounts))))
    query = select(s.c.import_id).where(s.c.import_id > after, s.c.import_id <= up_to, or_(*touched)).limit(1)
    return (await conn.execute(query)).first() is not None
