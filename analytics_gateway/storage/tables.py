"""Table definitions: the Canvas Data 2 (DAP) tables we import, page-view rollups, tokens, progress.

DAP tables keep DAP's table and column names (canvas-data-2-import.md §2.2) and no foreign keys, as
`dap syncdb` does: exports routinely reference rows that are not in them (web_logs users from other
institutions, enrollments of purged users). Every DAP table carries `meta_ts`, the newest `meta.ts` applied
to the row, so that an older file applied later can never overwrite newer data (CONTRACT §2).

Timestamps are naive UTC everywhere. Alembic migrations (``storage/migrations``) are the only way these
tables are created; a test checks that the migrations and this module agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.types import TypeEngine

__all__ = [
    "DAP_TABLES",
    "PARTICIPATING_PAGE_VIEW",
    "ColumnKind",
    "DapTableSpec",
    "access_tokens",
    "account_grade_counts",
    "assignment_class_scores",
    "course_score_counts",
    "dap_tombstones",
    "import_log",
    "import_scope",
    "metadata",
    "page_view_account_daily",
    "page_view_course_daily",
    "page_view_student_daily",
    "page_view_student_hourly",
    "progress",
    "web_log_id_overflow",
    "web_log_ids",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# SQLite makes only `INTEGER PRIMARY KEY` an alias of the rowid; BIGINT would add a second index.
IdType: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")


class ColumnKind(Enum):
    """How the importer converts an exported value for a column."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DATE = "date"
    TEXT = "text"
    JSON = "json"  # nested objects / arrays, stored as JSON text


_SQL_TYPES: dict[ColumnKind, type[TypeEngine[Any]]] = {
    ColumnKind.INT: BigInteger,
    ColumnKind.FLOAT: Float,
    ColumnKind.BOOL: Boolean,
    ColumnKind.TIMESTAMP: DateTime,
    ColumnKind.DATE: Date,
    ColumnKind.TEXT: Text,
    ColumnKind.JSON: Text,
}


@dataclass(frozen=True)
class DapTableSpec:
    """One imported DAP table: its SQLAlchemy table and the kind of every value column."""

    name: str
    table: Table
    key: str
    key_kind: ColumnKind
    columns: dict[str, ColumnKind]


DAP_TABLES: dict[str, DapTableSpec] = {}

INT, F, B, TS, D, T, J = (
    ColumnKind.INT,
    ColumnKind.FLOAT,
    ColumnKind.BOOL,
    ColumnKind.TIMESTAMP,
    ColumnKind.DATE,
    ColumnKind.TEXT,
    ColumnKind.JSON,
)


def _dap(
    name: str,
    columns: dict[str, ColumnKind],
    indexes: list[tuple[str, ...]],
    *,
    key_kind: ColumnKind = ColumnKind.INT,
    surrogate_key: bool = False,
) -> Table:
    key_type: TypeEngine[Any] = IdType if key_kind is ColumnKind.INT else String(64)
    cols: list[Column[Any]]
    if surrogate_key:  # rows keyed by an append-order `seq`; `id` is unique through another table
        cols = [
            Column("seq", IdType, primary_key=True, autoincrement=False),
            Column("id", key_type, nullable=False),
        ]
    else:
        cols = [Column("id", key_type, primary_key=True, autoincrement=False)]
    for col, kind in columns.items():
        cols.append(Column(col, _SQL_TYPES[kind]))
    cols.append(Column("meta_ts", DateTime, nullable=False))
    table = Table(name, metadata, *cols)
    for idx in indexes:
        Index(None, *(table.c[c] for c in idx))
    DAP_TABLES[name] = DapTableSpec(name, table, "id", key_kind, columns)
    return table


_STAMPS = {"created_at": TS, "updated_at": TS}

accounts = _dap(
    "accounts",
    {
        "name": T,
        "parent_account_id": INT,
        "root_account_id": INT,
        "workflow_state": T,
        "sis_source_id": T,
        "uuid": T,
        "default_time_zone": T,
        **_STAMPS,
    },
    [("parent_account_id",), ("sis_source_id",)],
)

enrollment_terms = _dap(
    "enrollment_terms",
    {
        "root_account_id": INT,
        "name": T,
        "term_code": T,
        "start_at": TS,
        "end_at": TS,
        "workflow_state": T,
        "sis_source_id": T,
        **_STAMPS,
    },
    [("root_account_id",), ("sis_source_id",)],
)

courses = _dap(
    "courses",
    {
        "name": T,
        "course_code": T,
        "account_id": INT,
        "root_account_id": INT,
        "enrollment_term_id": INT,
        "workflow_state": T,
        "start_at": TS,
        "conclude_at": TS,
        "restrict_enrollments_to_course_dates": B,
        "sis_source_id": T,
        "uuid": T,
        "time_zone": T,
        "settings": J,
        **_STAMPS,
    },
    [("account_id", "enrollment_term_id"), ("enrollment_term_id",), ("sis_source_id",)],
)

course_sections = _dap(
    "course_sections",
    {
        "course_id": INT,
        "root_account_id": INT,
        "name": T,
        "workflow_state": T,
        "nonxlist_course_id": INT,
        "start_at": TS,
        "end_at": TS,
        "restrict_enrollments_to_section_dates": B,
        "sis_source_id": T,
        **_STAMPS,
    },
    [("course_id",), ("sis_source_id",)],
)

users = _dap(
    "users",
    {
        "name": T,
        "sortable_name": T,
        "short_name": T,
        "workflow_state": T,
        "time_zone": T,
        "merged_into_user_id": INT,
        "uuid": T,
        "deleted_at": TS,
        **_STAMPS,
    },
    [],
)

pseudonyms = _dap(
    "pseudonyms",
    {
        "user_id": INT,
        "account_id": INT,
        "workflow_state": T,
        "unique_id": T,
        "sis_user_id": T,
        "integration_id": T,
        "position": INT,
        "deleted_at": TS,
        "last_login_at": TS,
        **_STAMPS,
    },
    [("user_id",), ("sis_user_id",)],
)
# Case-insensitive login lookups (`sis_login_id:`), as Canvas does.
Index("ix_pseudonyms_lower_unique_id", func.lower(pseudonyms.c.unique_id))

enrollments = _dap(
    "enrollments",
    {
        "user_id": INT,
        "course_id": INT,
        "course_section_id": INT,
        "role_id": INT,
        "root_account_id": INT,
        "type": T,
        "workflow_state": T,
        "associated_user_id": INT,
        "limit_privileges_to_course_section": B,
        "start_at": TS,
        "end_at": TS,
        "completed_at": TS,
        "last_activity_at": TS,
        "total_activity_time": INT,
        "sis_pseudonym_id": INT,
        **_STAMPS,
    },
    # user_id last: counting a department's distinct people reads the index alone (revision 0006).
    [("course_id", "type", "workflow_state", "user_id"), ("user_id",), ("course_section_id",)],
)

scores = _dap(
    "scores",
    {
        "enrollment_id": INT,
        "course_score": B,
        "grading_period_id": INT,
        "assignment_group_id": INT,
        "current_score": F,
        "final_score": F,
        "unposted_current_score": F,
        "unposted_final_score": F,
        "override_score": F,
        "workflow_state": T,
        **_STAMPS,
    },
    [("enrollment_id",)],
)

assignments = _dap(
    "assignments",
    {
        "context_id": INT,
        "context_type": T,
        "title": T,
        "workflow_state": T,
        "points_possible": F,
        "due_at": TS,
        "unlock_at": TS,
        "lock_at": TS,
        "all_day": B,
        "submission_types": J,
        "grading_type": T,
        "assignment_group_id": INT,
        "only_visible_to_overrides": B,
        "omit_from_final_grade": B,
        "position": INT,
        **_STAMPS,
    },
    [("context_id",)],
)

assignment_overrides = _dap(
    "assignment_overrides",
    {
        "assignment_id": INT,
        "quiz_id": INT,
        "set_type": T,
        "set_id": INT,
        "due_at": TS,
        "unlock_at": TS,
        "lock_at": TS,
        "due_at_overridden": B,
        "unlock_at_overridden": B,
        "lock_at_overridden": B,
        "all_day": B,
        "workflow_state": T,
        "title": T,
        **_STAMPS,
    },
    [("assignment_id",)],
)

assignment_override_students = _dap(
    "assignment_override_students",
    {
        "assignment_override_id": INT,
        "user_id": INT,
        "assignment_id": INT,
        "quiz_id": INT,
        "workflow_state": T,
        **_STAMPS,
    },
    [("assignment_override_id",), ("assignment_id", "user_id")],
)

submissions = _dap(
    "submissions",
    {
        "assignment_id": INT,
        "user_id": INT,
        "course_id": INT,
        "workflow_state": T,
        "submission_type": T,
        "submitted_at": TS,
        "cached_due_date": TS,
        "score": F,
        "grade": T,
        "excused": B,
        "late_policy_status": T,
        "seconds_late_override": INT,
        "points_deducted": F,
        "cached_tardiness": T,
        "posted_at": TS,
        "graded_at": TS,
        "grader_id": INT,
        "attempt": INT,
        "custom_grade_status_id": INT,
        "grading_period_id": INT,
        **_STAMPS,
    },
    [("assignment_id", "user_id"), ("course_id", "user_id"), ("user_id",)],
)

submission_comments = _dap(
    "submission_comments",
    {
        "submission_id": INT,
        "author_id": INT,
        "context_id": INT,
        "context_type": T,
        "comment": T,
        "draft": B,
        "hidden": B,
        "teacher_only_comment": B,
        "attempt": INT,
        **_STAMPS,
    },
    [("submission_id",), ("context_id",)],
)

context_modules = _dap(
    "context_modules",
    {
        "context_id": INT,
        "context_type": T,
        "name": T,
        "position": INT,
        "workflow_state": T,
        "unlock_at": TS,
        **_STAMPS,
    },
    [("context_id",)],
)

content_tags = _dap(
    "content_tags",
    {
        "tag_type": T,
        "context_module_id": INT,
        "context_id": INT,
        "context_type": T,
        "content_type": T,
        "content_id": INT,
        "position": INT,
        "title": T,
        "url": T,
        "workflow_state": T,
        **_STAMPS,
    },
    [("context_module_id",), ("content_type", "content_id")],
)

discussion_topics = _dap(
    "discussion_topics",
    {
        "context_id": INT,
        "context_type": T,
        "type": T,
        "title": T,
        "workflow_state": T,
        "assignment_id": INT,
        "posted_at": TS,
        "delayed_post_at": TS,
        "user_id": INT,
        **_STAMPS,
    },
    [("context_id",), ("assignment_id",)],
)

attachments = _dap(
    "attachments",
    {
        "context_id": INT,
        "context_type": T,
        "file_state": T,
        "workflow_state": T,
        "display_name": T,
        "filename": T,
        "content_type": T,
        "size": INT,
        "user_id": INT,
        "folder_id": INT,
        **_STAMPS,
    },
    [("context_id",)],
)

media_objects = _dap(
    "media_objects",
    {
        "context_id": INT,
        "context_type": T,
        "workflow_state": T,
        "media_id": T,
        "title": T,
        "user_id": INT,
        **_STAMPS,
    },
    [("context_id",)],
)

conversations = _dap(
    "conversations",
    {"context_id": INT, "context_type": T, "tags": T, "subject": T, "updated_at": TS},
    [("context_id",)],
)

conversation_messages = _dap(
    "conversation_messages",
    {
        "conversation_id": INT,
        "author_id": INT,
        "created_at": TS,
        "generated": B,
        "context_id": INT,
        "context_type": T,
        "body": T,
    },
    [("conversation_id",), ("author_id",)],
)

conversation_message_participants = _dap(
    "conversation_message_participants",
    {"conversation_message_id": INT, "user_id": INT, "workflow_state": T, "deleted_at": TS, "tags": T},
    [("conversation_message_id",), ("user_id",)],
)

account_users = _dap(
    "account_users",
    {"user_id": INT, "account_id": INT, "role_id": INT, "workflow_state": T, **_STAMPS},
    [("user_id",), ("account_id",)],
)

roles = _dap(
    "roles",
    {
        "name": T,
        "account_id": INT,
        "root_account_id": INT,
        "base_role_type": T,
        "workflow_state": T,
        **_STAMPS,
    },
    [],
)

role_overrides = _dap(
    "role_overrides",
    {
        "role_id": INT,
        "context_id": INT,
        "context_type": T,
        "permission": T,
        "enabled": B,
        "locked": B,
        "applies_to_self": B,
        "applies_to_descendants": B,
        **_STAMPS,
    },
    [("role_id", "permission")],
)

# canvas_logs.web_logs: only the columns analytics and filtering need are kept; the table grows with
# every request an institution serves, so each column costs real disk.
#
# Rows are stored in import order under `seq` (an append at the end of the table's B-tree), and `id` has no
# index: a random-UUID index is a random insert into a B-tree as large as the table's row count, the cost
# that kept the importer under 50,000 rows/s. Uniqueness of `id` is kept by `web_log_ids` instead (below).
web_logs = _dap(
    "web_logs",
    {
        "timestamp": TS,
        "user_id": INT,
        "real_user_id": INT,
        "course_id": INT,
        "url": T,
        "http_method": T,
        "http_status": T,
        "web_application_controller": T,
        "web_application_action": T,
        "web_application_context_type": T,
        "web_application_context_id": INT,
        "participated": B,
    },
    [],
    key_kind=ColumnKind.TEXT,
    surrogate_key=True,
)

# The id index of web_logs: a 64-bit hash of each id (`storage/_weblog_ids.py`) → the row's `seq`. A rowid
# table of small integer keys, filled in sorted runs, is several times cheaper to grow than an index on the
# id text, and stays small enough to live in the page cache. Two ids with the same hash are told apart by
# comparing the stored id: the first keeps the hash, a later one is listed in `web_log_id_overflow`.
web_log_ids = Table(
    "web_log_ids",
    metadata,
    Column("id_hash", IdType, primary_key=True, autoincrement=False),
    Column("seq", IdType, nullable=False),
)
web_log_id_overflow = Table(
    "web_log_id_overflow",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", IdType, nullable=False),
)

# S1 lists a student's participations in a course; only participating page views are indexed. A query
# reaches this partial index only when its WHERE clause contains this very condition (SQLite cannot tell
# that `participated IS 1` implies `participated`, and scans the whole table instead), so queries use
# PARTICIPATING_PAGE_VIEW itself.
PARTICIPATING_PAGE_VIEW = "participated AND real_user_id IS NULL"
# Keyed by (course, student) only: a timestamp in the key made each insert compare text keys all the way
# down the B-tree (about 7 µs a participating row, a sixth of the importer's SQLite time); a student's
# participations in a course are few enough to sort when read.
Index(
    "ix_web_logs_participations",
    web_logs.c.course_id,
    web_logs.c.user_id,
    sqlite_where=text(PARTICIPATING_PAGE_VIEW),
    postgresql_where=text(PARTICIPATING_PAGE_VIEW),
)

# --- Rollups (CONTRACT §2, behaviour §3.3), maintained by the importer --------------------------------

page_view_course_daily = Table(
    "page_view_course_daily",
    metadata,
    Column("course_id", IdType, nullable=False),
    Column("day", Date, nullable=False),
    Column("category", String(32), nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("participations", BigInteger, nullable=False),
    PrimaryKeyConstraint("course_id", "day", "category"),
)

page_view_student_daily = Table(
    "page_view_student_daily",
    metadata,
    Column("course_id", IdType, nullable=False),
    Column("user_id", IdType, nullable=False),
    Column("day", Date, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("participations", BigInteger, nullable=False),
    PrimaryKeyConstraint("course_id", "user_id", "day"),
)

page_view_student_hourly = Table(
    "page_view_student_hourly",
    metadata,
    Column("course_id", IdType, nullable=False),
    Column("user_id", IdType, nullable=False),
    Column("hour", DateTime, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("participations", BigInteger, nullable=False),
    PrimaryKeyConstraint("course_id", "user_id", "hour"),
)

# The course rollup summed over the courses that share an account, term and state: exactly the keys that
# pick a department's course set (behaviour §3.2), so D1 reads a row per (account, day, category) of the
# department instead of one per course. The importer rebuilds an account's rows whenever page views of its
# courses or the courses themselves change (storage/_rollups.py `rebuild_account_rollup`).
page_view_account_daily = Table(
    "page_view_account_daily",
    metadata,
    Column("account_id", IdType, nullable=False),
    Column("term_id", IdType, nullable=False),
    Column("workflow_state", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("category", String(32), nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("participations", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "term_id", "workflow_state", "day", "category"),
)

# How many current students of a course have each overall current score (CONTRACT §3.8: one score per
# course and student, the first enrollment's by id that has one; students without a score not counted).
# Department grades (D2) sum it over the course set instead of reading every enrollment and score. The
# importer rebuilds a course's rows whenever enrollments or scores of the course change
# (storage/_score_counts.py).
course_score_counts = Table(
    "course_score_counts",
    metadata,
    Column("course_id", IdType, nullable=False),
    Column("score", Float, nullable=False),
    Column("students", Integer, nullable=False),
    PrimaryKeyConstraint("course_id", "score"),
)

# Per assignment and score, the live submissions of the course's current students (a student's lowest id
# when an export holds two for one assignment): how many, how many of them were submitted or scored, and
# how many are graded but unposted. The submissions without a score are one row, `scored` false (its
# `score` 0 means nothing). One student's S2 reads the class's score
# distribution, the "shown" count and the muting (CONTRACT §7.4, §7.6) from a few rows per assignment
# instead of every submission. The importer rebuilds a course's rows when its submissions, assignments or
# enrollments change (storage/_class_scores.py).
assignment_class_scores = Table(
    "assignment_class_scores",
    metadata,
    Column("assignment_id", IdType, nullable=False),
    Column("scored", Boolean, nullable=False),
    Column("score", Float, nullable=False),
    Column("course_id", IdType, nullable=False),
    Column("submissions", Integer, nullable=False),
    Column("shown", Integer, nullable=False),
    Column("unposted", Integer, nullable=False),
    PrimaryKeyConstraint("assignment_id", "scored", "score"),
    Index(None, "course_id"),
)

# The same counts per rounded score (the D2 histogram's buckets, 0..100), summed over the courses that
# share an account, term and state: the keys that pick a department's course set, as in
# page_view_account_daily. D2 reads at most 101 rows per account of the department. Rebuilt with the
# course counts, and when courses move (storage/_score_counts.py).
account_grade_counts = Table(
    "account_grade_counts",
    metadata,
    Column("account_id", IdType, nullable=False),
    Column("term_id", IdType, nullable=False),
    Column("workflow_state", String(32), nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("students", Integer, nullable=False),
    PrimaryKeyConstraint("account_id", "term_id", "workflow_state", "bucket"),
)

# --- Import bookkeeping ---------------------------------------------------------------------------------

# A `D` record deletes a row; remembering its `meta.ts` keeps an older `U` applied later from resurrecting it.
dap_tombstones = Table(
    "dap_tombstones",
    metadata,
    Column("table_name", String(64), nullable=False),
    Column("key", String(64), nullable=False),
    Column("meta_ts", DateTime, nullable=False),
    PrimaryKeyConstraint("table_name", "key"),
)

# Every table import that changed something, committed in the same transaction as its rows: the highest
# id is the data version, which results kept beyond a request (C2's async results) are checked against.
import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(64), nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("upserted", BigInteger, nullable=False),
    Column("deleted", BigInteger, nullable=False),
)

# What each import_log entry touched: `course` and `account` rows by id, or one `all` row (scope_id 0) when
# the change is not pinned to courses. Cached analytics results are checked against it (storage/_scopes.py).
import_scope = Table(
    "import_scope",
    metadata,
    Column("import_id", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("scope_id", IdType, nullable=False),
    PrimaryKeyConstraint("import_id", "kind", "scope_id"),
)

# --- Service state ----------------------------------------------------------------------------------------

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", IdType, nullable=False, index=True),
    Column("scopes", Text, nullable=True),  # JSON array of scope strings; NULL = unscoped
    Column("purpose", String(255), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
    Column("last_used_at", DateTime, nullable=True),
)

progress = Table(
    "progress",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("context_id", IdType, nullable=False),
    Column("context_type", String(32), nullable=False),
    Column("user_id", IdType, nullable=True),
    Column("tag", String(64), nullable=False),
    Column("cache_key", String(255), nullable=True, index=True),
    Column("completion", Float, nullable=True),
    Column("workflow_state", String(16), nullable=False),
    Column("message", Text, nullable=True),
    Column("results", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
