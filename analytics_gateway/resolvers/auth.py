"""Turning a presented access token into a viewer (behaviour §2.2), for every face."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.context import Viewer, utcnow
from analytics_gateway.storage.tokens import find_token_and_data_version

__all__ = ["TokenCheck", "TokenProblem", "authenticate", "presented_token"]

_MAX_TOKEN_LENGTH = 512  # longer than any token we issue; refused before hashing


class TokenProblem(Enum):
    """Why a presented token does not authenticate."""

    INVALID = "Invalid access token."
    EXPIRED = "Expired access token."
    REVOKED = "Revoked access token."


@dataclass(frozen=True)
class TokenCheck:
    """The outcome: a viewer with the token's scopes (None: unscoped), or the problem.

    ``data_version`` is the data version read by the token lookup (None when nothing was looked up): a
    request's data reads all come after it, so it starts the request's consistency check
    (:mod:`~analytics_gateway.resolvers.consistency`) at no extra cost.
    """

    viewer: Viewer | None
    scopes: tuple[str, ...] | None = None
    problem: TokenProblem | None = None
    data_version: int | None = None


def presented_token(authorization: str | None, access_token: str | None) -> str | None:
    """The token a request presents: ``Authorization: Bearer …``, else the ``access_token`` parameter.

    An ``Authorization`` header that is not a bearer token is presented as an empty (invalid) token: it
    is refused, never silently ignored.
    """
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    return access_token


async def authenticate(engine: AsyncEngine, token: str | None) -> TokenCheck:
    """No token → the anonymous viewer; a token → its user, or why it is refused."""
    if token is None:
        return TokenCheck(Viewer(None))
    if not token or len(token) > _MAX_TOKEN_LENGTH or not token.isprintable():
        return TokenCheck(None, problem=TokenProblem.INVALID)
    stored, version = await find_token_and_data_version(engine, token)
    if stored is None:
        return TokenCheck(None, problem=TokenProblem.INVALID)
    now = utcnow()
    if stored.revoked_at is not None:
        return TokenCheck(None, problem=TokenProblem.REVOKED)
    if stored.expires_at is not None and now >= stored.expires_at:
        return TokenCheck(None, problem=TokenProblem.EXPIRED)
    return TokenCheck(Viewer(stored.user_id), scopes=stored.scopes, data_version=version)
