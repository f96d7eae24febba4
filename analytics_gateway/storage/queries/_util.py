"""Small helpers shared by the query functions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["IN_CHUNK", "chunks"]

T = TypeVar("T")

IN_CHUNK = 5_000
"""Values per ``IN (...)`` list: far below SQLite's bound-parameter limit, few round trips at our scale."""


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size`` (nothing at all for an empty sequence)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
