"""API access tokens (CONTRACT §5): stored hashed, optionally scoped, expiring and revocable.

The plaintext is shown once, when the token is created; the database only ever holds its SHA-256, so a
leaked database (or backup) cannot be replayed against the API. Tokens are random with 320 bits of
entropy, so a fast unsalted hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.point_reads import read_inline
from analytics_gateway.storage.queries.versions import data_version_subquery
from analytics_gateway.storage.tables import access_tokens

__all__ = [
    "TOKEN_PREFIX",
    "AccessToken",
    "create_token",
    "find_token",
    "find_token_and_data_version",
    "hash_token",
    "revoke_token",
    "utcnow",
    "validate_scope",
]

# Canvas tokens look like `<shard>~<random>`; a fixed prefix makes ours recognisable in logs and to
# secret scanners, and guarantees a token is never all digits (revoke_token tells ids from tokens so).
TOKEN_PREFIX = "ag~"
TOKEN_BYTES = 40  # 320 bits
MAX_TOKEN_ID = 2**31 - 1  # access_tokens.id is a 32-bit INTEGER

# Canvas's scope shape, e.g. `url:GET|/api/v1/courses/:course_id/analytics/activity` (CONTRACT §5).
# REST scopes name an /api/v1 route; Canvas's GraphQL scope is exactly `url:POST|/api/graphql`.
_SCOPE_RE = re.compile(r"url:(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\|(?:/api/v1/[^\s|]+|/api/graphql)")


@dataclass(frozen=True)
class AccessToken:
    """A stored token, without its secret."""

    id: int
    user_id: int
    scopes: tuple[str, ...] | None  # None: unscoped (any route the user may use)
    purpose: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def is_active(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired at ``now`` (naive UTC, default: the current time)."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def utcnow() -> datetime:
    """The current time as a naive UTC datetime, as every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def hash_token(plaintext: str) -> str:
    """The stored form of a token: its SHA-256 as 64 hex digits."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def validate_scope(scope: str) -> str:
    """Return ``scope`` if it has Canvas's ``url:METHOD|/api/v1/...`` shape, else raise ValueError."""
    if not _SCOPE_RE.fullmatch(scope):
        raise ValueError(
            f"invalid scope {scope!r}: expected Canvas's form, e.g. "
            "url:GET|/api/v1/courses/:course_id/analytics/activity"
        )
    return scope


def _token(row: Mapping[Any, Any]) -> AccessToken:
    scopes: Any = orjson.loads(row["scopes"]) if row["scopes"] is not None else None
    return AccessToken(
        id=row["id"],
        user_id=row["user_id"],
        scopes=tuple(scopes) if scopes is not None else None,
        purpose=row["purpose"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


_COLUMNS = (
    access_tokens.c.id,
    access_tokens.c.token_hash,
    access_tokens.c.user_id,
    access_tokens.c.scopes,
    access_tokens.c.purpose,
    access_tokens.c.created_at,
    access_tokens.c.expires_at,
    access_tokens.c.revoked_at,
)


async def create_token(
    engine: AsyncEngine,
    *,
    user_id: int,
    scopes: Sequence[str] | None = None,
    expires_at: datetime | None = None,
    purpose: str | None = None,
) -> tuple[AccessToken, str]:
    """Store a new token for ``user_id`` and return it with its plaintext (the only time it is known)."""
    # An empty sequence is kept as a scoped token with no scopes (it opens nothing): failing closed is
    # safer than guessing that the caller meant "unscoped".
    scope_list = None if scopes is None else list(dict.fromkeys(validate_scope(s) for s in scopes))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    values = {
        "token_hash": hash_token(plaintext),
        "user_id": user_id,
        "scopes": orjson.dumps(scope_list).decode() if scope_list is not None else None,
        "purpose": purpose,
        "created_at": utcnow(),
        "expires_at": _naive_utc(expires_at) if expires_at is not None else None,
        "revoked_at": None,
    }
    async with engine.begin() as conn:
        result = await conn.execute(insert(access_tokens).values(**values).returning(access_tokens.c.id))
        token_id = result.scalar_one()
    return _token({"id": token_id, **values}), plaintext


async def find_token(engine: AsyncEngine, plaintext: str) -> AccessToken | None:
    """The stored token with this plaintext, revoked or expired ones included (callers judge those)."""
    digest = hash_token(plaintext)
    async with engine.connect() as conn:
        row = (
            (await conn.execute(select(*_COLUMNS).where(access_tokens.c.token_hash == digest)))
            .mappings()
            .first()
        )
    return _checked(row, digest)


# Built once: building the select costs more than the inline read itself.
_LOOKUP_WITH_VERSION = select(*_COLUMNS, data_version_subquery().label("data_version")).where(
    access_tokens.c.token_hash == bindparam("digest")
)


async def find_token_and_data_version(engine: AsyncEngine, plaintext: str) -> tuple[AccessToken | None, int]:
    """:func:`find_token`, and the data version read by the same statement (None, 0 for no such token).

    A request reads the version where its data reads begin; reading it here costs no extra statement.
    """
    digest = hash_token(plaintext)
    params = {"digest": digest}
    # SQLite: read on this thread, no worker-thread hop (point_reads.py).
    rows = read_inline(engine, _LOOKUP_WITH_VERSION, params)
    if rows is not None:
        row = rows[0]._mapping if rows else None
    else:
        async with engine.connect() as conn:
            row = (await conn.execute(_LOOKUP_WITH_VERSION, params)).mappings().first()
    token = _checked(row, digest)
    return (token, int(row["data_version"])) if token is not None and row is not None else (None, 0)


def _checked(row: Mapping[Any, Any] | None, digest: str) -> AccessToken | None:
    # The indexed lookup already matched; the constant-time comparison keeps any later change of the
    # lookup (prefix search, cache) from turning into a timing oracle on the stored hash.
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        return None
    return _token(row)


async def revoke_token(engine: AsyncEngine, token_or_id: str) -> AccessToken | None:
    """Revoke a token given by id (all digits) or plaintext; None when there is no such token."""
    if token_or_id.isascii() and token_or_id.isdigit():
        if int(token_or_id) > MAX_TOKEN_ID:  # beyond the id column's range: PostgreSQL would reject it
            return None
        where = access_tokens.c.id == int(token_or_id)
    else:
        where = access_tokens.c.token_hash == hash_token(token_or_id)
    async with engine.begin() as conn:
        # Revoking twice keeps the first revocation time, which is the one that matters in an audit.
        await conn.execute(
            update(access_tokens)
            .where(where, access_tokens.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        row = (await conn.execute(select(*_COLUMNS).where(where))).mappings().first()
    return _token(row) if row is not None else None
