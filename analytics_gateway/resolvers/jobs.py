"""C2's asynchronous mode (behaviour §4 C2 "Async mode") and the Progress records behind it.

``async=true``: if a finished job holds the results for this course, this caller's visibility and the
current data version, they are returned; a queued or running job is returned as its progress; otherwise a
new job starts in this process and its progress is returned. Results are stored in the ``progress`` row
itself, so any server process can answer the re-request and ``GET /api/v1/progress/:id``. The data version
(``import_log``) is part of the job key: after an import commits, earlier results are never served
(CONTRACT §3.12); the superseded records are removed when the next job starts.

A job whose record has not moved for :data:`STALE_AFTER` (its process died) is abandoned and restarted.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from analytics_gateway.resolvers.context import AnalyticsContext, utcnow
from analytics_gateway.resolvers.course import AssignmentStatistics, course_assignments
from analytics_gateway.resolvers.errors import NotFound
from analytics_gateway.resolvers.lookup import parse_numeric_id, resolve_course
from analytics_gateway.resolvers.policy import (
    CourseAccess,
    course_access,
    require_course_analytics,
    require_read_as_admin,
)
from analytics_gateway.resolvers.stats import Quartiles
from analytics_gateway.resolvers.tardiness import TardinessFractions
from analytics_gateway.storage.queries.progress import (
    ProgressRow,
    create_progress,
    delete_progress,
    find_progress,
    get_progress,
    update_progress,
)
from analytics_gateway.storage.queries.versions import get_data_version

__all__ = [
    "COURSE_ASSIGNMENTS_TAG",
    "STALE_AFTER",
    "AsyncOutcome",
    "course_assignments_async",
    "read_progress",
    "shutdown_jobs",
]

logger = logging.getLogger(__name__)

COURSE_ASSIGNMENTS_TAG = "permitted_course_assignments"  # Canvas's tag for this job
STALE_AFTER = timedelta(minutes=10)
_RUNNING: set[asyncio.Task[None]] = set()


@dataclass(frozen=True, slots=True)
class AsyncOutcome:
    """Either the finished results, or the progress record of the job computing them."""

    results: list[AssignmentStatistics] | None
    progress: ProgressRow | None


def _visibility(access: CourseAccess) -> str:
    # Two callers who see the same students share results (behaviour §2.5 keys by visibility too).
    if access.section_ids is not None:
        return "sections:" + ",".join(str(s) for s in sorted(access.section_ids))
    return access.level


def _encode(rows: list[AssignmentStatistics]) -> str:
    def when(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return orjson.dumps(
        [
            {
                "assignment_id": r.assignment_id,
                "title": r.title,
                "points_possible": r.points_possible,
                "due_at": when(r.due_at),
                "unlock_at": when(r.unlock_at),
                "muted": r.muted,
                "non_digital_submission": r.non_digital_submission,
                "scores": [
                    r.scores.first_quartile,
                    r.scores.median,
                    r.scores.third_quartile,
                    r.scores.min_score,
                    r.scores.max_score,
                ],
                "tardiness": dict(r.tardiness),
            }
            for r in rows
        ]
    ).decode()


def _decode(text: str) -> list[AssignmentStatistics]:
    def when(value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)

    items: list[dict[str, Any]] = orjson.loads(text)
    return [
        AssignmentStatistics(
            assignment_id=item["assignment_id"],
            title=item["title"],
            points_possible=item["points_possible"],
            due_at=when(item["due_at"]),
            unlock_at=when(item["unlock_at"]),
            muted=item["muted"],
            non_digital_submission=item["non_digital_submission"],
            scores=Quartiles(*item["scores"]),
            tardiness=TardinessFractions(
                missing=item["tardiness"]["missing"],
                late=item["tardiness"]["late"],
                on_time=item["tardiness"]["on_time"],
                floating=item["tardiness"]["floating"],
                total=item["tardiness"]["total"],
            ),
        )
        for item in items
    ]


async def _run(ctx: AnalyticsContext, access: CourseAccess, progress_id: int) -> None:
    try:
        async with ctx.engine.begin() as conn:
            await update_progress(
                conn=conn, progress_id=progress_id, workflow_state="running", completion=0.0, now=utcnow()
            )
        rows = await course_assignments(ctx, access)
        async with ctx.engine.begin() as conn:
            await update_progress(
                conn=conn,
                progress_id=progress_id,
                workflow_state="completed",
                completion=100.0,
                now=utcnow(),
                results=_encode(rows),
            )
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.exception("course assignments job %s failed", progress_id)
        try:
            async with ctx.engine.begin() as conn:
                await update_progress(
                    conn=conn,
                    progress_id=progress_id,
                    workflow_state="failed",
                    completion=None,
                    now=utcnow(),
                    message=f"the job failed ({type(exc).__name__})",
                )
        except Exception:  # the database itself is gone; the record goes stale and is restarted later
            logger.warning("could not record the failure of job %s", progress_id)


async def course_assignments_async(ctx: AnalyticsContext, access: CourseAccess) -> AsyncOutcome:
    """C2 with ``async=true``: the results when a finished job holds them, else the job's progress."""
    require_read_as_admin(access)
    course_id = access.course.id
    prefix = f"course_assignments:{course_id}:{_visibility(access)}:"
    async with ctx.engine.begin() as conn:
        key = prefix + f"v{await get_data_version(conn=conn)}"
        found = await find_progress(conn=conn, cache_key=key)
        now = utcnow()
        if found is not None:
            if found.workflow_state == "completed" and found.results is not None:
                return AsyncOutcome(_decode(found.results), None)
            if found.workflow_state in ("queued", "running") and now - found.updated_at < STALE_AFTER:
                return AsyncOutcome(None, found)
        # None, failed or abandoned: start over, dropping this job's earlier records.
        await delete_progress(conn=conn, cache_key_prefix=prefix)
        created = await create_progress(
            conn=conn,
            context_id=course_id,
            context_type="Course",
            tag=COURSE_ASSIGNMENTS_TAG,
            cache_key=key,
            now=now,
        )
    task = asyncio.create_task(_run(ctx, access, created.id))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return AsyncOutcome(None, created)


async def read_progress(ctx: AnalyticsContext, progress_ref: str) -> ProgressRow:
    """``GET /api/v1/progress/:id``: readable by whoever may read its course's C2 (404, 401, 403)."""
    # Not str.isdigit(): it accepts "²", which int() refuses, and "١٢" (CONTRACT §5: numeric ids are ASCII).
    progress_id = parse_numeric_id(progress_ref)
    if progress_id is None:
        raise NotFound(f"progress {progress_ref!r}")
    async with ctx.engine.connect() as conn:
        found = await get_progress(conn=conn, progress_id=progress_id)
    if found is None or found.context_type != "Course":
        raise NotFound(f"progress {progress_ref!r}")
    course = await resolve_course(ctx, str(found.context_id))
    access = await course_access(ctx, course)
    require_course_analytics(access)
    require_read_as_admin(access)
    return found


async def shutdown_jobs() -> None:
    """Cancel the jobs still running in this process (server shutdown; their records go stale)."""
    tasks = list(_RUNNING)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
