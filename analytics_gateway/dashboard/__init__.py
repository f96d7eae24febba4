"""The built-in analytics dashboard: a browser client of the gateway's own GraphQL API.

The server side only serves files: ``/dashboard`` (the single page) and ``/dashboard/static/...`` (our
ES modules, the stylesheet and the vendored chart libraries), all from the package so the dashboard works
offline. Every number on the pages comes from ``POST /graphql`` with the token the user signs in with;
nothing here reads the database or imports the analytics layer.
"""

from __future__ import annotations

from analytics_gateway.dashboard.routes import (
    CONTENT_SECURITY_POLICY,
    DASHBOARD_PATH,
    STATIC_PREFIX,
    add_dashboard_routes,
)

__all__ = ["CONTENT_SECURITY_POLICY", "DASHBOARD_PATH", "STATIC_PREFIX", "add_dashboard_routes"]
