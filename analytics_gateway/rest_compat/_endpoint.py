"""What every Canvas REST route shares: auth, scopes, dialect, errors, string ids, the ``.json`` suffix.

A route module supplies ``(template, handler)`` pairs; ``template`` is the URL exactly as the API
documentation writes it (``/api/v1/courses/:course_id/analytics/activity``), which is also the token
scope string after ``url:GET|`` (CONTRACT §5). A handler receives a :class:`RestRequest` and returns the
JSON body (or a :class:`RestResult` with headers); it raises the analytics errors, which become Canvas's
error responses here, in the order of behaviour §5 (token, then scopes, then the route's own checks).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from analytics_gateway.appkeys import CACHE_KEY, ENGINE_KEY, SETTINGS_KEY
from analytics_gateway.config import REST_DIALECTS, RestDialect
from analytics_gateway.resolvers.auth import authenticate, presented_token
from analytics_gateway.resolvers.consistency import DataChanging, consistent
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.errors import Forbidden, NotFound, Unauthenticated
from analytics_gateway.rest_compat.errors import (
    forbidden,
    insufficient_scopes,
    invalid_token,
    json_response,
    not_found,
    unauthenticated,
)

__all__ = [
    "DIALECT_HEADER",
    "STRING_IDS_MEDIA_TYPE",
    "RestHandler",
    "RestRequest",
    "RestResult",
    "add_route",
    "aiohttp_path",
    "bad_request",
    "stringify_ids",
]

DIALECT_HEADER = "X-Analytics-Dialect"
STRING_IDS_MEDIA_TYPE = "application/json+canvas-string-ids"
_PARAM = re.compile(r":([a-z_]+)")
DATA_CHANGING_MESSAGE = "The data is being updated by an import; please retry the request."


@dataclass(frozen=True)
class RestRequest:
    """One authenticated REST call: path parameters (decoded, ``.json`` removed), dialect and context."""

    request: web.Request
    ctx: AnalyticsContext
    dialect: RestDialect
    params: Mapping[str, str]
    template: str

    @property
    def query(self) -> Mapping[str, str]:
        """The query string (the last value of a repeated parameter wins, as in Rails)."""
        return {k: v for k, v in self.request.query.items()}


@dataclass
class RestResult:
    """A body with extra response headers (e.g. C3's ``Link``)."""

    body: Any
    headers: dict[str, str] = field(default_factory=dict)


RestHandler = Callable[[RestRequest], Awaitable[Any]]


def aiohttp_path(template: str) -> str:
    """The aiohttp route pattern of a documented template; ids take anything but ``/`` (behaviour §1)."""
    pattern = _PARAM.sub(lambda m: "{" + m.group(1) + r":[^/]+?}", template)
    return pattern + r"{_format:(?:\.json)?}"


def bad_request(message: str) -> web.Response:
    """400 with Canvas's error shape."""
    return json_response({"errors": [{"message": message}]}, status=400)


def _token(request: web.Request) -> str | None:
    return presented_token(request.headers.get("Authorization"), request.query.get("access_token"))


def _dialect(request: web.Request) -> RestDialect | None:
    wanted = request.headers.get(DIALECT_HEADER)
    if wanted is None:
        return request.app[SETTINGS_KEY].rest_dialect
    wanted = wanted.strip().lower()
    return wanted if wanted in REST_DIALECTS else None


def stringify_ids(value: Any) -> Any:
    """Canvas's string-ids mode: every ``id``/``*_id`` value and ``*_ids`` element that is a number."""
    if isinstance(value, list):
        return [stringify_ids(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(key, str) and (key == "id" or key.endswith("_id")) and isinstance(item, int):
            if not isinstance(item, bool):
                item = str(item)
        elif isinstance(key, str) and key.endswith("_ids") and isinstance(item, list):
            item = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in item]
        else:
            item = stringify_ids(item)
        out[key] = item
    return out


def add_route(app: web.Application, template: str, handler: RestHandler) -> None:
    """Serve ``GET template`` (and ``template.json``) with the shared checks around ``handler``."""
    scope = f"url:GET|{template}"

    async def endpoint(request: web.Request) -> web.Response:
        dialect = _dialect(request)
        if dialect is None:
            return bad_request(f"{DIALECT_HEADER} must be one of: {', '.join(REST_DIALECTS)}")
        engine = request.app[ENGINE_KEY]
        check = await authenticate(engine, _token(request))
        if check.problem is not None:
            return invalid_token(check.problem.value)
        assert check.viewer is not None
        if check.scopes is not None and scope not in check.scopes:
            return insufficient_scopes()
        params = {k: v for k, v in request.match_info.items() if k != "_format"}
        ctx = AnalyticsContext(engine, check.viewer, cache=request.app[CACHE_KEY])

        def attempt(version: int) -> Awaitable[Any]:
            at = replace(ctx, data_version=version)
            return handler(RestRequest(request, at, dialect, params, template))

        try:
            # One response, one committed state of the data: computed again if an import commits meanwhile.
            result = await consistent(engine, attempt, start_version=check.data_version)
        except DataChanging:
            body = {"errors": [{"message": DATA_CHANGING_MESSAGE}]}
            return json_response(body, status=503, headers={"Retry-After": "1"})
        except NotFound:
            return not_found()
        except Unauthenticated:
            return unauthenticated()
        except Forbidden:
            return forbidden()
        headers: dict[str, str] = {}
        if isinstance(result, RestResult):
            headers, result = result.headers, result.body
        if STRING_IDS_MEDIA_TYPE in request.headers.get("Accept", ""):
            result = stringify_ids(result)
        return json_response(result, headers=headers)

    app.router.add_get(aiohttp_path(template), endpoint)
