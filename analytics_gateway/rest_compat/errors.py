"""Canvas's error responses, exactly as behaviour §2.2 and CONTRACT §7.14 give them."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

__all__ = [
    "NOT_FOUND_MESSAGE",
    "forbidden",
    "insufficient_scopes",
    "invalid_token",
    "json_response",
    "not_found",
    "unauthenticated",
]

NOT_FOUND_MESSAGE = "The specified resource does not exist."
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}


def json_response(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response serialized with orjson (key order kept)."""
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def not_found() -> web.Response:
    """404 for anything that cannot be resolved, pages past the end included (CONTRACT §7.12)."""
    return json_response({"errors": [{"message": NOT_FOUND_MESSAGE}]}, status=404)


def unauthenticated() -> web.Response:
    """401: no user at all."""
    body = {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
    return json_response(body, status=401, headers=_WWW_AUTHENTICATE)


def forbidden() -> web.Response:
    """403: a known user without the right."""
    body = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
    return json_response(body, status=403)


def invalid_token(message: str) -> web.Response:
    """401 for an unknown, malformed, expired or revoked token."""
    return json_response({"errors": [{"message": message}]}, status=401, headers=_WWW_AUTHENTICATE)


def insufficient_scopes() -> web.Response:
    """401 for a scoped token used outside its scopes (CONTRACT §5)."""
    return json_response({"errors": [{"message": "Insufficient scopes on access token."}]}, status=401)
