"""Canvas REST routes of the student analytics (filled in by the student slice)."""

from __future__ import annotations

from analytics_gateway.rest_compat._endpoint import RestHandler

__all__ = ["ROUTES"]

ROUTES: list[tuple[str, RestHandler]] = []
