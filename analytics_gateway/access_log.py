"""The access log of ``serve``: aiohttp's, with tokens redacted (CONTRACT §5: tokens never in logs).

aiohttp's access log prints the request line with its query string, and clients may send their token as
``access_token`` (or Canvas's older ``api_key``) there. :class:`RedactingAccessLogger` formats every line
exactly as aiohttp's :class:`~aiohttp.web_log.AccessLogger` does (same format strings, same ``extra``
fields), then replaces the value of those parameters in the request line and in any logged header by
``[REDACTED]``; a logged ``Authorization`` header is redacted whole. ``serve`` (and every worker) passes
:data:`ACCESS_LOG_CLASS` to :func:`aiohttp.web.run_app`.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote_plus

from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

__all__ = ["ACCESS_LOG_CLASS", "REDACTED", "SECRET_PARAMETERS", "RedactingAccessLogger", "redact_url"]

REDACTED = "[REDACTED]"
SECRET_PARAMETERS = frozenset({"access_token", "api_key"})
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, eq, _ = part.partition("=")
        # aiohttp decodes parameter names (`access%5Ftoken` is `access_token`): compare decoded.
        if unquote_plus(name).strip().lower() in SECRET_PARAMETERS:
            part = f"{name}{eq or '='}{REDACTED}"
        parts.append(part)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """``url`` (a path with query, or an absolute URL) with the token parameters' values redacted.

    A fragment is dropped: GraphiQL links carry the token there (``#token=...``).
    """
    url = url.partition("#")[0]
    base, mark, query = url.partition("?")
    return f"{base}{mark}{_redact_query(query)}" if mark else base


def _redact_request_line(line: str) -> str:
    # "GET /path?query HTTP/1.1": the target is the middle word; anything unexpected is redacted whole.
    words = line.split(" ")
    if len(words) == 3:
        return " ".join((words[0], redact_url(words[1]), words[2]))
    return redact_url(line)


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access logger that never writes a token."""

    def _format_line(
        self, request: BaseRequest, response: StreamResponse, time: float
    ) -> Iterable[tuple[str | tuple[str, str], str]]:
        lines = []
        for key, value in super()._format_line(request, response, time):
            if key == "first_request_line" and isinstance(value, str):
                value = _redact_request_line(value)
            elif isinstance(key, tuple) and isinstance(value, str) and value != "-":
                if key[1].lower() in _SECRET_HEADERS:
                    value = REDACTED
                elif key[1].lower() == "referer" or any(p in value.lower() for p in SECRET_PARAMETERS):
                    value = redact_url(value)
            lines.append((key, value))
        return lines


ACCESS_LOG_CLASS = RedactingAccessLogger
"""The access logger class ``serve`` runs with."""
