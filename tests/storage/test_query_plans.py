"""Query plans: the hot queries reach their indexes, on SQLite and PostgreSQL.

A query that misses its index still returns the right rows, so no result test notices; at scale it scans
the whole table (S1's participations scanned 20 million ``web_logs`` rows, 1.9 s a request, until the query
used the partial index's own condition). These tests capture the SQL a query function sends and ask the
database for its plan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics_gateway.storage.queries.coursework import get_participations
from tests._sql import recorded_statements


async def _plan(engine: AsyncEngine, run: Callable[[AsyncConnection], Awaitable[Any]]) -> str:
    """The plan of the one statement ``run`` sends (sequential scans discouraged on PostgreSQL, whose
    planner rightly prefers them on tables this small)."""
    async with engine.connect() as conn:
        with recorded_statements(engine) as sent:
            await run(conn)
        assert len(sent) == 1, sent
        statement, parameters = sent[0]
        if engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in rows)
        await conn.exec_driver_sql("SET enable_seqscan = off")
        rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in rows)


async def test_participations_use_the_partial_index(engine: AsyncEngine) -> None:
    plan = await _plan(engine, lambda conn: get_participations(conn=conn, course_id=10, user_ids=[1, 2]))
    assert "ix_web_logs_participations" in plan, plan
