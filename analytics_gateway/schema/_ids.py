"""Canvas's GraphQL ids: ``id`` is a Relay global id, base64 of ``Type-123``; ``_id`` the Canvas id."""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["NODE_TYPES", "decode_global_id", "encode_global_id", "legacy_id"]

NODE_TYPES = ("Account", "Term", "Course", "Section", "Student", "Assignment", "Enrollment")
_GLOBAL = re.compile(r"(?P<type>[A-Za-z]+)-(?P<id>[0-9]{1,19})")
_NUMERIC = re.compile(r"[0-9]{1,19}")


def encode_global_id(type_name: str, value: int) -> str:
    """The Relay id of a node."""
    return base64.b64encode(f"{type_name}-{value}".encode()).decode()


def decode_global_id(value: str) -> tuple[str, int] | None:
    """``(type, id)`` of a Relay id, or None when it is not one of ours."""
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
    found = _GLOBAL.fullmatch(text)
    if found is None or found.group("type") not in NODE_TYPES:
        return None
    return found.group("type"), int(found.group("id"))


def legacy_id(value: str, type_name: str) -> int | None:
    """The Canvas id an ``id`` argument names: a plain numeric id, or a Relay id of ``type_name``."""
    if _NUMERIC.fullmatch(value):
        number = int(value)
        return number if 0 < number < 2**63 else None
    decoded = decode_global_id(value)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
