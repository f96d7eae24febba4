"""``GET /api/v1/progress/:id``: Canvas's Progress API for C2's async mode (filled in by the course slice)."""

from __future__ import annotations

from analytics_gateway.rest_compat._endpoint import RestHandler

__all__ = ["ROUTES"]

ROUTES: list[tuple[str, RestHandler]] = []
