"""Field errors as clients see them: the analytics layer's refusals named, everything else masked.

A resolver refusal (not found, no user, not allowed) becomes a null with an error entry whose ``path``
names the field and whose message is Canvas's, plus ``extensions.code``; an unexpected exception becomes
``An error occurred.`` (logged with its traceback here, never sent: no internals, no SQL).
"""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from analytics_gateway.resolvers.errors import Forbidden, NotFound, Unauthenticated, database_unavailable

__all__ = ["INTERNAL_MESSAGE", "CanvasErrors", "describe"]

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "An error occurred."
UNAVAILABLE_MESSAGE = "The database is unavailable; please retry later."
_MESSAGES: dict[type[Exception], tuple[str, str]] = {
    NotFound: ("NOT_FOUND", "The specified resource does not exist."),
    Unauthenticated: ("UNAUTHENTICATED", "user authorization required"),
    Forbidden: ("FORBIDDEN", "user not authorized to perform that action"),
}


def describe(error: GraphQLError) -> tuple[str, str]:
    """``(code, message)`` of a resolver's error."""
    original = error.original_error
    for kind, (code, message) in _MESSAGES.items():
        if isinstance(original, kind):
            field = error.path[-1] if error.path else None
            return code, message if field is None else f"{message} (field `{field}`)"
    if database_unavailable(original):  # the database went away mid-request (a restart, an outage)
        return "UNAVAILABLE", UNAVAILABLE_MESSAGE
    return "INTERNAL", INTERNAL_MESSAGE


def _raised_by_a_resolver(error: GraphQLError) -> bool:
    # A resolver's own GraphQLError (a bad cursor, a missing argument) is a message for the client.
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class CanvasErrors(MaskErrors):
    """Rewrites every error a resolver raised (``original_error`` set); query errors pass through."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_raised_by_a_resolver)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        code, message = describe(error)
        if code == "INTERNAL":
            logger.error("unexpected error in %s", error.path, exc_info=error.original_error)
        elif code == "UNAVAILABLE":
            logger.warning("database unavailable in %s: %s", error.path, type(error.original_error).__name__)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": code},
        )
