"""Failures of an analytics request, independent of how a face reports them.

REST maps them to Canvas's statuses and bodies (behaviour §2.2); GraphQL to field errors.
"""

from __future__ import annotations

from analytics_gateway.storage.engine import is_unavailable

__all__ = ["AnalyticsError", "Forbidden", "NotFound", "Unauthenticated", "database_unavailable"]


class AnalyticsError(Exception):
    """Base class: the request cannot be answered with data."""


class NotFound(AnalyticsError):
    """The account, term, course, user or page does not exist for this request (404)."""


class Unauthenticated(AnalyticsError):
    """No user: the request carried no token (401, behaviour §2.2)."""


class Forbidden(AnalyticsError):
    """A known user lacking the right (403, behaviour §2.2)."""


def database_unavailable(exc: BaseException | None) -> bool:
    """True when ``exc`` means the database cannot be reached right now (down or restarting)."""
    return exc is not None and is_unavailable(exc)
