"""``/graphql`` (and Canvas's ``/api/graphql``): the Strawberry aiohttp view, authenticated like REST.

* The same tokens as REST (bearer header or ``access_token``): an invalid, expired or revoked token is 401
  with Canvas's body before anything runs; a scoped token needs Canvas's GraphQL scope
  ``url:POST|/api/graphql``. Without a token the viewer is anonymous: fields that need a user are null
  with an error.
* Responses are serialized with orjson and written as bytes.
* ``GET /graphql`` from a browser is GraphiQL, served with every asset from the package (no CDN), with an
  example query that runs on the demo institution.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson
from aiohttp import web
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from strawberry.aiohttp.views import GraphQLView
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData

from analytics_gateway.appkeys import CACHE_KEY, ENGINE_KEY
from analytics_gateway.resolvers.auth import authenticate, presented_token
from analytics_gateway.resolvers.consistency import DataChanging, consistent
from analytics_gateway.resolvers.context import AnalyticsContext, Viewer
from analytics_gateway.resolvers.loaders import Loaders
from analytics_gateway.schema import SCHEMA
from analytics_gateway.schema.context import GraphQLContext

__all__ = ["DEFAULT_QUERY", "GRAPHQL_PATHS", "GRAPHQL_SCOPE", "add_graphql_routes"]

GRAPHQL_PATHS = ("/graphql", "/api/graphql")
GRAPHQL_SCOPE = "url:POST|/api/graphql"  # Canvas's scope string for its GraphQL endpoint
STATIC_PREFIX = "/graphql/static"
_VIEWER = web.RequestKey("analytics_viewer", Viewer)
_DATA_VERSION = web.RequestKey("analytics_data_version", int)  # the version an attempt reads at
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}

DEFAULT_QUERY = """# analytics-gateway GraphQL. Put a token in the Headers tab (`serve --demo` prints one).
# Course 100001 is the demo institution's largest course.
query CourseDashboard {
  course(id: "100001") {
    _id
    name
    analytics {
      activity { date views participations }
      assignments { title dueAt median tardinessBreakdown { onTime late missing total } }
    }
    studentsConnection(first: 10, sort: {field: PAGE_VIEWS, direction: DESCENDING}) {
      totalCount
      nodes {
        _id
        name
        summaryAnalytics {
          pageViews { total max level }
          participations { total max level }
          tardinessBreakdown { total onTime late missing floating }
        }
      }
    }
  }
}
"""


def _error(message: str, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps({"errors": [{"message": message}]}),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _ide_page() -> str:
    template = (
        resources.files("analytics_gateway.schema").joinpath("static/graphiql/index.html").read_text("utf-8")
    )
    config = orjson.dumps({"endpoint": GRAPHQL_PATHS[0], "defaultQuery": DEFAULT_QUERY}).decode()
    config = config.replace("<", "\\u003c")  # never closes the script element it sits in
    return template.replace("{static}", STATIC_PREFIX).replace("{config}", config)


class AnalyticsGraphQLView(GraphQLView[GraphQLContext, None]):
    """Strawberry's aiohttp view with the gateway's authentication, JSON and offline GraphiQL."""

    def __init__(self) -> None:
        super().__init__(schema=SCHEMA, graphql_ide="graphiql", allow_queries_via_get=True)
        self._ide = _ide_page()

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        wants_ide = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
        if wants_ide and "query" not in request.query:  # the IDE page: nothing read from the database
            try:
                return await self.run(request=request)
            except HTTPException as exc:
                return _error(exc.reason, exc.status_code)
        engine = request.app[ENGINE_KEY]
        token = presented_token(request.headers.get("Authorization"), request.query.get("access_token"))
        check = await authenticate(engine, token)
        if check.problem is not None:
            return _error(check.problem.value, 401, _WWW_AUTHENTICATE)
        if check.scopes is not None and GRAPHQL_SCOPE not in check.scopes:
            return _error("Insufficient scopes on access token.", 401)
        assert check.viewer is not None  # no problem: a user, or the anonymous viewer
        request[_VIEWER] = check.viewer

        async def attempt(version: int) -> web.StreamResponse:
            request[_DATA_VERSION] = version
            return await self.run(request=request)

        try:
            # One response, one committed state of the data: executed again (with fresh dataloaders, made
            # by get_context) if an import commits meanwhile.
            return await consistent(engine, attempt, start_version=check.data_version)
        except DataChanging:
            message = "The data is being updated by an import; please retry the request."
            return _error(message, 503, {"Retry-After": "1"})
        except HTTPException as exc:  # malformed requests: a JSON error like every other answer
            return _error(exc.reason, exc.status_code)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        # Strawberry reads a JSON body as an object and crashes on `null`, `5` or `"x"` (AttributeError);
        # refuse those like any other malformed body. A body that is neither valid JSON nor an object or a
        # list is caught by its first byte, without parsing it twice.
        is_json = request.method == "POST" and "application/json" in (request.content_type or "")
        if is_json and (await request.get_body()).lstrip()[:1] not in (b"{", b"["):
            raise HTTPException(400, "The request body must be a JSON object.")
        return await super().parse_http_body(request)

    async def get_context(self, request: web.Request, response: Any) -> GraphQLContext:
        viewer: Viewer = request.get(_VIEWER) or Viewer(None)
        analytics = AnalyticsContext(
            request.app[ENGINE_KEY],
            viewer,
            data_version=request.get(_DATA_VERSION),
            cache=request.app[CACHE_KEY],
        )
        return GraphQLContext(analytics=analytics, loaders=Loaders(analytics))

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        return web.Response(text=self._ide, content_type="text/html")

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: web.Response
    ) -> web.Response:
        sub_response.body = orjson.dumps(response_data)
        sub_response.content_type = "application/json"
        return sub_response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def _static_handler() -> Any:
    folder = resources.files("analytics_gateway.schema").joinpath("static/graphiql")
    files: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if suffix in (".js", ".css"):
            files[entry.name] = (entry.read_bytes(), _STATIC_TYPES[suffix])

    async def handler(request: web.Request) -> web.StreamResponse:
        found = files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        response = web.Response(
            body=body, content_type=content_type, headers={"Cache-Control": "public, max-age=86400"}
        )
        response.enable_compression()
        return response

    return handler


def add_graphql_routes(app: web.Application) -> None:
    """``/graphql`` (GET and POST), ``/api/graphql`` (Canvas's path) and GraphiQL's assets."""
    view = AnalyticsGraphQLView()
    for path in GRAPHQL_PATHS:
        app.router.add_route("GET", path, view)
        app.router.add_route("POST", path, view)
    app.router.add_get(STATIC_PREFIX + "/{name}", _static_handler())
