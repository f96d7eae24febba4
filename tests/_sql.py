"""Recording the SQL a piece of code sends, for statement-count and query-plan tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.point_reads import inline_engine

__all__ = ["Statement", "recorded_statements"]


class Statement(NamedTuple):
    """One statement as the driver received it."""

    sql: str
    parameters: Any


@contextmanager
def recorded_statements(engine: AsyncEngine) -> Iterator[list[Statement]]:
    """Every statement sent through ``engine`` inside the block, in order."""
    seen: list[Statement] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        seen.append(Statement(sql, parameters))

    # SQLite's point reads run on a second, inline engine (storage/point_reads.py): they count too.
    inline = inline_engine(engine)
    targets = [engine.sync_engine] if inline is None else [engine.sync_engine, inline]
    for target in targets:
        event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for target in targets:
            event.remove(target, "before_cursor_execute", record)
