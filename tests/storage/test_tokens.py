"""Access tokens: hashed storage, scopes, expiry and revocation on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.tables import access_tokens
from analytics_gateway.storage.tokens import (
    TOKEN_PREFIX,
    create_token,
    find_token,
    hash_token,
    revoke_token,
    utcnow,
    validate_scope,
)

SCOPE = "url:GET|/api/v1/courses/:course_id/analytics/activity"


async def test_create_then_find(engine: AsyncEngine) -> None:
    token, plaintext = await create_token(engine, user_id=7, scopes=[SCOPE], purpose="dashboards")
    assert plaintext.startswith(TOKEN_PREFIX)
    assert len(plaintext) - len(TOKEN_PREFIX) >= 43  # at least 256 bits of URL-safe base64
    assert token.user_id == 7
    assert token.scopes == (SCOPE,)
    assert token.purpose == "dashboards"
    assert token.revoked_at is None
    assert token.expires_at is None
    assert token.is_active()

    found = await find_token(engine, plaintext)
    assert found == token
    assert await find_token(engine, plaintext + "x") is None
    assert await find_token(engine, "") is None


async def test_tokens_are_unique(engine: AsyncEngine) -> None:
    (a, pa), (b, pb) = await create_token(engine, user_id=1), await create_token(engine, user_id=1)
    assert pa != pb
    assert a.id != b.id


async def test_only_the_hash_is_stored(engine: AsyncEngine) -> None:
    _, plaintext = await create_token(engine, user_id=3)
    async with engine.connect() as conn:
        rows = [tuple(r) for r in await conn.execute(select(access_tokens))]
    assert len(rows) == 1
    assert hash_token(plaintext) in rows[0]
    assert not any(plaintext in str(value) for value in rows[0])
    assert not any(plaintext[len(TOKEN_PREFIX) :] in str(value) for value in rows[0])


async def test_unscoped_token(engine: AsyncEngine) -> None:
    token, plaintext = await create_token(engine, user_id=3)
    assert token.scopes is None
    found = await find_token(engine, plaintext)
    assert found is not None
    assert found.scopes is None


async def test_scopes_are_deduplicated_in_order(engine: AsyncEngine) -> None:
    other = "url:GET|/api/v1/users/:user_id/analytics/activity"  # not a real route; the shape is what counts
    token, plaintext = await create_token(engine, user_id=3, scopes=[other, SCOPE, other])
    assert token.scopes == (other, SCOPE)
    found = await find_token(engine, plaintext)
    assert found is not None
    assert found.scopes == (other, SCOPE)


async def test_expiry_is_stored_as_naive_utc(engine: AsyncEngine) -> None:
    local = timezone(timedelta(hours=2))
    expires = datetime(2030, 5, 1, 12, 30, tzinfo=local)
    token, plaintext = await create_token(engine, user_id=3, expires_at=expires)
    assert token.expires_at == datetime(2030, 5, 1, 10, 30)
    found = await find_token(engine, plaintext)
    assert found is not None
    assert found.expires_at == datetime(2030, 5, 1, 10, 30)
    assert found.is_active(now=datetime(2030, 5, 1, 10, 29))
    assert not found.is_active(now=datetime(2030, 5, 1, 10, 30))


async def test_expired_tokens_are_still_found(engine: AsyncEngine) -> None:
    # find_token does not judge expiry: the auth layer answers expired tokens differently from unknown ones.
    past = datetime.now(UTC) - timedelta(days=1)
    token, plaintext = await create_token(engine, user_id=3, expires_at=past)
    found = await find_token(engine, plaintext)
    assert found == token
    assert not found.is_active()


BAD_SCOPES = [
    "",
    "read",
    "url:GET|/api/v2/courses",
    "url:FETCH|/api/v1/courses",
    "url:get|/api/v1/courses",
    "url:GET|/api/v1/courses/:id |x",
    "GET /api/v1/courses",
]


async def test_bad_scope_is_rejected(engine: AsyncEngine) -> None:
    for scope in BAD_SCOPES:
        with pytest.raises(ValueError, match="invalid scope"):
            await create_token(engine, user_id=3, scopes=[SCOPE, scope])
    async with engine.connect() as conn:
        assert list(await conn.execute(select(access_tokens.c.id))) == []  # nothing half-created


def test_validate_scope_accepts_canvas_scopes() -> None:
    for scope in (
        SCOPE,
        "url:GET|/api/v1/accounts/:account_id/analytics/terms/:term_id/activity",
        "url:POST|/api/v1/courses/:course_id/assignments",
    ):
        assert validate_scope(scope) == scope


async def test_revoke_by_plaintext(engine: AsyncEngine) -> None:
    token, plaintext = await create_token(engine, user_id=3)
    before = utcnow()
    revoked = await revoke_token(engine, plaintext)
    assert revoked is not None
    assert revoked.id == token.id
    assert revoked.revoked_at is not None
    assert revoked.revoked_at >= before - timedelta(seconds=1)
    assert not revoked.is_active()
    found = await find_token(engine, plaintext)
    assert found == revoked


async def test_revoke_by_id_keeps_the_first_revocation(engine: AsyncEngine) -> None:
    token, _ = await create_token(engine, user_id=3)
    other, other_plaintext = await create_token(engine, user_id=4)
    first = await revoke_token(engine, str(token.id))
    assert first is not None
    assert first.revoked_at is not None
    again = await revoke_token(engine, str(token.id))
    assert again == first
    untouched = await find_token(engine, other_plaintext)
    assert untouched == other


async def test_revoke_unknown(engine: AsyncEngine) -> None:
    assert await revoke_token(engine, "12345") is None
    assert await revoke_token(engine, "99999999999999999999") is None
    assert await revoke_token(engine, TOKEN_PREFIX + "nope") is None
