"""All Canvas Analytics API routes (behaviour §1) plus the progress API, added to the application."""

from __future__ import annotations

from aiohttp import web

from analytics_gateway.rest_compat import communication, course, department, progress, student
from analytics_gateway.rest_compat._endpoint import add_route
from analytics_gateway.rest_compat.openapi import add_openapi_route

__all__ = ["add_rest_routes"]


def add_rest_routes(app: web.Application) -> None:
    """Register every ``/api/v1`` analytics route and the OpenAPI document."""
    add_openapi_route(app)
    progress.stop_jobs_on_shutdown(app)
    for module in (department, course, student, communication, progress):
        for template, handler in module.ROUTES:
            add_route(app, template, handler)
