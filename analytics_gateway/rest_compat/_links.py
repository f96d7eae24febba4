"""Absolute URLs of this server as its client sees them, and C3's pagination (behaviour §2.4, §7.12)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from analytics_gateway.resolvers.errors import NotFound

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "Page", "base_url", "link_header", "paginate", "ruby_to_i"]

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
_LEADING_INT = re.compile(r"\s*([-+]?)([0-9]+)")  # ASCII digits: \d would take "١٢", which Ruby does not
_MAX_DIGITS = 18  # beyond any page or size; int() refuses more than 4,300 digits
_NOT_FORWARDED = frozenset({"page", "per_page", "access_token", "api_key"})


def ruby_to_i(value: str) -> int:
    """Ruby's ``String#to_i``: the leading integer, 0 when there is none ("12abc" → 12, "abc" → 0)."""
    found = _LEADING_INT.match(value)
    if found is None:
        return 0
    sign, digits = found.groups()
    # Saturate a huge number (it only has to compare as huge): int() of a long digit string is refused.
    number = int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS
    return -number if sign == "-" else number


def _first(value: str | None) -> str | None:
    if value is None:
        return None
    first = value.split(",", 1)[0].strip()
    return first or None


def base_url(request: web.Request) -> str:
    """``scheme://host`` of the request, from ``X-Forwarded-Proto``/``-Host`` when a proxy set them."""
    scheme = _first(request.headers.get("X-Forwarded-Proto")) or request.scheme
    host = _first(request.headers.get("X-Forwarded-Host")) or request.host
    return f"{scheme}://{host}"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its number, size, the number of pages and the slice bounds."""

    number: int
    per_page: int
    last: int
    start: int
    stop: int

    @property
    def has_next(self) -> bool:
        """More rows exist after this page."""
        return self.number < self.last


def paginate(total: int, query: Mapping[str, str]) -> Page:
    """The page ``query`` asks for (``page``, ``per_page``), or NotFound for one past the end.

    ``per_page``: default 10, else Ruby's ``to_i`` clamped to 1..100; ``page``: default 1, else ``to_i``,
    which must be at least 1 and at most the last page, except that page 1 of an empty list exists.
    """
    raw_per_page = query.get("per_page")
    per_page = DEFAULT_PER_PAGE if raw_per_page is None else ruby_to_i(raw_per_page)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    raw_page = query.get("page")
    number = 1 if raw_page is None or not raw_page.strip() else ruby_to_i(raw_page)
    last = max(1, math.ceil(total / per_page))
    if number < 1 or number > last:
        raise NotFound("page out of range")
    start = (number - 1) * per_page
    return Page(number=number, per_page=per_page, last=last, start=start, stop=min(start + per_page, total))


def link_header(url: str, query: Mapping[str, str], page: Page) -> str:
    """The ``Link`` header: rels current, next, prev, first, last in that order (CONTRACT §7.12).

    Each URL is ``url`` with the request's other parameters sorted by name, then ``page`` and
    ``per_page``; the token (``access_token``, ``api_key``) is never echoed.
    """
    kept = sorted((k, v) for k, v in query.items() if k not in _NOT_FORWARDED)
    prefix = f"{url}?{urlencode(kept)}&" if kept else f"{url}?"

    def link(number: int, rel: str) -> str:
        return f'<{prefix}page={number}&per_page={page.per_page}>; rel="{rel}"'

    links = [link(page.number, "current")]
    if page.has_next:
        links.append(link(page.number + 1, "next"))
    if page.number > 1:
        links.append(link(page.number - 1, "prev"))
    links.append(link(1, "first"))
    links.append(link(page.last, "last"))
    return ",".join(links)
