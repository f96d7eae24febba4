"""course_score_counts, account_grade_counts: students per current score, for department grades;
the enrollments index by course, type and state also holds user_id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Department grades read every enrollment and score of a department's courses (tens of thousands of rows
for a large term); they now sum per-account bucket counts instead, which the importer keeps
(storage/_score_counts.py). A database imported before this revision gets both tables computed here from
its enrollments, scores and courses. Department statistics count distinct people of the course set:
with ``user_id`` in the index they read no enrollment rows.
"""

from __future__ import annotations

import math
from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "course_score_counts",
        sa.Column("course_id", _ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "score", name=op.f("pk_course_score_counts")),
    )
    # The importer's rule as of this revision: current student enrollments, the overall course score, per
    # (course, student) the first score by enrollment id then score id; unscored students not counted.
    op.execute(
        "INSERT INTO course_score_counts (course_id, score, students) "
        "SELECT course_id, score, count(*) FROM ("
        " SELECT e.course_id AS course_id, s.current_score AS score,"
        "  row_number() OVER (PARTITION BY e.course_id, e.user_id ORDER BY e.id, s.id) AS n"
        " FROM enrollments e JOIN scores s ON s.enrollment_id = e.id AND s.course_score"
        "  AND s.grading_period_id IS NULL AND s.workflow_state != 'deleted'"
        "  AND s.current_score IS NOT NULL"
        " WHERE e.type = 'StudentEnrollment' AND e.workflow_state IN ('active', 'completed')"
        "  AND e.user_id IS NOT NULL AND e.course_id IS NOT NULL"
        ") AS scored WHERE n = 1 GROUP BY course_id, score"
    )
    op.create_table(
        "account_grade_counts",
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("term_id", _ID, nullable=False),
        sa.Column("workflow_state", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "term_id", "workflow_state", "bucket", name=op.f("pk_account_grade_counts")
        ),
    )
    bind = op.get_bind()
    found = bind.execute(
        sa.text(
            "SELECT c.account_id, c.enrollment_term_id, c.workflow_state, n.score, n.students "
            "FROM course_score_counts n JOIN courses c ON c.id = n.course_id "
            "WHERE c.account_id IS NOT NULL AND c.enrollment_term_id IS NOT NULL "
            "AND c.workflow_state IS NOT NULL"
        )
    )
    totals: Counter[tuple[int, int, str, int]] = Counter()
    for account_id, term_id, state, score, students in found:
        # The bucket rule as of this revision: round half to even, then keep 0..100.
        if score is not None and math.isfinite(score) and 0 <= (bucket := round(score)) <= 100:
            totals[(account_id, term_id, state, bucket)] += students
    if totals:
        bind.execute(
            sa.text(
                "INSERT INTO account_grade_counts (account_id, term_id, workflow_state, bucket, students) "
                "VALUES (:a, :t, :s, :b, :n)"
            ),
            [{"a": k[0], "t": k[1], "s": k[2], "b": k[3], "n": v} for k, v in totals.items()],
        )

    op.drop_index("ix_enrollments_course_id_type_workflow_state", table_name="enrollments")
    op.create_index(
        "ix_enrollments_course_id_type_workflow_state_user_id",
        "enrollments",
        ["course_id", "type", "workflow_state", "user_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_enrollments_course_id_type_workflow_state_user_id", table_name="enrollments")
    op.create_index(
        "ix_enrollments_course_id_type_workflow_state", "enrollments", ["course_id", "type", "workflow_state"]
    )
    op.drop_table("account_grade_counts")
    op.drop_table("course_score_counts")
