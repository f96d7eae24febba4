"""The data version: how many committed table imports have changed something (``import_log``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.tables import import_log

__all__ = ["get_data_version"]


async def get_data_version(*, conn: AsyncConnection) -> int:
    """The id of the newest committed import that changed rows (0 before the first)."""
    return int(await conn.scalar(select(func.coalesce(func.max(import_log.c.id), 0))) or 0)
