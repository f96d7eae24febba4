"""Progress records of background jobs (C2 ``async=true``), kept in the database for every process."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.tables import progress

__all__ = [
    "ProgressRow",
    "create_progress",
    "delete_progress",
    "find_progress",
    "get_progress",
    "update_progress",
]

_MAX_PROGRESS_ID = 2**31 - 1  # `progress.id` is a 32-bit INTEGER


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One ``progress`` row."""

    id: int
    context_id: int
    context_type: str
    user_id: int | None
    tag: str
    cache_key: str | None
    completion: float | None
    workflow_state: str
    message: str | None
    results: str | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = [progress.c[f.name] for f in fields(ProgressRow)]


async def get_progress(*, conn: AsyncConnection, progress_id: int) -> ProgressRow | None:
    """A progress record by id."""
    if not 0 < progress_id <= _MAX_PROGRESS_ID:  # PostgreSQL refuses an out-of-range INTEGER parameter
        return None
    row = (await conn.execute(select(*_COLUMNS).where(progress.c.id == progress_id))).first()
    return None if row is None else ProgressRow(*row)


async def find_progress(*, conn: AsyncConnection, cache_key: str) -> ProgressRow | None:
    """The newest progress record of a job key."""
    query = select(*_COLUMNS).where(progress.c.cache_key == cache_key).order_by(progress.c.id.desc())
    row = (await conn.execute(query.limit(1))).first()
    return None if row is None else ProgressRow(*row)


async def create_progress(
    *, conn: AsyncConnection, context_id: int, context_type: str, tag: str, cache_key: str, now: datetime
) -> ProgressRow:
    """A new ``queued`` record (the caller commits)."""
    row = ProgressRow(
        id=0,
        context_id=context_id,
        context_type=context_type,
        user_id=None,
        tag=tag,
        cache_key=cache_key,
        completion=0.0,
        workflow_state="queued",
        message=None,
        results=None,
        created_at=now,
        updated_at=now,
    )
    values = {f.name: getattr(row, f.name) for f in fields(row) if f.name != "id"}
    new_id = (await conn.execute(insert(progress).values(**values).returning(progress.c.id))).scalar_one()
    return replace(row, id=int(new_id))


async def update_progress(
    *,
    conn: AsyncConnection,
    progress_id: int,
    workflow_state: str,
    completion: float | None,
    now: datetime,
    message: str | None = None,
    results: str | None = None,
) -> None:
    """Move a record to a new state (the caller commits)."""
    await conn.execute(
        update(progress)
        .where(progress.c.id == progress_id)
        .values(
            workflow_state=workflow_state,
            completion=completion,
            message=message,
            results=results,
            updated_at=now,
        )
    )


async def delete_progress(*, conn: AsyncConnection, cache_key_prefix: str, keep: int | None = None) -> None:
    """Remove the records of a job whose key starts with ``cache_key_prefix`` (but ``keep``)."""
    query = delete(progress).where(progress.c.cache_key.startswith(cache_key_prefix, autoescape=True))
    if keep is not None:
        query = query.where(progress.c.id != keep)
    await conn.execute(query)
