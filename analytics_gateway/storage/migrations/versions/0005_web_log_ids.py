"""web_logs rows keyed by an append-order seq; their ids indexed by 64-bit hash in web_log_ids

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

An index on random UUID text made every imported page view a random insert into a B-tree as large as the
table (the importer's main cost). Rows now append under ``seq``; ``web_log_ids`` maps a hash of each id to
its row (a different id with the same hash goes to ``web_log_id_overflow``). The participations index loses
its timestamp column. Existing rows are copied in id order and their ids registered; that takes minutes for
tens of millions of rows.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_PARTICIPATING = "participated AND real_user_id IS NULL"
_COLUMNS = (
    "id, timestamp, user_id, real_user_id, course_id, url, http_method, http_status, "
    "web_application_controller, web_application_action, web_application_context_type, "
    "web_application_context_id, participated, meta_ts"
).replace("timestamp,", '"timestamp",', 1)
_CHUNK = 50_000


def _value_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("timestamp", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("real_user_id", sa.BigInteger(), nullable=True),
        sa.Column("course_id", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("http_method", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Text(), nullable=True),
        sa.Column("web_application_controller", sa.Text(), nullable=True),
        sa.Column("web_application_action", sa.Text(), nullable=True),
        sa.Column("web_application_context_type", sa.Text(), nullable=True),
        sa.Column("web_application_context_id", sa.BigInteger(), nullable=True),
        sa.Column("participated", sa.Boolean(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
    ]


def _replace_web_logs(copy: str, index_columns: list[str]) -> None:
    """Drop web_logs, rename its filled ``copy`` to it and index its participations on these columns."""
    op.drop_index(
        "ix_web_logs_participations",
        table_name="web_logs",
        sqlite_where=sa.text(_PARTICIPATING),
        postgresql_where=sa.text(_PARTICIPATING),
    )
    op.drop_table("web_logs")
    op.rename_table(copy, "web_logs")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE web_logs RENAME CONSTRAINT pk_{copy} TO pk_web_logs")
    _participations_index(index_columns)


def _participations_index(columns: list[str]) -> None:
    op.create_index(
        "ix_web_logs_participations",
        "web_logs",
        columns,
        unique=False,
        sqlite_where=sa.text(_PARTICIPATING),
        postgresql_where=sa.text(_PARTICIPATING),
    )


def _hash(web_log_id: str) -> int:
    # Frozen copy of storage/_weblog_ids.id_hash: a migration must not change when that module does.
    return int.from_bytes(blake2b(web_log_id.encode(), digest_size=8).digest(), "big", signed=True)


def _register_ids(bind: sa.Connection) -> None:
    """Fill web_log_ids (and the overflow table) from the copied rows, a chunk of rows at a time."""
    ids = sa.table("web_log_ids", sa.column("id_hash"), sa.column("seq"))
    overflow = sa.table("web_log_id_overflow", sa.column("id"), sa.column("seq"))
    page = sa.text("SELECT seq, id FROM web_logs WHERE seq > :after ORDER BY seq LIMIT :n")
    after = 0
    while True:
        rows = bind.execute(page, {"after": after, "n": _CHUNK}).all()
        if not rows:
            return
        after = rows[-1][0]
        by_hash: dict[int, tuple[int, str]] = {}
        spill: list[dict[str, Any]] = []
        for seq, web_log_id in rows:
            h = _hash(web_log_id)
            if h in by_hash:  # two ids of this chunk share a hash
                spill.append({"id": web_log_id, "seq": seq})
            else:
                by_hash[h] = (seq, web_log_id)
        taken = set(
            bind.execute(sa.select(ids.c.id_hash).where(ids.c.id_hash.in_(sorted(by_hash)))).scalars()
        )
        spill += [{"id": i, "seq": s} for h, (s, i) in by_hash.items() if h in taken]
        fresh = [{"id_hash": h, "seq": s} for h, (s, _) in sorted(by_hash.items()) if h not in taken]
        if fresh:
            bind.execute(ids.insert(), fresh)
        if spill:
            bind.execute(overflow.insert(), spill)


def upgrade() -> None:
    op.create_table(
        "web_logs_v5",
        sa.Column("seq", _ID, autoincrement=False, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        *_value_columns(),
        sa.PrimaryKeyConstraint("seq", name="pk_web_logs_v5"),
    )
    op.execute(
        f"INSERT INTO web_logs_v5 (seq, {_COLUMNS}) "
        f"SELECT row_number() OVER (ORDER BY id), {_COLUMNS} FROM web_logs"
    )
    # Without the timestamp: cheaper to keep up to date, and a student's participations are few.
    _replace_web_logs("web_logs_v5", ["course_id", "user_id"])
    op.create_table(
        "web_log_ids",
        sa.Column("id_hash", _ID, autoincrement=False, nullable=False),
        sa.Column("seq", _ID, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_log_ids")),
    )
    op.create_table(
        "web_log_id_overflow",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("seq", _ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_log_id_overflow")),
    )
    _register_ids(op.get_bind())


def downgrade() -> None:
    op.drop_table("web_log_id_overflow")
    op.drop_table("web_log_ids")
    op.create_table(
        "web_logs_v4",
        sa.Column("id", sa.String(length=64), autoincrement=False, nullable=False),
        *_value_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_web_logs_v4"),
    )
    op.execute(f"INSERT INTO web_logs_v4 ({_COLUMNS}) SELECT {_COLUMNS} FROM web_logs")
    _replace_web_logs("web_logs_v4", ["course_id", "user_id", "timestamp"])
