"""The data version: how many committed table imports have changed something (``import_log``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ScalarSelect, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.tables import import_log, import_scope

__all__ = ["data_version_subquery", "get_data_version", "scope_changed_between"]


def data_version_subquery() -> ScalarSelect[int]:
    """The data version as a scalar subquery, to read it within another statement (same snapshot)."""
    return select(func.coalesce(func.max(import_log.c.id), 0)).scalar_subquery()


async def get_data_version(*, conn: AsyncConnection) -> int:
    """The id of the newest committed import that changed rows (0 before the first)."""
    return int(await conn.scalar(select(data_version_subquery())) or 0)


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
