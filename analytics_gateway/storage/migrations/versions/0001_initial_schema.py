"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column("purpose", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "account_users",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_users")),
    )
    with op.batch_alter_table("account_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_users_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_users_user_id"), ["user_id"], unique=False)

    op.create_table(
        "accounts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("parent_account_id", sa.BigInteger(), nullable=True),
        sa.Column("root_account_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("sis_source_id", sa.Text(), nullable=True),
        sa.Column("uuid", sa.Text(), nullable=True),
        sa.Column("default_time_zone", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_parent_account_id"), ["parent_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_sis_source_id"), ["sis_source_id"], unique=False)

    op.create_table(
        "assignment_override_students",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("assignment_override_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("assignment_id", sa.BigInteger(), nullable=True),
        sa.Column("quiz_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_override_students")),
    )
    with op.batch_alter_table("assignment_override_students", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_override_students_assignment_id_user_id"),
            ["assignment_id", "user_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assignment_override_students_assignment_override_id"),
            ["assignment_override_id"],
            unique=False,
        )

    op.create_table(
        "assignment_overrides",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("assignment_id", sa.BigInteger(), nullable=True),
        sa.Column("quiz_id", sa.BigInteger(), nullable=True),
        sa.Column("set_type", sa.Text(), nullable=True),
        sa.Column("set_id", sa.BigInteger(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("unlock_at", sa.DateTime(), nullable=True),
        sa.Column("lock_at", sa.DateTime(), nullable=True),
        sa.Column("due_at_overridden", sa.Boolean(), nullable=True),
        sa.Column("unlock_at_overridden", sa.Boolean(), nullable=True),
        sa.Column("lock_at_overridden", sa.Boolean(), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_overrides")),
    )
    with op.batch_alter_table("assignment_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_overrides_assignment_id"), ["assignment_id"], unique=False
        )

    op.create_table(
        "assignments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("points_possible", sa.Float(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("unlock_at", sa.DateTime(), nullable=True),
        sa.Column("lock_at", sa.DateTime(), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=True),
        sa.Column("submission_types", sa.Text(), nullable=True),
        sa.Column("grading_type", sa.Text(), nullable=True),
        sa.Column("assignment_group_id", sa.BigInteger(), nullable=True),
        sa.Column("only_visible_to_overrides", sa.Boolean(), nullable=True),
        sa.Column("omit_from_final_grade", sa.Boolean(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_context_id"), ["context_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("file_state", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("folder_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_context_id"), ["context_id"], unique=False)

    op.create_table(
        "content_tags",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("tag_type", sa.Text(), nullable=True),
        sa.Column("context_module_id", sa.BigInteger(), nullable=True),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("content_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_tags")),
    )
    with op.batch_alter_table("content_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_tags_content_type_content_id"),
            ["content_type", "content_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_content_tags_context_module_id"), ["context_module_id"], unique=False
        )

    op.create_table(
        "context_modules",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("unlock_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_modules")),
    )
    with op.batch_alter_table("context_modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_context_modules_context_id"), ["context_id"], unique=False)

    op.create_table(
        "conversation_message_participants",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("conversation_message_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_message_participants")),
    )
    with op.batch_alter_table("conversation_message_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_message_participants_conversation_message_id"),
            ["conversation_message_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_message_participants_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "conversation_messages",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("conversation_id", sa.BigInteger(), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("generated", sa.Boolean(), nullable=True),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_messages_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_conversation_messages_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "conversations",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversations_context_id"), ["context_id"], unique=False)

    op.create_table(
        "course_sections",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("course_id", sa.BigInteger(), nullable=True),
        sa.Column("root_account_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("nonxlist_course_id", sa.BigInteger(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=True),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("restrict_enrollments_to_section_dates", sa.Boolean(), nullable=True),
        sa.Column("sis_source_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_sections")),
    )
    with op.batch_alter_table("course_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_sections_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_sections_sis_source_id"), ["sis_source_id"], unique=False)

    op.create_table(
        "courses",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("course_code", sa.Text(), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("root_account_id", sa.BigInteger(), nullable=True),
        sa.Column("enrollment_term_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=True),
        sa.Column("conclude_at", sa.DateTime(), nullable=True),
        sa.Column("restrict_enrollments_to_course_dates", sa.Boolean(), nullable=True),
        sa.Column("sis_source_id", sa.Text(), nullable=True),
        sa.Column("uuid", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.Text(), nullable=True),
        sa.Column("settings", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_courses_account_id_enrollment_term_id"),
            ["account_id", "enrollment_term_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_courses_enrollment_term_id"), ["enrollment_term_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_courses_sis_source_id"), ["sis_source_id"], unique=False)

    op.create_table(
        "dap_tombstones",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "key", name=op.f("pk_dap_tombstones")),
    )
    op.create_table(
        "discussion_topics",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("assignment_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("delayed_post_at", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_topics")),
    )
    with op.batch_alter_table("discussion_topics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_topics_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discussion_topics_context_id"), ["context_id"], unique=False)

    op.create_table(
        "enrollment_terms",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("root_account_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("term_code", sa.Text(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=True),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("sis_source_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_terms")),
    )
    with op.batch_alter_table("enrollment_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrollment_terms_root_account_id"), ["root_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enrollment_terms_sis_source_id"), ["sis_source_id"], unique=False
        )

    op.create_table(
        "enrollments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("course_id", sa.BigInteger(), nullable=True),
        sa.Column("course_section_id", sa.BigInteger(), nullable=True),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("root_account_id", sa.BigInteger(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("associated_user_id", sa.BigInteger(), nullable=True),
        sa.Column("limit_privileges_to_course_section", sa.Boolean(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=True),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(), nullable=True),
        sa.Column("total_activity_time", sa.BigInteger(), nullable=True),
        sa.Column("sis_pseudonym_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrollments_course_id_type_workflow_state"),
            ["course_id", "type", "workflow_state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_enrollments_course_section_id"), ["course_section_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrollments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "media_objects",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("media_id", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_objects")),
    )
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_objects_context_id"), ["context_id"], unique=False)

    op.create_table(
        "page_view_course_daily",
        sa.Column("course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("participations", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "day", "category", name=op.f("pk_page_view_course_daily")),
    )
    op.create_table(
        "page_view_student_daily",
        sa.Column("course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("participations", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "user_id", "day", name=op.f("pk_page_view_student_daily")),
    )
    op.create_table(
        "page_view_student_hourly",
        sa.Column("course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("participations", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "user_id", "hour", name=op.f("pk_page_view_student_hourly")),
    )
    op.create_table(
        "progress",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("context_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("context_type", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("cache_key", sa.String(length=255), nullable=True),
        sa.Column("completion", sa.Float(), nullable=True),
        sa.Column("workflow_state", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("results", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress")),
    )
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_cache_key"), ["cache_key"], unique=False)

    op.create_table(
        "pseudonyms",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("unique_id", sa.Text(), nullable=True),
        sa.Column("sis_user_id", sa.Text(), nullable=True),
        sa.Column("integration_id", sa.Text(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pseudonyms")),
    )
    with op.batch_alter_table("pseudonyms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pseudonyms_sis_user_id"), ["sis_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pseudonyms_user_id"), ["user_id"], unique=False)
    # Case-insensitive login lookups (sis_login_id:); autogenerate cannot compare expression indexes.
    op.create_index(
        "ix_pseudonyms_lower_unique_id", "pseudonyms", [sa.text("lower(unique_id)")], unique=False
    )

    op.create_table(
        "role_overrides",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("permission", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=True),
        sa.Column("applies_to_self", sa.Boolean(), nullable=True),
        sa.Column("applies_to_descendants", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_overrides")),
    )
    with op.batch_alter_table("role_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_overrides_role_id_permission"), ["role_id", "permission"], unique=False
        )

    op.create_table(
        "roles",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("root_account_id", sa.BigInteger(), nullable=True),
        sa.Column("base_role_type", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
    )
    op.create_table(
        "scores",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("enrollment_id", sa.BigInteger(), nullable=True),
        sa.Column("course_score", sa.Boolean(), nullable=True),
        sa.Column("grading_period_id", sa.BigInteger(), nullable=True),
        sa.Column("assignment_group_id", sa.BigInteger(), nullable=True),
        sa.Column("current_score", sa.Float(), nullable=True),
        sa.Column("final_score", sa.Float(), nullable=True),
        sa.Column("unposted_current_score", sa.Float(), nullable=True),
        sa.Column("unposted_final_score", sa.Float(), nullable=True),
        sa.Column("override_score", sa.Float(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scores_enrollment_id"), ["enrollment_id"], unique=False)

    op.create_table(
        "submission_comments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("submission_id", sa.BigInteger(), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("context_id", sa.BigInteger(), nullable=True),
        sa.Column("context_type", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("draft", sa.Boolean(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=True),
        sa.Column("teacher_only_comment", sa.Boolean(), nullable=True),
        sa.Column("attempt", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_comments")),
    )
    with op.batch_alter_table("submission_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_comments_context_id"), ["context_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_submission_comments_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "submissions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("assignment_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("course_id", sa.BigInteger(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("submission_type", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("cached_due_date", sa.DateTime(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.Text(), nullable=True),
        sa.Column("excused", sa.Boolean(), nullable=True),
        sa.Column("late_policy_status", sa.Text(), nullable=True),
        sa.Column("seconds_late_override", sa.BigInteger(), nullable=True),
        sa.Column("points_deducted", sa.Float(), nullable=True),
        sa.Column("cached_tardiness", sa.Text(), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("graded_at", sa.DateTime(), nullable=True),
        sa.Column("grader_id", sa.BigInteger(), nullable=True),
        sa.Column("attempt", sa.BigInteger(), nullable=True),
        sa.Column("custom_grade_status_id", sa.BigInteger(), nullable=True),
        sa.Column("grading_period_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submissions_assignment_id_user_id"), ["assignment_id", "user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submissions_course_id_user_id"), ["course_id", "user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submissions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "users",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("sortable_name", sa.Text(), nullable=True),
        sa.Column("short_name", sa.Text(), nullable=True),
        sa.Column("workflow_state", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.Text(), nullable=True),
        sa.Column("merged_into_user_id", sa.BigInteger(), nullable=True),
        sa.Column("uuid", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("meta_ts", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "web_logs",
        sa.Column("id", sa.String(length=64), autoincrement=False, nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_logs")),
    )
    with op.batch_alter_table("web_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_web_logs_participations",
            ["course_id", "user_id", "timestamp"],
            unique=False,
            sqlite_where=sa.text("participated AND real_user_id IS NULL"),
            postgresql_where=sa.text("participated AND real_user_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("web_logs", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_web_logs_participations",
            sqlite_where=sa.text("participated AND real_user_id IS NULL"),
            postgresql_where=sa.text("participated AND real_user_id IS NULL"),
        )

    op.drop_table("web_logs")
    op.drop_table("users")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_course_id_user_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_assignment_id_user_id"))

    op.drop_table("submissions")
    with op.batch_alter_table("submission_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_comments_submission_id"))
        batch_op.drop_index(batch_op.f("ix_submission_comments_context_id"))

    op.drop_table("submission_comments")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scores_enrollment_id"))

    op.drop_table("scores")
    op.drop_table("roles")
    with op.batch_alter_table("role_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_overrides_role_id_permission"))

    op.drop_table("role_overrides")
    op.drop_index("ix_pseudonyms_lower_unique_id", table_name="pseudonyms")
    with op.batch_alter_table("pseudonyms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pseudonyms_user_id"))
        batch_op.drop_index(batch_op.f("ix_pseudonyms_sis_user_id"))

    op.drop_table("pseudonyms")
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_cache_key"))

    op.drop_table("progress")
    op.drop_table("page_view_student_hourly")
    op.drop_table("page_view_student_daily")
    op.drop_table("page_view_course_daily")
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_objects_context_id"))

    op.drop_table("media_objects")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_course_section_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_course_id_type_workflow_state"))

    op.drop_table("enrollments")
    with op.batch_alter_table("enrollment_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_terms_sis_source_id"))
        batch_op.drop_index(batch_op.f("ix_enrollment_terms_root_account_id"))

    op.drop_table("enrollment_terms")
    with op.batch_alter_table("discussion_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_topics_context_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_topics_assignment_id"))

    op.drop_table("discussion_topics")
    op.drop_table("dap_tombstones")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_sis_source_id"))
        batch_op.drop_index(batch_op.f("ix_courses_enrollment_term_id"))
        batch_op.drop_index(batch_op.f("ix_courses_account_id_enrollment_term_id"))

    op.drop_table("courses")
    with op.batch_alter_table("course_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_sections_sis_source_id"))
        batch_op.drop_index(batch_op.f("ix_course_sections_course_id"))

    op.drop_table("course_sections")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_context_id"))

    op.drop_table("conversations")
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_messages_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_messages_author_id"))

    op.drop_table("conversation_messages")
    with op.batch_alter_table("conversation_message_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_message_participants_user_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_message_participants_conversation_message_id"))

    op.drop_table("conversation_message_participants")
    with op.batch_alter_table("context_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_context_modules_context_id"))

    op.drop_table("context_modules")
    with op.batch_alter_table("content_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_tags_context_module_id"))
        batch_op.drop_index(batch_op.f("ix_content_tags_content_type_content_id"))

    op.drop_table("content_tags")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_context_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_context_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("assignment_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_overrides_assignment_id"))

    op.drop_table("assignment_overrides")
    with op.batch_alter_table("assignment_override_students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_override_students_assignment_override_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_override_students_assignment_id_user_id"))

    op.drop_table("assignment_override_students")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_sis_source_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_parent_account_id"))

    op.drop_table("accounts")
    with op.batch_alter_table("account_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_users_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_users_account_id"))

    op.drop_table("account_users")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_user_id"))

    op.drop_table("access_tokens")
