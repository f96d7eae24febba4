"""``GET /api/v1/progress/:id``: Canvas's Progress API for C2's async mode (behaviour §4 C2)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from analytics_gateway.resolvers.jobs import read_progress, shutdown_jobs
from analytics_gateway.rest_compat._endpoint import RestHandler, RestRequest
from analytics_gateway.rest_compat._json import iso_time
from analytics_gateway.rest_compat._links import base_url

__all__ = ["ROUTES", "stop_jobs_on_shutdown"]


async def show(req: RestRequest) -> Any:
    """A Progress object in Canvas's shape (the same in both dialects; results are never inlined)."""
    found = await read_progress(req.ctx, req.params["id"])
    return {
        "id": found.id,
        "context_id": found.context_id,
        "context_type": found.context_type,
        "user_id": found.user_id,
        "tag": found.tag,
        "completion": found.completion,
        "workflow_state": found.workflow_state,
        "created_at": iso_time(found.created_at),
        "updated_at": iso_time(found.updated_at),
        "message": found.message,
        "url": f"{base_url(req.request)}/api/v1/progress/{found.id}",
    }


def stop_jobs_on_shutdown(app: web.Application) -> None:
    """Cancel this process's background jobs before the database closes."""

    async def stop(_app: web.Application) -> None:
        await shutdown_jobs()

    app.on_shutdown.append(stop)


ROUTES: list[tuple[str, RestHandler]] = [("/api/v1/progress/:id", show)]
