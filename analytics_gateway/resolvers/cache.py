"""A per-process cache of analytics results, never stale after an import commits.

An entry is one analytic's result for one set of parameters and one *visibility* (which students the
caller may see: two callers who see the same students share it). It remembers:

* its **stamp**: the data version (``import_log``'s highest id) read before it was computed;
* its **scope**: the courses and accounts it was computed from;
* its **expiry**: the next instant its result changes by the clock alone (a due date passing turns an
  unsubmitted assignment into a missing one), or none.

A request knows the data version it reads at (the token lookup reads it, resolvers/consistency.py). An
entry is fresh for a request at version ``R`` when no import committed after its stamp and up to ``R``
touched its scope (``import_scope``, written by the importer in the import's own transaction; an import
of a table without courses, such as ``users`` or ``accounts``, counts as touching everything). When the
stamp equals ``R`` that needs no statement at all; otherwise one indexed query answers it and the entry is
restamped, so the next request at ``R`` is free again. A request at a version older than the stamp cannot
judge the entry and computes its own result.

Each process has its own cache (with ``serve --workers N``, N of them): every check goes to the
database, so a process never serves what another process's import made stale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.policy import CourseAccess
from analytics_gateway.storage.queries.versions import scope_changed_between

__all__ = ["DEFAULT_MAX_ENTRIES", "CacheStats", "ResultCache", "Scope", "cached", "visibility_key"]

T = TypeVar("T")

DEFAULT_MAX_ENTRIES = 2_000


@dataclass(frozen=True, slots=True)
class Scope:
    """What a result was computed from: courses (their rows) and accounts (the courses placed in them)."""

    courses: frozenset[int] = frozenset()
    accounts: frozenset[int] = frozenset()

    @classmethod
    def of(cls, *, courses: Collection[int] = (), accounts: Collection[int] = ()) -> Scope:
        """A scope from any collections of ids."""
        return cls(frozenset(courses), frozenset(accounts))


@dataclass(slots=True)
class _Entry:
    value: Any
    stamp: int
    scope: Scope
    expires_at: datetime | None


@dataclass(slots=True)
class CacheStats:
    """Counters of one cache, for ``/metrics`` and the benchmarks."""

    hits: int = 0
    misses: int = 0
    stale: int = 0  # entries found but made stale by an import or the clock
    checks: int = 0  # freshness queries sent to the database


class ResultCache:
    """A bounded LRU of analytics results (see the module docstring for when an entry is fresh)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self.stats = CacheStats()
        # One event loop per process touches it, and never across an await: no lock needed.
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    async def get(
        self,
        ctx: AnalyticsContext,
        key: Hashable,
        scope: Scope | Callable[[T], Scope],
        compute: Callable[[], Awaitable[tuple[T, datetime | None]]],
    ) -> T:
        """The cached result for ``key`` if still fresh for this request, else ``compute()``'s, kept.

        ``compute`` returns the result and the instant it expires by the clock alone (None: never);
        ``scope`` may be a function of the result when only the result tells what it was computed from.
        Without a request data version (``ctx.data_version`` None) nothing is cached. Exceptions are not.
        """
        version = ctx.data_version
        if version is None:
            value, _ = await compute()
            return value
        entry = self._entries.get(key)
        if entry is not None and await self._fresh(ctx, entry, version):
            self._entries.move_to_end(key)
            self.stats.hits += 1
            result: T = entry.value
            return result
        if entry is not None:
            self.stats.stale += 1
        self.stats.misses += 1
        value, expires_at = await compute()
        if entry is None or entry.stamp <= version:
            self._store(
                key, _Entry(value, version, scope if isinstance(scope, Scope) else scope(value), expires_at)
            )
        return value

    async def _fresh(self, ctx: AnalyticsContext, entry: _Entry, version: int) -> bool:
        if entry.expires_at is not None and ctx.now >= entry.expires_at:
            return False
        if entry.stamp == version:
            return True
        if entry.stamp > version:  # computed from newer data than this request reads at
            return False
        self.stats.checks += 1
        async with ctx.engine.connect() as conn:
            changed = await scope_changed_between(
                conn=conn,
                after=entry.stamp,
                up_to=version,
                courses=entry.scope.courses,
                accounts=entry.scope.accounts,
            )
        if changed:
            return False
        entry.stamp = version  # nothing in between touched it: it is the result at `version` too
        return True

    def _store(self, key: Hashable, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


async def cached(
    ctx: AnalyticsContext,
    key: Hashable,
    scope: Scope | Callable[[T], Scope],
    compute: Callable[[], Awaitable[tuple[T, datetime | None]]],
) -> T:
    """:meth:`ResultCache.get` on the request's cache, or just ``compute()`` when caching is off."""
    if ctx.cache is None:
        value, _ = await compute()
        return value
    return await ctx.cache.get(ctx, key, scope, compute)


def visibility_key(access: CourseAccess) -> Hashable:
    """Which of the course's students the caller sees, as a cache-key part (behaviour §3.1).

    Callers with equal keys see the same students, so they may share a result computed for one of them.
    """
    if access.level == "restricted":
        return ("restricted", access.user_id, tuple(sorted(access.observed_user_ids)))
    if access.section_ids is not None:
        return ("sections", tuple(sorted(access.section_ids)))
    return ("all",)
