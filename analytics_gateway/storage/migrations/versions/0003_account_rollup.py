"""page views per (account, term, course state, day, category) for the department routes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "page_view_account_daily",
        sa.Column("account_id", id_type, nullable=False),
        sa.Column("term_id", id_type, nullable=False),
        sa.Column("workflow_state", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("participations", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id",
            "term_id",
            "workflow_state",
            "day",
            "category",
            name=op.f("pk_page_view_account_daily"),
        ),
    )
    # A database imported before this revision already has course rollups: derive the new one from them.
    op.execute(
        "INSERT INTO page_view_account_daily "
        "(account_id, term_id, workflow_state, day, category, views, participations) "
        "SELECT c.account_id, c.enrollment_term_id, c.workflow_state, r.day, r.category, "
        "sum(r.views), sum(r.participations) "
        "FROM page_view_course_daily r JOIN courses c ON c.id = r.course_id "
        "WHERE c.account_id IS NOT NULL AND c.enrollment_term_id IS NOT NULL "
        "AND c.workflow_state IS NOT NULL "
        "GROUP BY c.account_id, c.enrollment_term_id, c.workflow_state, r.day, r.category"
    )


def downgrade() -> None:
    op.drop_table("page_view_account_daily")
