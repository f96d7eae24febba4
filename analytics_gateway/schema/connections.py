"""Relay connections as Canvas's GraphQL has them: ``nodes``, ``edges``, ``pageInfo``, opt-in ``totalCount``.

Cursors are opaque (base64 of a position in the list); pages default to 20 items and are capped at 100.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Connection",
    "Edge",
    "PageInfo",
    "Slice",
    "build",
    "slice_of",
]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_PREFIX = "cursor:"
_POSITION = re.compile(r"[0-9]{1,18}")

N = TypeVar("N")
K = TypeVar("K")


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    start_cursor: str | None = strawberry.field(description="The cursor of the page's first item.")
    end_cursor: str | None = strawberry.field(description="The cursor of the page's last item.")


@strawberry.type(description="An item of a list with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Opaque position of the item; pass it as `after`/`before`.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list.")
class Connection(Generic[N]):
    nodes: list[N] = strawberry.field(description="The page's items.")
    edges: list[Edge[N]] = strawberry.field(description="The page's items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    total_count: int = strawberry.field(description="The number of items in the whole list (all pages).")


def _cursor(position: int) -> str:
    return base64.b64encode(f"{_PREFIX}{position}".encode()).decode()


def _position(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    # ASCII digits, and not too many: str.isdigit() takes "²", which int() refuses, and int() refuses
    # more than 4,300 digits.
    if not text.startswith(_PREFIX) or not _POSITION.fullmatch(text[len(_PREFIX) :]):
        raise GraphQLError(f"invalid cursor {cursor!r}")
    return int(text[len(_PREFIX) :])


@dataclass(frozen=True)
class Slice(Generic[K]):
    """The keys of one page and where it sits."""

    keys: list[K]
    positions: list[int]
    info: PageInfo
    total: int


def _size(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise GraphQLError(f"`{name}` must not be negative")
    return min(value, MAX_PAGE_SIZE)


def slice_of(
    items: Sequence[K],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Slice[K]:
    """The page of ``items`` the Relay arguments ask for (``first`` defaults to 20; both capped at 100)."""
    n_first, n_last = _size(first, "first"), _size(last, "last")
    start, stop = 0, len(items)
    if after is not None:
        start = min(_position(after) + 1, len(items))
    if before is not None:
        stop = max(min(_position(before), len(items)), start)
    if n_first is None and n_last is None:
        n_first = DEFAULT_PAGE_SIZE
    if n_first is not None:
        stop = min(stop, start + n_first)
    if n_last is not None:
        start = max(start, stop - n_last)
    positions = list(range(start, stop))
    info = PageInfo(
        has_next_page=stop < len(items),
        has_previous_page=start > 0,
        start_cursor=_cursor(start) if positions else None,
        end_cursor=_cursor(stop - 1) if positions else None,
    )
    return Slice(keys=[items[i] for i in positions], positions=positions, info=info, total=len(items))


async def build(page: Slice[K], make: Callable[[list[K]], Awaitable[list[N]]]) -> Connection[N]:
    """The connection of a page, its nodes made (batched) from its keys."""
    nodes = await make(page.keys)
    return Connection(
        nodes=nodes,
        edges=[Edge(cursor=_cursor(p), node=n) for p, n in zip(page.positions, nodes, strict=True)],
        page_info=page.info,
        total_count=page.total,
    )
