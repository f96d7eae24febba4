"""One response, one state of the data, while imports commit underneath (issue 6, item 7).

A response reads several tables in several statements, often on several connections at once (each
dataloader batch opens its own), and the importer commits table by table. Without care one response could
mix rows from before and after a commit: page views of the old ``web_logs`` with totals of the new.

The guarantee: **every response is computed entirely from one committed state of the database.** It is
optimistic and costs one statement per request:

* The data version (``import_log``'s highest id, written in the same transaction as the rows it
  describes) is read before the first data read: by the token lookup itself
  (:func:`~analytics_gateway.resolvers.auth.authenticate`), so it is free for authenticated requests.
* After the response is computed, the version is read again (the one extra statement; an index lookup of
  ``max(id)`` on a table with one row per imported table).
* If it moved, an import committed while the response was computed: the response is thrown away and
  computed again (with fresh dataloaders) after a short pause, up to :data:`MAX_ATTEMPTS` times; if
  imports keep committing through every attempt, the request fails with :class:`DataChanging` (503 with
  ``Retry-After``, on both faces) rather than answer with a mix.

Why this is sound: each statement reads one committed snapshot (PostgreSQL READ COMMITTED and SQLite WAL
outside explicit transactions both take the snapshot at statement start), every commit that changes
rows raises the version, and the version is raised in commit order (the importer takes a lock on
``import_log`` before writing its row, so ids are handed out in commit order on PostgreSQL too). If the
version read before the first data statement equals the one read after the last, no commit happened in
between, so every statement saw the same state.

Granularity: "old or new" is per committed table import. The CLI imports a folder table by table, one
transaction each (CONTRACT §2), so during a run a response may see the run's earlier tables imported and
its later ones not yet: the same states a run interrupted there leaves. Within a table (``web_logs`` and
the page-view rollups kept from it, ``courses`` and the account rollup) it is all or nothing. Making a
whole run one transaction would make it atomic for readers too, but on SQLite it would hold the single
write lock for the whole run (tokens and progress records could not be written meanwhile), and a failure
would roll back every table of the run, which the contract does not want.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.errors import AnalyticsError
from analytics_gateway.storage.queries.versions import read_data_version

__all__ = ["MAX_ATTEMPTS", "DataChanging", "consistent", "read_data_version"]

T = TypeVar("T")

MAX_ATTEMPTS = 8
# An import run commits its small tables in quick succession (a few per second at the medium scale):
# waiting a little longer before each new attempt (0.05 s, doubling, at most 1 s; 3.6 s in all) lets a
# burst of commits pass instead of losing every attempt to it. Big tables leave long quiet spans.
RETRY_PAUSE_SECONDS = 0.05
MAX_RETRY_PAUSE_SECONDS = 1.0


class DataChanging(AnalyticsError):
    """Imports committed during every attempt to compute the response (503: retry later)."""


async def consistent(
    engine: AsyncEngine,
    compute: Callable[[int], Awaitable[T]],
    *,
    start_version: int | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> T:
    """``compute(version)``'s result, computed again until no import committed while it ran.

    ``start_version`` is the data version read before ``compute`` may read anything (the token lookup's);
    None reads it here. ``compute`` receives the version its attempt reads at (for caches keyed by it:
    ``AnalyticsContext.data_version``); when it returns, that is the version of everything it read. It
    must be safe to run again: it reads, or writes only what a new attempt supersedes. An exception
    counts as a result: raised when the data did not change under it, computed again when it did (a mix
    of states may well be what caused it).
    """
    version = await read_data_version(engine) if start_version is None else start_version
    for attempt in range(max_attempts):
        if attempt:
            await asyncio.sleep(min(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1), MAX_RETRY_PAUSE_SECONDS))
        try:
            result = await compute(version)
        except Exception:
            try:
                now = await read_data_version(engine)
            except Exception:  # the database itself failed: report the original error
                now = version
            if now == version:
                raise
            version = now
            continue
        now = await read_data_version(engine)
        if now == version:
            return result
        version = now
    raise DataChanging(f"imports committed during each of {max_attempts} attempts")
