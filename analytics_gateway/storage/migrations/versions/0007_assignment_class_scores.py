"""assignment_class_scores: each assignment's score distribution over its course's current students

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

One student's S2 read every submission of the course for the class's statistics; it now reads a few
rows per assignment, which the importer keeps (storage/_class_scores.py). A database imported before this
revision gets the table computed here from its submissions, assignments and enrollments.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "assignment_class_scores",
        sa.Column("assignment_id", _ID, nullable=False),
        sa.Column("scored", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("course_id", _ID, nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("unposted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "scored", "score", name=op.f("pk_assignment_class_scores")),
    )
    # The importer's rule as of this revision: live submissions of a course's assignments, per (assignment,
    # student) the lowest id, of current students of the course; grouped by score (one row for no score).
    op.execute(
        "INSERT INTO assignment_class_scores"
        " (course_id, assignment_id, scored, score, submissions, shown, unposted) "
        "SELECT course_id, assignment_id, scored, score, count(*), sum(shown), sum(unposted) FROM ("
        " SELECT a.context_id AS course_id, s.assignment_id AS assignment_id, s.user_id AS user_id,"
        "  (s.score IS NOT NULL) AS scored, coalesce(s.score, 0.0) AS score,"
        "  CASE WHEN s.score IS NOT NULL OR s.submitted_at IS NOT NULL THEN 1 ELSE 0 END AS shown,"
        "  CASE WHEN (s.score IS NOT NULL OR s.workflow_state = 'graded') AND s.posted_at IS NULL"
        "   THEN 1 ELSE 0 END AS unposted,"
        "  row_number() OVER (PARTITION BY s.assignment_id, s.user_id ORDER BY s.id) AS n"
        " FROM submissions s JOIN assignments a ON a.id = s.assignment_id AND a.context_type = 'Course'"
        " WHERE s.user_id IS NOT NULL AND (s.workflow_state IS NULL OR s.workflow_state != 'deleted')"
        ") AS live WHERE n = 1 AND EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = live.course_id"
        " AND e.user_id = live.user_id AND e.type = 'StudentEnrollment'"
        " AND e.workflow_state IN ('active', 'completed'))"
        " GROUP BY course_id, assignment_id, scored, score"
    )
    op.create_index("ix_assignment_class_scores_course_id", "assignment_class_scores", ["course_id"])
    # An upgraded database's rows get the planner's statistics on PostgreSQL (a new, empty one needs none).
    bind = op.get_bind()
    computed = bind.execute(sa.text("SELECT EXISTS (SELECT 1 FROM assignment_class_scores)")).scalar()
    if bind.dialect.name == "postgresql" and computed:
        op.execute("ANALYZE assignment_class_scores")


def downgrade() -> None:
    op.drop_table("assignment_class_scores")
