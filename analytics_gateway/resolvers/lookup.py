"""Resolving the id forms of Canvas URLs (CONTRACT §5, behaviour §2.1); anything unresolvable is 404.

Accepted: numeric ids; ``sis_account_id:``, ``sis_course_id:``, ``sis_user_id:``, ``sis_login_id:``,
``sis_term_id:``; ``hex:sis_…:<hex>`` for SIS ids that contain a slash; account ``self`` (the root
account); user ``self`` (the caller); term ``default`` and ``current`` (CONTRACT §7.2).
"""

from __future__ import annotations

import re

from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.errors import NotFound
from analytics_gateway.storage.point_reads import small_reads
from analytics_gateway.storage.queries.lookup import (
    AccountRow,
    CourseRow,
    TermRow,
    UserRow,
    get_account,
    get_course,
    get_root_account_id,
    get_term,
    get_terms_of_root,
    get_user,
)

__all__ = [
    "default_term",
    "parse_numeric_id",
    "resolve_account",
    "resolve_course",
    "resolve_root_account_id",
    "resolve_term",
    "resolve_user",
]

_MAX_ID = 2**63 - 1
_NUMERIC = re.compile(r"[0-9]{1,19}")
_DEFAULT_TERM_NAME = "Default Term"


def parse_numeric_id(ref: str) -> int | None:
    """The id a plain numeric segment names, or None (not numeric, or beyond a 64-bit id)."""
    if not _NUMERIC.fullmatch(ref):
        return None
    value = int(ref)
    return value if 0 < value <= _MAX_ID else None


def _sis(ref: str, prefix: str) -> str | None:
    """The SIS value of ``prefix:X`` or ``hex:prefix:<hex>``, or None when ``ref`` is another form.

    A value holding NUL names nothing: no stored id can hold one (PostgreSQL text cannot), and asyncpg
    refuses it as a query parameter.
    """
    value: str | None = None
    if ref.startswith(prefix + ":"):
        value = ref[len(prefix) + 1 :]
    elif ref.startswith(hex_prefix := f"hex:{prefix}:"):
        try:
            value = bytes.fromhex(ref[len(hex_prefix) :]).decode("utf-8")
        except ValueError:  # odd length, non-hex digits or not UTF-8
            return None
    return value if value and "\x00" not in value else None


async def resolve_root_account_id(ctx: AnalyticsContext) -> int:
    """The root account of this installation (404 when nothing has been imported)."""
    async with small_reads(ctx.engine) as conn:
        root = await get_root_account_id(conn=conn)
    if root is None:
        raise NotFound("no root account")
    return root


async def resolve_account(ctx: AnalyticsContext, ref: str) -> AccountRow:
    """A non-deleted account from a path segment."""
    async with small_reads(ctx.engine) as conn:
        if ref == "self":
            root = await get_root_account_id(conn=conn)
            row = None if root is None else await get_account(conn=conn, account_id=root)
        elif (numeric := parse_numeric_id(ref)) is not None:
            row = await get_account(conn=conn, account_id=numeric)
        elif (sis := _sis(ref, "sis_account_id")) is not None:
            row = await get_account(conn=conn, sis_id=sis)
        else:
            row = None
    if row is None:
        raise NotFound(f"account {ref!r}")
    return row


async def resolve_term(ctx: AnalyticsContext, ref: str, *, account: AccountRow) -> TermRow:
    """An active term of the account's root account (behaviour §2.1; ``default``/``current`` §7.2)."""
    root_id = account.root_account_id or account.id
    async with small_reads(ctx.engine) as conn:
        if ref in ("default", "current"):
            terms = await get_terms_of_root(conn=conn, root_account_id=root_id)
            row = _default_term(terms) if ref == "default" else _current_term(terms, ctx)
        elif (numeric := parse_numeric_id(ref)) is not None:
            row = await get_term(conn=conn, root_account_id=root_id, term_id=numeric)
        elif (sis := _sis(ref, "sis_term_id")) is not None:
            row = await get_term(conn=conn, root_account_id=root_id, sis_id=sis)
        else:
            row = None
    if row is None:
        raise NotFound(f"term {ref!r}")
    return row


def _default_term(terms: list[TermRow]) -> TermRow | None:
    named = [t for t in terms if t.name == _DEFAULT_TERM_NAME]
    candidates = named or terms
    return candidates[0] if candidates else None


def _current_term(terms: list[TermRow], ctx: AnalyticsContext) -> TermRow | None:
    now = ctx.now
    running = [
        t for t in terms if t.start_at is not None and t.end_at is not None and t.start_at <= now < t.end_at
    ]
    return running[0] if len(running) == 1 else None


async def default_term(ctx: AnalyticsContext, *, account: AccountRow) -> TermRow | None:
    """The root account's default term (CONTRACT §7.2), or None when it has no active term."""
    async with small_reads(ctx.engine) as conn:
        terms = await get_terms_of_root(conn=conn, root_account_id=account.root_account_id or account.id)
    return _default_term(terms)


async def resolve_course(ctx: AnalyticsContext, ref: str) -> CourseRow:
    """A published or concluded course from a path segment."""
    async with small_reads(ctx.engine) as conn:
        if (numeric := parse_numeric_id(ref)) is not None:
            row = await get_course(conn=conn, course_id=numeric)
        elif (sis := _sis(ref, "sis_course_id")) is not None:
            row = await get_course(conn=conn, sis_id=sis)
        else:
            row = None
    if row is None:
        raise NotFound(f"course {ref!r}")
    return row


async def resolve_user(ctx: AnalyticsContext, ref: str) -> UserRow:
    """Any user from a path segment; ``self`` is the caller."""
    async with small_reads(ctx.engine) as conn:
        if ref == "self":
            uid = ctx.viewer.user_id
            row = None if uid is None else await get_user(conn=conn, user_id=uid)
        elif (numeric := parse_numeric_id(ref)) is not None:
            row = await get_user(conn=conn, user_id=numeric)
        elif (sis := _sis(ref, "sis_user_id")) is not None:
            row = await get_user(conn=conn, sis_user_id=sis)
        elif (login := _sis(ref, "sis_login_id")) is not None:
            row = await get_user(conn=conn, login_id=login)
        else:
            row = None
    if row is None:
        raise NotFound(f"user {ref!r}")
    return row
