"""The HTTP floor of the serving benchmark: a bare aiohttp server answering JSON bodies of a given size.

``GET /bytes/{n}`` answers ``n`` bytes of valid JSON (a list of zeros, padded with spaces), built once per
size and kept, so that a request costs only what aiohttp itself costs. Run as a separate process (like
the gateway) by ``bench/serve_bench.py``::

    python -m bench.http_floor --port 8123
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

__all__ = ["json_body", "make_app"]


def json_body(size: int) -> bytes:
    """``size`` bytes of valid JSON (at least ``[]``)."""
    size = max(size, 2)
    zeros = (size - 1) // 2  # "[0,0,...,0]" has 2 * zeros + 1 bytes
    body = b"[]" if zeros == 0 else b"[" + b",".join([b"0"] * zeros) + b"]"
    return body + b" " * (size - len(body))


def make_app() -> web.Application:
    """The floor application."""
    bodies: dict[int, bytes] = {}

    async def sized(request: web.Request) -> web.Response:
        size = int(request.match_info["size"])
        body = bodies.get(size)
        if body is None:
            body = bodies[size] = json_body(size)
        return web.Response(body=body, content_type="application/json")

    async def health(request: web.Request) -> web.Response:
        return web.Response(body=b'{"status":"ok"}', content_type="application/json")

    app = web.Application()
    app.router.add_get("/bytes/{size:\\d+}", sized)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Logged like `analytics-gateway serve` (an access line per request), so the floor pays the same.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
