"""The department's account tree walk (behaviour §3.2, CONTRACT §3.9): pure, no database."""

from __future__ import annotations

from analytics_gateway.resolvers.department import department_tree
from analytics_gateway.storage.queries.department import AccountNode


def _node(id: int, parent: int | None, state: str | None = "active") -> AccountNode:
    return AccountNode(id, parent, state, f"A{id}")


def test_branches_and_direct_children() -> None:
    # 1 ─┬─ 2 ── 5 ── 9
    #    ├─ 3 (deleted) ── 6
    #    ├─ 4 (state NULL) ── 7 (deleted) ── 8
    #    └─ 10
    # 11 (another tree)
    nodes = [
        _node(10, 1),
        _node(1, None),
        _node(2, 1),
        _node(3, 1, "deleted"),
        _node(4, 1, None),
        _node(5, 2),
        _node(6, 3),
        _node(7, 4, "deleted"),
        _node(8, 7),
        _node(9, 5),
        _node(11, None),
    ]
    direct, branch = department_tree(nodes, 1)
    assert [n.id for n in direct] == [2, 4, 10]
    assert branch == {1: 1, 2: 2, 5: 2, 9: 2, 4: 4, 10: 10}


def test_a_leaf_has_only_itself() -> None:
    direct, branch = department_tree([_node(1, None), _node(2, 1)], 2)
    assert (direct, branch) == ([], {2: 2})


def test_cycles_end() -> None:
    # 1 → 2 → 3 → 1 (a corrupt export) and 4 its own parent.
    nodes = [_node(1, 3), _node(2, 1), _node(3, 2), _node(4, 4), _node(5, 4)]
    direct, branch = department_tree(nodes, 1)
    assert [n.id for n in direct] == [2]
    assert branch == {1: 1, 2: 2, 3: 2}
    direct, branch = department_tree(nodes, 4)
    assert [n.id for n in direct] == [5]
    assert branch == {4: 4, 5: 5}
