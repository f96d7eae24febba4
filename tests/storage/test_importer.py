"""The Canvas Data 2 importer as operators depend on it (CONTRACT §2), on SQLite and PostgreSQL.

Formats and their round trip, idempotence, ``U``/``D`` semantics with the newest ``meta.ts`` winning,
per-table atomicity, errors naming file and line (and ``skip_bad_rows``), schema tolerance and discovery.
Every expected row is written out by hand from the records; nothing is derived from the code under test.
Page-view rollups have their own module (``test_rollups.py``).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage import _rollups, importer
from analytics_gateway.storage.importer import (
    ImportFailedError,
    ImportProgress,
    TableSummary,
    discover,
    import_paths,
)
from analytics_gateway.storage.tables import DAP_TABLES
from tests.storage._exports import (
    ExportFormat,
    Record,
    clear_database,
    delete,
    export_text,
    raw_snapshot,
    snapshot,
    table_rows,
    upsert,
    write_export,
)

COURSES: Table = DAP_TABLES["courses"].table
ASSIGNMENTS: Table = DAP_TABLES["assignments"].table
WEB_LOGS: Table = DAP_TABLES["web_logs"].table

# meta.ts values, oldest first, and what they are stored as (naive UTC).
T1, T2, T3 = "2025-03-01T10:00:00Z", "2025-03-02T10:00:00Z", "2025-03-03T10:00:00Z"
DT1, DT2, DT3 = datetime(2025, 3, 1, 10), datetime(2025, 3, 2, 10), datetime(2025, 3, 3, 10)


def expected_row(table: Table, **values: Any) -> dict[str, Any]:
    """A full row of ``table``: the given values, every other column NULL (missing columns → NULL)."""
    unknown = set(values) - {c.name for c in table.columns}
    assert not unknown, unknown
    return {c.name: values.get(c.name) for c in table.columns if c.name != "seq"}


JSON_COLUMNS = ("settings", "submission_types")


def decode_json_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON columns parsed (their text form is not part of the contract); non-JSON text is kept."""
    out = []
    for row in rows:
        row = dict(row)
        for col in JSON_COLUMNS:
            if isinstance(row.get(col), str):
                with contextlib.suppress(ValueError):
                    row[col] = json.loads(row[col])
        out.append(row)
    return out


def table_diff(actual: Sequence[Any], expected: Sequence[Any]) -> dict[str, Any]:
    """What differs between two row lists, compactly: {row position: {column: (actual, expected)}}."""
    diff: dict[str, Any] = {}
    if len(actual) != len(expected):
        diff["row count"] = (len(actual), len(expected))
    for pos, (got, want) in enumerate(zip(actual, expected, strict=False)):
        if got == want:
            continue
        if isinstance(got, dict) and isinstance(want, dict):
            diff[f"row {pos}"] = {c: (got.get(c), want.get(c)) for c in want if got.get(c) != want.get(c)}
        else:
            diff[f"row {pos}"] = (got, want)
    return diff


def course(key: int, ts: str, name: str, **value: Any) -> Record:
    return upsert(key, ts, {"name": name, **value})


async def import_records(
    engine: AsyncEngine,
    tmp_path: Path,
    table: str,
    *files: Sequence[Record],
    fmt: ExportFormat = "jsonl",
) -> list[TableSummary]:
    """One import of a fresh folder holding ``files`` as part-0, part-1, ... of ``table``."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    for part, records in enumerate(files):
        write_export(root, table, records, fmt, part=part)
    return await import_paths(engine, [root])


async def course_names(engine: AsyncEngine) -> dict[int, str]:
    return {row["id"]: row["name"] for row in await table_rows(engine, COURSES)}


# --- 1. Round trip of every format ------------------------------------------------------------------------

TS_A = "2025-03-01T10:00:00.250Z"
TS_B = "2025-03-01T12:00:00+02:00"  # = 10:00:00Z
TS_LATER = "2025-03-01T11:00:00Z"

ROUND_TRIP_COURSES: list[Record] = [
    upsert(
        1,
        TS_A,
        {
            "name": 'Intro, "Physics"\nPart 1',
            "course_code": "",
            "sis_source_id": None,
            "workflow_state": "available",
            "account_id": 5,
            "root_account_id": 1,
            "enrollment_term_id": 7,
            "restrict_enrollments_to_course_dates": True,
            "start_at": "2025-01-10T08:00:00Z",
            "conclude_at": "2025-05-30T23:59:59.5Z",
            "time_zone": "Europe/Berlin",
            "settings": {"hide_distribution_graphs": True},
            "created_at": "2025-01-01T12:00:00+02:00",
            "updated_at": "2025-01-02T00:30:00.123456+02:00",
        },
    ),
    upsert(
        2,
        TS_B,
        {
            "name": "tab\there back\\slash\nnew line\r\ncrlf \\N",
            "course_code": "NULL",
            "workflow_state": "__dap_unspecified__",
            "account_id": None,
            "restrict_enrollments_to_course_dates": False,
            "settings": {"hide_distribution_graphs": False},
            "created_at": "2024-12-31T23:30:00-01:00",
        },
    ),
    upsert(3, TS_A, {"name": "Minimal"}),
    upsert(4, TS_A, {"name": "Deleted in the same file", "account_id": 5}),
    delete(4, TS_LATER),
    delete(5, TS_LATER),  # never seen: harmless
]

ROUND_TRIP_ASSIGNMENTS: list[Record] = [
    upsert(
        10,
        TS_A,
        {
            "context_id": 1,
            "context_type": "Course",
            "title": "Essay",
            "workflow_state": "published",
            "points_possible": 10.5,
            "due_at": "2025-03-10T23:59:59Z",
            "submission_types": ["online_upload", "online_text_entry"],
            "all_day": False,
            "only_visible_to_overrides": True,
            "position": 3,
        },
    ),
    upsert(
        11,
        TS_A,
        {
            "context_id": 1,
            "context_type": "Course",
            "title": 'Quiz, part "2"',
            "workflow_state": "published",
            "points_possible": 0,
            "due_at": "2025-03-11T12:00:00.000001+02:00",
            "submission_types": ["online_quiz"],
            "position": None,
        },
    ),
    upsert(
        12,
        TS_A,
        {
            "context_id": 1,
            "title": "Worksheet",
            "workflow_state": "unpublished",
            "submission_types": "on_paper,none",  # CONTRACT §7.5: a comma-separated string, kept as given
            "points_possible": None,
        },
    ),
]

ROUND_TRIP_WEB_LOGS: list[Record] = [
    upsert(
        "a3f0c2d4-0001",
        TS_A,
        {
            "timestamp": "2025-03-01T10:15:00.5Z",
            "user_id": 10,
            "course_id": 100,
            "url": '/courses/100/assignments?sort=due,asc&q="x"',
            "http_method": "GET",
            "http_status": 200,
            "web_application_controller": "Quizzes/Quizzes",
            "web_application_action": "show",
            "web_application_context_type": "Course",
            "web_application_context_id": 100,
            "participated": True,
        },
    ),
    upsert(
        "a3f0c2d4-0002",
        TS_A,
        {
            "timestamp": "2025-03-02T01:30:00+02:00",
            "user_id": 11,
            "real_user_id": None,
            "course_id": 100,
            "url": "/files/a\\b\tc\nd",
            "http_method": "POST",
            "http_status": "404",
            "web_application_controller": "wiki_pages",
            "participated": False,
        },
    ),
]

DT_A = datetime(2025, 3, 1, 10, 0, 0, 250000)
DT_B = datetime(2025, 3, 1, 10, 0, 0)

EXPECTED_COURSES = [
    expected_row(
        COURSES,
        id=1,
        name='Intro, "Physics"\nPart 1',
        course_code="",
        workflow_state="available",
        account_id=5,
        root_account_id=1,
        enrollment_term_id=7,
        restrict_enrollments_to_course_dates=True,
        start_at=datetime(2025, 1, 10, 8),
        conclude_at=datetime(2025, 5, 30, 23, 59, 59, 500000),
        time_zone="Europe/Berlin",
        settings={"hide_distribution_graphs": True},
        created_at=datetime(2025, 1, 1, 10),
        updated_at=datetime(2025, 1, 1, 22, 30, 0, 123456),
        meta_ts=DT_A,
    ),
    expected_row(
        COURSES,
        id=2,
        name="tab\there back\\slash\nnew line\r\ncrlf \\N",
        course_code="NULL",
        workflow_state="__dap_unspecified__",
        restrict_enrollments_to_course_dates=False,
        settings={"hide_distribution_graphs": False},
        created_at=datetime(2025, 1, 1, 0, 30),
        meta_ts=DT_B,
    ),
    expected_row(COURSES, id=3, name="Minimal", meta_ts=DT_A),
]

EXPECTED_ASSIGNMENTS = [
    expected_row(
        ASSIGNMENTS,
        id=10,
        context_id=1,
        context_type="Course",
        title="Essay",
        workflow_state="published",
        points_possible=10.5,
        due_at=datetime(2025, 3, 10, 23, 59, 59),
        submission_types=["online_upload", "online_text_entry"],
        all_day=False,
        only_visible_to_overrides=True,
        position=3,
        meta_ts=DT_A,
    ),
    expected_row(
        ASSIGNMENTS,
        id=11,
        context_id=1,
        context_type="Course",
        title='Quiz, part "2"',
        workflow_state="published",
        points_possible=0.0,
        due_at=datetime(2025, 3, 11, 10, 0, 0, 1),
        submission_types=["online_quiz"],
        meta_ts=DT_A,
    ),
    expected_row(
        ASSIGNMENTS,
        id=12,
        context_id=1,
        title="Worksheet",
        workflow_state="unpublished",
        submission_types="on_paper,none",
        meta_ts=DT_A,
    ),
]

EXPECTED_WEB_LOGS = [
    expected_row(
        WEB_LOGS,
        id="a3f0c2d4-0001",
        timestamp=datetime(2025, 3, 1, 10, 15, 0, 500000),
        user_id=10,
        course_id=100,
        url='/courses/100/assignments?sort=due,asc&q="x"',
        http_method="GET",
        http_status="200",
        web_application_controller="Quizzes/Quizzes",
        web_application_action="show",
        web_application_context_type="Course",
        web_application_context_id=100,
        participated=True,
        meta_ts=DT_A,
    ),
    expected_row(
        WEB_LOGS,
        id="a3f0c2d4-0002",
        timestamp=datetime(2025, 3, 1, 23, 30),
        user_id=11,
        course_id=100,
        url="/files/a\\b\tc\nd",
        http_method="POST",
        http_status="404",
        web_application_controller="wiki_pages",
        participated=False,
        meta_ts=DT_A,
    ),
]

DAY = date(2025, 3, 1)
EXPECTED_ROLLUPS: dict[str, list[tuple[Any, ...]]] = {
    "page_view_course_daily": [(100, DAY, "pages", 1, 0), (100, DAY, "quizzes", 1, 1)],
    "page_view_student_daily": [(100, 10, DAY, 1, 1), (100, 11, DAY, 1, 0)],
    "page_view_student_hourly": [
        (100, 10, datetime(2025, 3, 1, 10), 1, 1),
        (100, 11, datetime(2025, 3, 1, 23), 1, 0),
    ],
}

# (format, gzip, file name, columns written in DAP's expanded mode). File names lie about the format.
ROUND_TRIP_VARIANTS: list[tuple[ExportFormat, bool, str, tuple[str, ...]]] = [
    ("jsonl", False, "part-00000.csv", ()),
    ("jsonl", True, "part-00000.json", ()),
    ("csv", False, "part-00000.json", ("settings",)),
    ("csv", True, "part-00000.tsv.gz", ("settings",)),
    ("csv", False, "part-00000.txt", ()),
    ("tsv", False, "part-00000.csv", ()),
    ("tsv", True, "part-00000", ()),
    ("tsv", False, "part-00000.jsonl", ("settings",)),
]


def _variant_id(fmt: str, compress: bool, expand: tuple[str, ...]) -> str:
    return f"{fmt}{'.gz' if compress else ''}{'-expanded' if expand else ''}"


async def _import_every_variant(
    engine: AsyncEngine,
    tmp_path: Path,
    *,
    raw: bool,
    variants: Sequence[tuple[ExportFormat, bool, str, tuple[str, ...]]] = ROUND_TRIP_VARIANTS,
) -> dict[str, dict[str, list[Any]]]:
    results: dict[str, dict[str, list[Any]]] = {}
    for fmt, compress, name, expand in variants:
        vid = _variant_id(fmt, compress, expand)
        root = tmp_path / vid
        for table, records in (
            ("courses", ROUND_TRIP_COURSES),
            ("assignments", ROUND_TRIP_ASSIGNMENTS),
            ("web_logs", ROUND_TRIP_WEB_LOGS),
        ):
            write_export(root, table, records, fmt, compress, name=name, expand=expand)
        await import_paths(engine, [root])
        if raw:
            results[vid] = dict(await raw_snapshot(engine))
        else:
            results[vid] = {
                "courses": decode_json_columns(await table_rows(engine, COURSES)),
                "assignments": decode_json_columns(await table_rows(engine, ASSIGNMENTS)),
                "web_logs": await table_rows(engine, WEB_LOGS),
                **{
                    name: list(rows) for name, rows in (await snapshot(engine)).items() if "page_view" in name
                },
            }
        await clear_database(engine)
    return results


async def test_round_trip_of_every_format_gives_the_expected_rows(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    results = await _import_every_variant(engine, tmp_path, raw=False)
    assert _round_trip_differences(results) == {vid: {} for vid in results}


def _round_trip_differences(results: dict[str, dict[str, list[Any]]]) -> dict[str, dict[str, Any]]:
    expected: dict[str, list[Any]] = {
        "courses": EXPECTED_COURSES,
        "assignments": EXPECTED_ASSIGNMENTS,
        "web_logs": EXPECTED_WEB_LOGS,
        **EXPECTED_ROLLUPS,
    }
    return {
        vid: {table: d for table, want in expected.items() if (d := table_diff(tables[table], want))}
        for vid, tables in results.items()
    }


async def test_round_trip_rows_are_identical_across_formats(engine: AsyncEngine, tmp_path: Path) -> None:
    """``SELECT *`` of every table, driver values as stored, is the same whatever the export format."""
    results = await _import_every_variant(engine, tmp_path, raw=True)
    reference = results["jsonl"]
    stamps = [(r["start_at"], r["created_at"], r["meta_ts"]) for r in reference["courses"][:2]]
    if engine.dialect.name == "sqlite":
        # Naive UTC in SQLAlchemy's text form, so that text comparisons order by time.
        assert stamps == [
            ("2025-01-10 08:00:00.000000", "2025-01-01 10:00:00.000000", "2025-03-01 10:00:00.250000"),
            (None, "2025-01-01 00:30:00.000000", "2025-03-01 10:00:00.000000"),
        ]
    else:
        assert stamps == [
            (datetime(2025, 1, 10, 8), datetime(2025, 1, 1, 10), DT_A),
            (None, datetime(2025, 1, 1, 0, 30), DT_B),
        ]
    differing = {
        vid: {table: d for table, rows in tables.items() if (d := table_diff(rows, reference[table]))}
        for vid, tables in results.items()
    }
    assert differing == {vid: {} for vid in results}  # diffs are (this format's value, jsonl's value)


async def test_tables_parsed_in_a_worker_process_import_the_same(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large tables are parsed in a separate process: make every table large; same rows, reports, errors."""
    monkeypatch.setattr(importer, "PARALLEL_PARSE_BYTES", 0, raising=False)
    root = tmp_path / "big"
    write_export(root, "courses", ROUND_TRIP_COURSES, "csv", name="part-0.json")
    bad_csv = root / "courses" / "part-1.csv"
    bad_csv.write_text(f"meta.ts,meta.action,key.id,value.name,value.account_id\n{T1},U,77,bad,abc\n")
    write_export(root, "web_logs", ROUND_TRIP_WEB_LOGS, "tsv", gzip=True)
    summaries = await import_paths(engine, [root], skip_bad_rows=True)
    assert decode_json_columns(await table_rows(engine, COURSES)) == EXPECTED_COURSES
    assert await table_rows(engine, WEB_LOGS) == EXPECTED_WEB_LOGS
    assert {name: rows for name, rows in (await snapshot(engine)).items() if name in EXPECTED_ROLLUPS} == (
        EXPECTED_ROLLUPS
    )
    [courses_summary] = [s for s in summaries if s.table == "courses"]
    assert courses_summary.skipped == 1
    assert [(b.path, b.line) for b in courses_summary.bad_rows] == [(str(bad_csv), 2)]

    bad = tmp_path / "bad" / "courses"
    bad.mkdir(parents=True)
    (bad / "part-0.json").write_text(GOOD_JSONL + "{oops\n")
    with pytest.raises(ImportFailedError) as info:
        await import_paths(engine, [bad.parent])
    assert f"{bad / 'part-0.json'}:3" in str(info.value)


# --- 2. Idempotence ---------------------------------------------------------------------------------------


def _web_log(key: str, ts: str, when: str, user: int | None, course_id: int | None, **extra: Any) -> Record:
    value = {
        "timestamp": when,
        "user_id": user,
        "course_id": course_id,
        "url": f"/courses/{course_id}/x",
        "web_application_controller": "assignments",
        "participated": True,
    }
    return upsert(key, ts, {**value, **extra})


async def test_importing_the_same_folder_twice_changes_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    root = tmp_path / "export"
    write_export(root, "accounts", [upsert(1, T1, {"name": "Root"}), upsert(2, T1, {"name": "Sub"})])
    write_export(
        root,
        "courses",
        [course(1, T1, "c1"), course(2, T2, "c2"), course(3, T1, "c3")],
        "csv",
        part=0,
    )
    write_export(root, "courses", [delete(3, T2), course(2, T1, "older")], part=1)
    write_export(
        root,
        "assignments",
        [upsert(10, T1, {"title": "A", "submission_types": ["online_upload"], "points_possible": 5})],
        "tsv",
        gzip=True,
    )
    write_export(
        root,
        "web_logs",
        [
            _web_log("w1", T1, "2025-03-01T10:00:00Z", 10, 100),
            _web_log("w1", T1, "2025-03-01T10:00:00Z", 10, 100),  # duplicate within the file
            _web_log("w2", T1, "2025-03-01T11:00:00Z", 10, 100),
            _web_log("w3", T1, "2025-03-01T12:00:00Z", 11, 100, real_user_id=1),
            _web_log("w4", T1, "2025-03-02T12:00:00Z", 11, 100, participated=False),
        ],
        gzip=True,
    )
    write_export(
        root,
        "web_logs",
        [delete("w2", T2), _web_log("w1", T2, "2025-03-01T10:00:00Z", 10, 100)],
        "csv",
        part=1,
    )

    # Files that hold no records or are not data at all, lying where real exports put them.
    (root / "courses" / "part-00002.json").write_bytes(b"")
    (root / "courses" / "part-00003.json.gz").write_bytes(gzip.compress(b"", mtime=0))
    (root / "courses" / "part-00004.json").write_text("\n\n")
    (root / "courses" / "_SUCCESS").write_bytes(b"")
    (root / "courses" / ".part-00000.csv.crc").write_bytes(b"crc\x00\x01garbage")
    (root / "courses" / "courses_schema_version_3.json").write_text('{"schema": {}, "version": 3}')
    header_only = "meta.ts,meta.action,key.id,value.name\n"
    (root / "accounts" / "part-00001.csv").write_text(header_only)

    await import_paths(engine, [root])
    first = await snapshot(engine)
    assert [(r[0], r[1]) for r in first["accounts"]] == [(1, "Root"), (2, "Sub")]
    assert sorted(r[0] for r in first["web_logs"]) == ["w1", "w3", "w4"]
    assert first["page_view_course_daily"], "no rollups to compare"
    assert await course_names(engine) == {1: "c1", 2: "c2"}

    summaries = await import_paths(engine, [root])
    assert await snapshot(engine) == first
    web_logs_summary = next(s for s in summaries if s.table == "web_logs")
    assert web_logs_summary.upserted == 0


# --- 3 and 4. U/D semantics; the newest meta.ts wins -------------------------------------------------------
# Each rule: its imports (each a list of files, each a list of records) and the rows it must leave,
# {key: (name, meta_ts)}. Rules use disjoint keys, so they all run through the same imports: import i of
# every rule goes into import i (file j into file j), in the format IMPORT_FORMATS[i].

T_AT_1100Z = "2025-03-01T11:00:00Z"
T_AT_1030Z = "2025-03-01T12:30:00+02:00"  # 10:30Z: older than 11:00Z although its text sorts higher

Rule = tuple[list[list[list[Record]]], dict[int, tuple[str, datetime]]]
RULES: dict[str, Rule] = {
    "D deletes the row": (
        [
            [[course(11, T1, "a"), course(12, T1, "b"), course(13, T1, "c")]],
            [[delete(11, T2)]],
            [[delete(12, T2)]],
        ],
        {13: ("c", DT1)},
    ),
    "D of an unknown key is harmless": (
        [[[delete(29, T1)]], [[course(21, T1, "a")]], [[delete(28, T2)]]],
        {21: ("a", DT1)},
    ),
    "older D does not delete: later import": (
        [[[course(31, T2, "a")]], [[delete(31, T1)]]],
        {31: ("a", DT2)},
    ),
    "older D does not delete: same file": ([[[course(32, T2, "b"), delete(32, T1)]]], {32: ("b", DT2)}),
    "older D does not delete: later file": ([[[course(33, T2, "c")], [delete(33, T1)]]], {33: ("c", DT2)}),
    "older U after newer D: later import": (
        [[[course(41, T1, "a")]], [[delete(41, T3)]], [[course(41, T2, "a again")]]],
        {},
    ),
    "older U after newer D: later file": ([[[delete(51, T3)], [course(51, T2, "b")]]], {}),
    "older U after newer D: same file": (
        [[[course(61, T1, "c"), delete(61, T3), course(61, T2, "c again")]], [[course(61, T2, "and again")]]],
        {},
    ),
    "newer U after D resurrects: later import": (
        [[[course(71, T1, "a")]], [[delete(71, T2)]], [[course(71, T3, "a back")]]],
        {71: ("a back", DT3)},
    ),
    "newer U after D resurrects: later file": (
        [[[delete(81, T2)], [course(81, T3, "b")]]],
        {81: ("b", DT3)},
    ),
    "newest ts wins across files": (
        [
            [
                [course(91, T2, "new"), course(92, T1, "old"), course(93, T_AT_1100Z, "new")],
                [course(91, T1, "old"), course(92, T2, "new"), course(93, T_AT_1030Z, "old")],
            ]
        ],
        {91: ("new", DT2), 92: ("new", DT2), 93: ("new", datetime(2025, 3, 1, 11))},
    ),
    "newest ts wins across imports, either order": (
        [
            [[course(101, T2, "new"), course(102, T1, "old"), course(103, T_AT_1100Z, "new")]],
            [[course(101, T1, "old"), course(102, T2, "new"), course(103, T_AT_1030Z, "old")]],
        ],
        {101: ("new", DT2), 102: ("new", DT2), 103: ("new", datetime(2025, 3, 1, 11))},
    ),
    "newest ts wins within one file": (
        [
            [
                [
                    course(111, T2, "new"),
                    course(111, T1, "old"),
                    course(112, T1, "old"),
                    course(112, T2, "new"),
                    course(113, T1, "old"),
                    course(113, T3, "newest"),
                    course(113, T2, "middle"),
                ]
            ]
        ],
        {111: ("new", DT2), 112: ("new", DT2), 113: ("newest", DT3)},
    ),
}
IMPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "tsv")


def _shifted(rec: Record, offset: int) -> Record:
    key = rec["key"]
    assert isinstance(key, int)
    return {**rec, "key": key + offset}


async def test_upsert_delete_and_newest_meta_ts_rules(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rule twice: with the default batch size, then (keys + 1000) with 2 records per batch."""
    outcome: dict[str, dict[int, tuple[str, datetime]]] = {}
    expected: dict[str, dict[int, tuple[str, datetime]]] = {}
    for label, batch_size, offset in (("one batch", importer.BATCH_SIZE, 0), ("tiny batches", 2, 1000)):
        monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)
        for i, fmt in enumerate(IMPORT_FORMATS):
            files: list[list[Record]] = []
            for imports, _ in RULES.values():
                for j, records in enumerate(imports[i] if i < len(imports) else []):
                    files.extend([] for _ in range(j + 1 - len(files)))
                    files[j].extend(_shifted(rec, offset) for rec in records)
            root = tmp_path / f"{label}-import-{i}"
            for j, records in enumerate(files):
                write_export(root, "courses", records, fmt, part=j)
            await import_paths(engine, [root])
        stored = {row["id"]: (row["name"], row["meta_ts"]) for row in await table_rows(engine, COURSES)}
        for rule, (imports, rows) in RULES.items():
            keys = {offset + int(rec["key"]) for files in imports for records in files for rec in records}
            outcome[f"{rule} ({label})"] = {k: v for k, v in stored.items() if k in keys}
            expected[f"{rule} ({label})"] = {k + offset: v for k, v in rows.items()}
    assert outcome == expected


# --- 6. Atomicity -----------------------------------------------------------------------------------------


def _padded(key: int, version: str) -> str:
    # Incompressible-ish names, so that a gzip cut in half still yields many readable rows first.
    return f"{version}-{key}-" + hashlib.sha256(f"{version}{key}".encode()).hexdigest() * 4


def _bad_second_files(root: Path) -> dict[str, Path]:
    """Folders whose courses/part-1 fails after many good rows; part-0 is a valid second version."""
    good_tail = [course(k, T2, _padded(k, "v2"), account_id=k) for k in range(31, 56)]
    cases: dict[str, tuple[str, bytes]] = {
        "jsonl-invalid-line": (
            "part-1.json",
            (
                export_text(good_tail) + '{"meta": {"ts": "2025-03-02T10:00:00Z"}, "key": {"id": 99}, "val\n'
            ).encode(),
        ),
        "csv-bad-integer": (
            "part-1.csv",
            export_text([*good_tail, course(99, T2, "bad", account_id="abc")], "csv").encode(),
        ),
        "tsv-field-count": (
            "part-1.tsv",
            (export_text(good_tail, "tsv") + f"{T2}\tU\t99\tbad\n").encode(),
        ),
        "truncated-gzip": (
            "part-1.json.gz",
            gzip.compress(
                export_text([course(k, T2, _padded(k, "v2")) for k in range(100, 600)]).encode(), mtime=0
            ),
        ),
    }
    folders = {}
    for name, (file_name, data) in cases.items():
        folder = root / name
        # A table imported before courses in the same call: it stays imported.
        write_export(folder, "accounts", [upsert(1, T1, {"name": "Root"}), upsert(2, T1, {"name": "Sub"})])
        write_export(
            folder,
            "courses",
            [
                *(course(k, T2, f"v2-{k}") for k in range(1, 31)),
                delete(15, T2),
                delete(16, T2),
            ],
        )
        if name == "truncated-gzip":
            data = data[: len(data) * 3 // 4]
        (folder / "courses" / file_name).write_bytes(data)
        folders[name] = folder
    return folders


def _failing_progress(call: int, error: BaseException) -> ImportProgress:
    """A progress callback raising ``error`` on its ``call``-th call (after that many batches)."""
    calls = 0

    def progress(table: str, records: int, done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == call:
            raise error

    return progress


async def test_failed_table_import_leaves_the_previous_rows(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    await import_records(
        engine, tmp_path, "courses", [course(k, T1, f"v1-{k}") for k in range(1, 21)], [delete(17, T1)]
    )
    before = await snapshot(engine)
    assert await course_names(engine) == {k: f"v1-{k}" for k in range(1, 21) if k != 17}

    outcomes: dict[str, str] = {}
    for case, folder in _bad_second_files(tmp_path / "bad").items():
        with pytest.raises(ImportFailedError) as info:
            await import_paths(engine, [folder])
        assert info.value.table == "courses"
        after = await snapshot(engine)
        accounts = after.pop("accounts")
        outcomes[case] = (
            "unchanged" if after == {t: r for t, r in before.items() if t != "accounts"} else "CHANGED"
        )
        assert [(r[0], r[1]) for r in accounts] == [(1, "Root"), (2, "Sub")]

    # A crash or an interrupt in the middle of a good import (raised here by the progress callback,
    # after some batches were written) leaves the table as it was too.
    good = tmp_path / "good"
    write_export(good, "courses", [course(k, T2, f"v3-{k}") for k in range(1, 41)])
    for case, error in (("crash", RuntimeError("disk on fire")), ("interrupt", KeyboardInterrupt())):
        with pytest.raises((ImportFailedError, type(error))):
            await import_paths(engine, [good], progress=_failing_progress(3, error))
        after = await snapshot(engine)
        after.pop("accounts")
        outcomes[case] = (
            "unchanged" if after == {t: r for t, r in before.items() if t != "accounts"} else "CHANGED"
        )
    assert outcomes == {case: "unchanged" for case in outcomes}


async def test_failed_web_logs_import_leaves_rows_and_rollups(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    # Rollups and ids written after every batch, as in a large import.
    monkeypatch.setattr(_rollups, "STUDENT_CELLS_PER_HANDOVER", 1)
    monkeypatch.setattr(_rollups, "COURSE_CELLS_KEPT", 1)
    monkeypatch.setattr(importer, "ID_RUN_ROWS", 1)
    first = [_web_log(f"v1-{i}", T1, f"2025-03-01T{i:02d}:00:00Z", 10 + i % 3, 100) for i in range(10)]
    await import_records(engine, tmp_path, "web_logs", first)
    before = await snapshot(engine)
    assert len(before["web_logs"]) == 10
    assert before["page_view_student_hourly"]

    root = tmp_path / "bad"
    write_export(
        root,
        "web_logs",
        [
            *(
                _web_log(f"v2-{i}", T2, f"2025-03-02T{i:02d}:00:00Z", 10 + i % 4, 100 + i % 2)
                for i in range(20)
            ),
            delete("v1-3", T2),
            _web_log("v1-4", T2, "2025-03-01T04:00:00Z", 11, 100),  # duplicate id
        ],
    )
    good = export_text([_web_log(f"v2b-{i}", T2, "2025-03-03T10:00:00Z", 12, 101) for i in range(10)])
    (root / "web_logs" / "part-1.json").write_text(good + "{not json}\n")
    with pytest.raises(ImportFailedError) as info:
        await import_paths(engine, [root])
    assert info.value.table == "web_logs"
    assert await snapshot(engine) == before


# --- 7. Errors name file and line; skip_bad_rows ----------------------------------------------------------

GOOD_JSONL = export_text([course(1, T1, "one"), course(2, T1, "two")])
GOOD_CSV = export_text([course(1, T1, "one", account_id=1), course(2, T1, "two", account_id=2)], "csv")


class ErrorCase(NamedTuple):
    """A courses file that must fail the import with an error naming it (and the line, when given)."""

    name: str
    file_name: str
    content: bytes
    line: int | None  # None: a file-level error
    texts: tuple[str, ...] = ()  # more texts the message must contain
    skip_bad_rows: bool = False


def _error_cases() -> list[ErrorCase]:
    csv_header = "meta.ts,meta.action,key.id,value.name,value.account_id\n"
    tsv_header = "meta.ts\tmeta.action\tkey.id\tvalue.name\tvalue.restrict_enrollments_to_course_dates\n"
    truncated = gzip.compress((GOOD_JSONL * 200).encode(), mtime=0)
    cases: list[tuple[Any, ...]] = [
        ("invalid-json", "part-0.json", (GOOD_JSONL + '{"meta": {"ts": "2025-\n').encode(), 3, ()),
        ("json-not-object", "part-0.json", (GOOD_JSONL + "[1, 2]\n").encode(), 3, ()),
        (
            "json-no-key",
            "part-0.json",
            (GOOD_JSONL + '{"meta": {"ts": "2025-03-01T10:00:00Z"}}\n').encode(),
            3,
            (),
        ),
        (
            "csv-field-count",
            "part-0.csv",
            (csv_header + f"{T1},U,1,a,1\n{T1},U,2,b,2\n{T1},U,3,c,3,extra\n").encode(),
            4,
            (),
        ),
        (
            "csv-field-count-after-multi-line",
            "part-0.csv",
            (csv_header + f'{T1},U,1,"two\nlines",1\n{T1},U,2,b\n').encode(),
            4,
            (),
        ),
        (
            "csv-bad-integer",
            "part-0.csv",
            (csv_header + f"{T1},U,1,a,1\n{T1},U,2,b,abc\n").encode(),
            3,
            ("account_id",),
        ),
        (
            "jsonl-non-integral-integer",
            "part-0.json",
            export_text([course(1, T1, "a"), course(2, T1, "b", account_id=1.5)]).encode(),
            2,
            ("account_id",),
        ),
        (
            "bad-timestamp",
            "part-0.json",
            export_text([course(1, T1, "a", start_at="2025-02-30T00:00:00Z")]).encode(),
            1,
            ("start_at",),
        ),
        (
            "tsv-bad-boolean",
            "part-0.tsv",
            (tsv_header + f"{T1}\tU\t1\ta\tt\n{T1}\tU\t2\tb\tmaybe\n").encode(),
            3,
            ("restrict_enrollments_to_course_dates",),
        ),
        (
            "tsv-field-count",
            "part-0.tsv",
            (tsv_header + f"{T1}\tU\t1\ta\tt\n{T1}\tU\t2\tb\n").encode(),
            3,
            (),
        ),
        ("bad-meta-ts", "part-0.csv", (csv_header + "yesterday,U,1,a,1\n").encode(), 2, ("meta.ts",)),
        (
            "unknown-action",
            "part-0.csv",
            (csv_header + f"{T1},U,1,a,1\n{T1},X,2,b,2\n").encode(),
            3,
            ("meta.action",),
        ),
        ("bad-key", "part-0.csv", (csv_header + f"{T1},U,abc,a,1\n").encode(), 2, ("key.id",)),
        ("truncated-gzip", "part-0.json.gz", truncated[: len(truncated) // 2], None, ()),
        ("not-an-export", "part-0.json", b"this is a README, not an export\n", None, ()),
        ("binary", "part-0.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None, ()),
        ("json-array-file", "part-0.json", b'[{"meta": {}, "key": {"id": 1}, "value": {}}]\n', None, ()),
        # skip_bad_rows skips records, not unreadable files: that would be a silent partial load.
        ("truncated-gzip-skip-bad-rows", "part-0.json.gz", truncated[: len(truncated) // 2], None, (), True),
        ("not-an-export-skip-bad-rows", "part-0.json", b"id,name\n1,x\n", None, (), True),
    ]
    return [ErrorCase(*case) for case in cases]


async def test_malformed_input_is_an_error_naming_file_and_line(engine: AsyncEngine, tmp_path: Path) -> None:
    problems: dict[str, str] = {}
    for case, file_name, content, line, texts, skip_bad_rows in _error_cases():
        folder = tmp_path / case / "courses"
        folder.mkdir(parents=True)
        path = folder / file_name
        path.write_bytes(content)
        try:
            await import_paths(engine, [tmp_path / case], skip_bad_rows=skip_bad_rows)
        except ImportFailedError as exc:
            message = str(exc)
            wanted = [f"{path}:{line}" if line is not None else str(path), *texts]
            missing = [w for w in wanted if w not in message]
            if exc.table != "courses" or missing:
                problems[case] = f"{message!r} lacks {missing}"
        else:
            problems[case] = "no error"
    assert problems == {}
    assert await course_names(engine) == {}, "a failed import wrote rows"


async def test_skip_bad_rows_imports_the_good_rows_and_reports_the_bad(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    header = "meta.ts,meta.action,key.id,value.name,value.account_id,value.start_at\n"
    lines = [
        f"{T1},U,1,one,1,2025-01-01T00:00:00Z",  # line 2
        f"{T1},U,2,two,abc,",  # line 3: bad integer
        f"{T1},U,3,three,3,",  # line 4
        f"{T1},U,4,four,4,2025-02-30T00:00:00Z",  # line 5: bad timestamp
        f"{T1},X,5,five,5,",  # line 6: unknown action
        f"{T1},U,6,six,,",  # line 7
        f"{T1},U,seven,seven,7,",  # line 8: bad key
    ]
    folder = tmp_path / "export" / "courses"
    folder.mkdir(parents=True)
    path = folder / "part-0.csv"
    path.write_text(header + "\n".join(lines) + "\n")
    [summary] = await import_paths(engine, [tmp_path / "export"], skip_bad_rows=True)
    assert await course_names(engine) == {1: "one", 3: "three", 6: "six"}
    assert summary.skipped == 4
    assert [(b.path, b.line) for b in summary.bad_rows] == [(str(path), n) for n in (3, 5, 6, 8)]
    assert "account_id" in summary.bad_rows[0].message
    assert "start_at" in summary.bad_rows[1].message


async def test_skip_bad_rows_also_skips_malformed_lines(engine: AsyncEngine, tmp_path: Path) -> None:
    root = tmp_path / "export"
    folder = root / "courses"
    folder.mkdir(parents=True)
    jsonl = folder / "part-0.json"
    jsonl.write_text(export_text([course(1, T1, "one")]) + "{broken\n" + export_text([course(2, T1, "two")]))
    csv_path = folder / "part-1.csv"
    csv_path.write_text(
        f"meta.ts,meta.action,key.id,value.name\n{T1},U,3,three\n{T1},U,4,four,surplus\n{T1},U,5,five\n"
    )
    [summary] = await import_paths(engine, [root], skip_bad_rows=True)
    assert await course_names(engine) == {1: "one", 2: "two", 3: "three", 5: "five"}
    assert summary.skipped == 2
    assert [(b.path, b.line) for b in summary.bad_rows] == [(str(jsonl), 2), (str(csv_path), 3)]


# --- 8. Schema tolerance ----------------------------------------------------------------------------------


async def test_unknown_columns_and_enum_values_missing_columns_and_meta_action(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    root = tmp_path / "export"
    folder = root / "courses"
    folder.mkdir(parents=True)
    (folder / "part-0.json").write_text(
        '{"meta": {"ts": "2025-03-01T10:00:00Z", "action": "U", "partition": 7}, "key": {"id": 1}, '
        '"value": {"name": "a", "workflow_state": "__dap_unspecified__", "grading_standard_id": 12, '
        '"brand_new": {"x": [1, 2]}, "is_public": true}}\n'
        '{"meta": {"ts": "2025-03-01T10:00:00Z"}, "key": {"id": 2}, '
        '"value": {"workflow_state": "a_state_added_next_year"}}\n'
    )
    (folder / "part-1.csv").write_text(
        "meta.ts,meta.action,meta.extra,key.id,value.name,value.unknown_col,value.unknown_obj.sub,"
        "value.workflow_state\n"
        f'{T1},U,x,3,c,"whatever, really",1,__dap_unspecified__\n'
    )
    write_export(
        root,
        "web_logs",
        [
            _web_log(
                "w1",
                T1,
                "2025-03-01T10:00:00Z",
                10,
                100,
                http_method="__dap_unspecified__",
                web_application_controller="brand_new_controller",
                session_id="s-1",
                remote_ip="10.0.0.1",
                interaction_micros=1234,
                user_agent="__dap_oversized_truncated__",
                developer_key_id=None,
            )
        ],
        "tsv",
    )
    # Snapshot files: no meta.action at all (no column in CSV/TSV) means upsert.
    snapshot_formats: list[ExportFormat] = ["jsonl", "csv", "tsv"]
    for key, fmt in enumerate(snapshot_formats, 4):
        path = write_export(root, "courses", [upsert(key, T1, {"name": fmt}, action=None)], fmt, part=key)
        assert "meta.action" not in path.read_text()
    await import_paths(engine, [root])
    assert await table_rows(engine, COURSES) == [
        expected_row(COURSES, id=1, name="a", workflow_state="__dap_unspecified__", meta_ts=DT1),
        expected_row(COURSES, id=2, workflow_state="a_state_added_next_year", meta_ts=DT1),
        expected_row(COURSES, id=3, name="c", workflow_state="__dap_unspecified__", meta_ts=DT1),
        expected_row(COURSES, id=4, name="jsonl", meta_ts=DT1),
        expected_row(COURSES, id=5, name="csv", meta_ts=DT1),
        expected_row(COURSES, id=6, name="tsv", meta_ts=DT1),
    ]
    assert await table_rows(engine, WEB_LOGS) == [
        expected_row(
            WEB_LOGS,
            id="w1",
            timestamp=datetime(2025, 3, 1, 10),
            user_id=10,
            course_id=100,
            url="/courses/100/x",
            http_method="__dap_unspecified__",
            web_application_controller="brand_new_controller",
            participated=True,
            meta_ts=DT1,
        )
    ]


# --- 10. Discovery ----------------------------------------------------------------------------------------


def _touch(path: Path, text: str = GOOD_JSONL) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_discover_a_root_folder_of_table_folders(tmp_path: Path) -> None:
    root = tmp_path / "export"
    web = _touch(root / "web_logs" / "part-00000.json.gz")
    c0 = _touch(root / "courses" / "part-00000.csv")
    c1 = _touch(root / "courses" / "part-00001.csv")
    acc = _touch(root / "accounts" / "part-00000.json")
    found = discover([root])
    assert found == {"accounts": [acc], "courses": [c0, c1], "web_logs": [web]}
    assert list(found) == ["accounts", "courses", "web_logs"]  # parents first, web_logs last


def test_discover_nested_job_folders_skipping_hidden_and_schema_files(tmp_path: Path) -> None:
    root = tmp_path / "export"
    a = _touch(root / "courses" / "job_8f2c" / "part-00000-1a2b.json.gz")
    b = _touch(root / "courses" / "job_9d1e" / "part-00001-3c4d.json")
    _touch(root / "courses" / ".DS_Store")
    _touch(root / "courses" / ".part-00000.json.crc")
    _touch(root / "courses" / ".staging" / "part-00009.json")
    _touch(root / "courses" / "courses_schema_version_3.json", '{"schema": {}, "version": 3}')
    _touch(root / "courses" / "job_8f2c" / "courses_schema_version_4.json", '{"schema": {}, "version": 4}')
    assert discover([root]) == {"courses": [a, b]}


def test_discover_a_table_folder(tmp_path: Path) -> None:
    download = tmp_path / "downloads" / "job_123"
    part = _touch(download / "part-00000.json.gz")
    assert discover([download], table="courses") == {"courses": [part]}
    named = _touch(tmp_path / "x" / "courses" / "part-0.json")
    assert discover([tmp_path / "x" / "courses"]) == {"courses": [named]}


def test_discover_several_paths_are_merged(tmp_path: Path) -> None:
    a = _touch(tmp_path / "snap" / "courses" / "part-0.json")
    b = _touch(tmp_path / "incr" / "courses" / "part-0.json")
    w = _touch(tmp_path / "incr" / "web_logs" / "part-0.json")
    assert discover([tmp_path / "snap", tmp_path / "incr"]) == {"courses": [a, b], "web_logs": [w]}


def test_discover_a_single_file_needs_a_table(tmp_path: Path) -> None:
    part = _touch(tmp_path / "part-00000.json.gz")
    assert discover([part], table="courses") == {"courses": [part]}
    with pytest.raises(ValueError, match="table"):
        discover([part])


def test_discover_unknown_table_is_a_value_error(tmp_path: Path) -> None:
    part = _touch(tmp_path / "job_1" / "part-0.json")
    with pytest.raises(ValueError, match="grading_periodz"):
        discover([tmp_path / "job_1"], table="grading_periodz")
    with pytest.raises(ValueError, match="grading_periodz"):
        discover([part], table="grading_periodz")


def test_discover_a_folder_without_tables_is_a_value_error(tmp_path: Path) -> None:
    _touch(tmp_path / "job_1" / "part-0.json")
    with pytest.raises(ValueError, match="table"):
        discover([tmp_path / "job_1"])


def test_discover_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        discover([tmp_path / "nope"])
