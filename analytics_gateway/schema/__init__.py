"""The GraphQL face: the Strawberry schema (built once), its limits, and the aiohttp view."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.types import ExecutionContext

from analytics_gateway.schema.errors import CanvasErrors
from analytics_gateway.schema.limits import LIMIT_EXTENSIONS
from analytics_gateway.schema.query import NODE_TYPES, Query
from analytics_gateway.schema.scalars import SCALAR_OVERRIDES

__all__ = ["SCHEMA", "AnalyticsSchema", "build_schema"]


class AnalyticsSchema(strawberry.Schema):
    """Strawberry's schema, logging only unexpected errors (refusals are answers, not failures)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors are logged (with tracebacks) by :class:`CanvasErrors` when they are unexpected."""


def build_schema() -> AnalyticsSchema:
    """The schema with its limits, caches and error handling."""
    extensions: list[Any] = [*LIMIT_EXTENSIONS, CanvasErrors]
    return AnalyticsSchema(
        query=Query,
        types=list(NODE_TYPES),
        extensions=extensions,
        scalar_overrides=SCALAR_OVERRIDES,
    )


SCHEMA = build_schema()
"""The one schema of the process."""
