"""Value converters (exported JSON or CSV/TSV text → driver values) and page-view categories (§3.3).

Pure tests, no database. Timestamps become naive UTC (``datetime`` for asyncpg, SQLAlchemy's text form
``YYYY-MM-DD HH:MM:SS.ffffff`` for SQLite); categories follow behaviour §3.3, case-insensitive.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from analytics_gateway.storage._convert import Converter, dialect_values
from analytics_gateway.storage.categories import CATEGORIES, page_view_category
from analytics_gateway.storage.tables import ColumnKind

DIALECTS = ["sqlite", "postgresql"]


def _conv(dialect: str, kind: ColumnKind) -> Converter:
    return dialect_values(dialect).converters[kind]


# --- integers and floats ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        ("12", 12),
        ("12.0", 12),
        (12.0, 12),
        ("-3", -3),
        ("0", 0),
        ("10000000000001235", 10000000000001235),  # sharded Canvas ids exceed 2**53: no float detour
        (None, None),
    ],
)
def test_int_accepts(dialect: str, raw: Any, expected: int | None) -> None:
    result = _conv(dialect, ColumnKind.INT)(raw)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("raw", ["1.5", "abc", "", True, False, 1.5, "1e400x", [1], {"a": 1}])
def test_int_rejects(dialect: str, raw: Any) -> None:
    with pytest.raises(ValueError, match="integer"):
        _conv(dialect, ColumnKind.INT)(raw)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [(8.5, 8.5), ("8.5", 8.5), (10, 10.0), ("10", 10.0), ("1e3", 1000.0), ("-0.25", -0.25), (None, None)],
)
def test_float_accepts(dialect: str, raw: Any, expected: float | None) -> None:
    result = _conv(dialect, ColumnKind.FLOAT)(raw)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("raw", ["abc", "", True, [1.0]])
def test_float_rejects(dialect: str, raw: Any) -> None:
    with pytest.raises(ValueError, match="number"):
        _conv(dialect, ColumnKind.FLOAT)(raw)


# --- booleans ---------------------------------------------------------------------------------------------

TRUE_FORMS: list[Any] = [True, 1, "true", "True", "TRUE", "t", "T", "1", "yes", "y", "on"]
FALSE_FORMS: list[Any] = [False, 0, "false", "False", "FALSE", "f", "F", "0", "no", "n", "off"]


@pytest.mark.parametrize("raw", TRUE_FORMS)
def test_bool_true_forms(raw: Any) -> None:
    assert _conv("postgresql", ColumnKind.BOOL)(raw) is True
    assert _conv("sqlite", ColumnKind.BOOL)(raw) == 1  # SQLite stores booleans as 1/0, like SQLAlchemy


@pytest.mark.parametrize("raw", FALSE_FORMS)
def test_bool_false_forms(raw: Any) -> None:
    assert _conv("postgresql", ColumnKind.BOOL)(raw) is False
    assert _conv("sqlite", ColumnKind.BOOL)(raw) == 0


@pytest.mark.parametrize("dialect", DIALECTS)
def test_bool_null(dialect: str) -> None:
    assert _conv(dialect, ColumnKind.BOOL)(None) is None


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("raw", ["maybe", "2", 2, -1, 0.5, "truthy", [True]])
def test_bool_rejects(dialect: str, raw: Any) -> None:
    with pytest.raises(ValueError, match="boolean"):
        _conv(dialect, ColumnKind.BOOL)(raw)


# --- timestamps -------------------------------------------------------------------------------------------

TIMESTAMPS: list[tuple[str, datetime]] = [
    ("2025-03-01T10:00:03Z", datetime(2025, 3, 1, 10, 0, 3)),
    ("2025-03-01T10:00:03.5Z", datetime(2025, 3, 1, 10, 0, 3, 500000)),
    ("2025-03-01T10:00:03.123Z", datetime(2025, 3, 1, 10, 0, 3, 123000)),
    ("2025-03-01T10:00:03.123456Z", datetime(2025, 3, 1, 10, 0, 3, 123456)),
    ("2025-03-01T10:00:03+02:00", datetime(2025, 3, 1, 8, 0, 3)),
    ("2025-03-01T00:30:00.25+02:00", datetime(2025, 2, 28, 22, 30, 0, 250000)),  # across a day
    ("2025-12-31T20:00:00-05:00", datetime(2026, 1, 1, 1, 0, 0)),  # across a year
    ("2025-03-01T10:00:03+00:00", datetime(2025, 3, 1, 10, 0, 3)),
    ("2025-03-01T10:00:03", datetime(2025, 3, 1, 10, 0, 3)),  # naive: DAP timestamps are UTC
    ("2025-03-01 10:00:03", datetime(2025, 3, 1, 10, 0, 3)),
]


@pytest.mark.parametrize(("raw", "expected"), TIMESTAMPS)
def test_timestamp_postgresql_is_naive_utc_datetime(raw: str, expected: datetime) -> None:
    result = _conv("postgresql", ColumnKind.TIMESTAMP)(raw)
    assert result == expected
    assert isinstance(result, datetime)
    assert result.tzinfo is None


@pytest.mark.parametrize(("raw", "expected"), TIMESTAMPS)
def test_timestamp_sqlite_is_sqlalchemy_text_form(raw: str, expected: datetime) -> None:
    # Exactly what SQLAlchemy's SQLite DateTime writes, so text comparisons order correctly.
    assert _conv("sqlite", ColumnKind.TIMESTAMP)(raw) == expected.strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_timestamp_null(dialect: str) -> None:
    assert _conv(dialect, ColumnKind.TIMESTAMP)(None) is None


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "raw",
    ["yesterday", "2025-13-01T00:00:00Z", "2025-02-30T10:00:00Z", "2025-03-01T25:00:00Z", 1740823200, True],
)
def test_timestamp_rejects(dialect: str, raw: Any) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        _conv(dialect, ColumnKind.TIMESTAMP)(raw)


@pytest.mark.parametrize(
    ("dialect", "expected"), [("postgresql", date(2025, 3, 1)), ("sqlite", "2025-03-01")]
)
def test_date(dialect: str, expected: Any) -> None:
    assert _conv(dialect, ColumnKind.DATE)("2025-03-01") == expected
    assert _conv(dialect, ColumnKind.DATE)(None) is None
    with pytest.raises(ValueError, match="date"):
        _conv(dialect, ColumnKind.DATE)("2025-02-30")


# --- text and JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("x", "x"), ("", ""), ("NULL", "NULL"), (200, "200"), (True, "true"), (False, "false"), (None, None)],
)
def test_text(dialect: str, raw: Any, expected: str | None) -> None:
    assert _conv(dialect, ColumnKind.TEXT)(raw) == expected


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "raw",
    [
        ["online_upload", "online_text_entry"],
        {"hide_distribution_graphs": True, "course_format": "online"},
        {"nested": {"list": [1, 2.5, None, "x"]}},
        [],
    ],
)
def test_json_values_become_json_text(dialect: str, raw: Any) -> None:
    text = _conv(dialect, ColumnKind.JSON)(raw)
    assert isinstance(text, str)
    assert json.loads(text) == raw


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "raw", ['["online_upload","online_text_entry"]', "on_paper,online_upload", "none", ""]
)
def test_json_text_from_csv_is_kept_as_given(dialect: str, raw: str) -> None:
    # CONTRACT §7.5: submission_types arrives as a JSON array or a comma-separated string, kept as given.
    assert _conv(dialect, ColumnKind.JSON)(raw) == raw


@pytest.mark.parametrize("dialect", DIALECTS)
def test_json_null(dialect: str) -> None:
    assert _conv(dialect, ColumnKind.JSON)(None) is None


# --- page-view categories (behaviour §3.3) ----------------------------------------------------------------

CATEGORY_TABLE: dict[str, str] = {
    "announcements": "announcements",
    "assignments": "assignments",
    "submissions": "assignments",
    "assignment_groups": "assignments",
    "collaborations": "collaborations",
    "conferences": "conferences",
    "discussion_topics": "discussions",
    "discussion_entries": "discussions",
    "files": "files",
    "folders": "files",
    "courses": "general",
    "gradebooks": "grades",
    "gradebook2": "grades",
    "grading_standards": "grades",
    "gradebook_uploads": "grades",
    "groups": "groups",
    "context_modules": "modules",
    "wiki_pages": "pages",
    "wiki_page_revisions": "pages",
    "quizzes": "quizzes",
    "quizzes/quizzes": "quizzes",
    "quizzes/quizzes_api": "quizzes",
    "question_banks": "quizzes",
    "quiz_questions": "quizzes",
    "quizzes/quiz_questions": "quizzes",
}


@pytest.mark.parametrize(("controller", "category"), sorted(CATEGORY_TABLE.items()))
def test_category_of_every_listed_controller(controller: str, category: str) -> None:
    assert page_view_category(controller) == category


@pytest.mark.parametrize(
    ("controller", "category"),
    [
        ("Assignments", "assignments"),
        ("DISCUSSION_TOPICS", "discussions"),
        ("Quizzes/Quizzes", "quizzes"),
        ("QUIZZES/QUIZZES_API", "quizzes"),
        ("Quizzes/Quiz_Questions", "quizzes"),
        ("GradeBook2", "grades"),
        ("Wiki_Pages", "pages"),
    ],
)
def test_category_is_case_insensitive(controller: str, category: str) -> None:
    assert page_view_category(controller) == category


@pytest.mark.parametrize(
    "controller",
    [
        None,
        "",
        "users",
        "quiz_submissions",
        "quizzes/quiz_submissions",
        "discussion_topics_api",
        "assignments_api",
        "page_views",
        "brand_new_controller",
        "quizzes/",
        "assignment",
    ],
)
def test_unknown_or_missing_controller_is_other(controller: str | None) -> None:
    assert page_view_category(controller) == "other"


def test_the_thirteen_categories_in_alphabetical_order() -> None:
    assert CATEGORIES == (
        "announcements",
        "assignments",
        "collaborations",
        "conferences",
        "discussions",
        "files",
        "general",
        "grades",
        "groups",
        "modules",
        "other",
        "pages",
        "quizzes",
    )
