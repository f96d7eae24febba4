"""The account chain the authorization policy walks (§5): an account and its ancestors, root first."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.queries.permissions import get_account_chain
from analytics_gateway.storage.tables import accounts
from tests._sql import recorded_statements

# id → parent: a four-level tree (1 ← 2 ← 3 ← 4), a deleted middle account (6 under 5, deleted, under 1),
# an account whose parent is not in the export (7 → 99), and a cycle from a corrupt export (8 ↔ 9).
TREE = {1: None, 2: 1, 3: 2, 4: 3, 5: 1, 6: 5, 7: 99, 8: 9, 9: 8}


@pytest.fixture
async def tree(engine: AsyncEngine) -> AsyncEngine:
    rows = [
        {
            "id": account,
            "parent_account_id": parent,
            "workflow_state": "deleted" if account == 5 else "active",
            "meta_ts": datetime(2026, 1, 1),
        }
        for account, parent in TREE.items()
    ]
    async with engine.begin() as conn:
        await conn.execute(accounts.insert(), rows)
    return engine


@pytest.mark.parametrize(
    ("account", "chain"),
    [
        (1, [1]),
        (4, [1, 2, 3, 4]),
        (6, [1, 5, 6]),  # deleted ancestors are still ancestors: the tree is the tree
        (7, [99, 7]),  # a parent missing from the export ends the chain
        (42, [42]),  # an unknown account is its own chain
        (8, [9, 8]),  # a cycle stops at its first repeat
    ],
)
async def test_chain(tree: AsyncEngine, account: int, chain: list[int]) -> None:
    async with tree.connect() as conn:
        assert await get_account_chain(conn=conn, account_id=account) == chain


async def test_chain_is_one_statement_whatever_the_depth(tree: AsyncEngine) -> None:
    async with tree.connect() as conn:
        with recorded_statements(tree) as sent:
            await get_account_chain(conn=conn, account_id=4)
    assert len(sent) == 1, sent
