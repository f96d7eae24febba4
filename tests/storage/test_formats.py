"""Export file readers (canvas-data-2-import.md §1.2): format detection and record splitting.

Pure tests, no database: every file is written by hand, byte for byte, and read back through the public
reader (``detect_format``, ``RecordFile``), whose records are ``(line, meta.ts, meta.action, key.id, values)``
with CSV/TSV values as text and NULL as None.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from analytics_gateway.storage._formats import (
    BAD_RECORD,
    FileFormat,
    ImportFormatError,
    RecordFile,
    detect_format,
    tsv_field,
)


def _write(tmp_path: Path, content: str | bytes, *, name: str = "part-0", compress: bool = False) -> Path:
    data = content.encode() if isinstance(content, str) else content
    path = tmp_path / name
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def _records(path: Path) -> list[tuple[Any, ...]]:
    """The file's records, with the values always as a ``{column: value}`` dict.

    CSV/TSV readers may hand values over as the record's field list, read through the file's
    ``positions`` (column → field index) once the header is known; TSV fields still undecoded
    (``raw_tsv``), which the importer's row converter decodes.
    """
    source = RecordFile(path)
    out = []
    for line, ts, action, key, values in source:
        if not isinstance(values, dict):
            positions: dict[str, int] = getattr(source, "positions", None) or {}
            decode = tsv_field if source.raw_tsv else (lambda v: v)
            values = {col: decode(values[pos]) for col, pos in positions.items()}
        out.append((line, ts, action, key, values))
    return out


def _error(path: Path) -> ImportFormatError:
    """The first problem of a file: a reading error, or the first unreadable record.

    A malformed line is handed over as a ``BAD_RECORD`` record (so ``--skip-bad-rows`` can read on);
    it is turned into the error the importer would raise.
    """
    try:
        records = _records(path)
    except ImportFormatError as exc:
        return exc
    for line, _ts, action, _key, values in records:
        if action == BAD_RECORD:
            return ImportFormatError(path, line, str(values))
    pytest.fail(f"{path} was read without an error")


# --- format detection -------------------------------------------------------------------------------------

JSONL_TEXT = '{"meta":{"ts":"2025-03-01T10:00:00Z","action":"U"},"key":{"id":1},"value":{"name":"a"}}\n'
CSV_TEXT = "meta.ts,meta.action,key.id,value.name\n2025-03-01T10:00:00Z,U,1,a\n"
TSV_TEXT = "meta.ts\tmeta.action\tkey.id\tvalue.name\n2025-03-01T10:00:00Z\tU\t1\ta\n"


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        # Misleading names on purpose: only the content counts.
        (JSONL_TEXT, "part-0.csv", FileFormat.JSONL),
        (CSV_TEXT, "part-0.json", FileFormat.CSV),
        (TSV_TEXT, "part-0.csv", FileFormat.TSV),
        ("key.id,value.name\n1,a\n", "data", FileFormat.CSV),
        ("key.id\tvalue.name\n1\ta\n", "data.json", FileFormat.TSV),
        ('"meta.ts","key.id","value.name"\n2025-03-01T10:00:00Z,1,a\n', "x.tsv", FileFormat.CSV),
        ("\ufeff" + CSV_TEXT, "bom.csv", FileFormat.CSV),
        ("\n\n" + JSONL_TEXT, "blank-first.json", FileFormat.JSONL),
        ("", "empty.json", FileFormat.EMPTY),
        (" \n\r\n", "blank.json", FileFormat.EMPTY),
    ],
)
def test_detect_format_from_content(
    tmp_path: Path, content: str, name: str, expected: str, compress: bool
) -> None:
    assert detect_format(_write(tmp_path, content, name=name, compress=compress)) == expected


def test_detect_parquet_by_magic(tmp_path: Path) -> None:
    assert detect_format(_write(tmp_path, b"PAR1\x00\x00rest", name="part-0.json")) == FileFormat.PARQUET


@pytest.mark.parametrize(
    "content",
    [
        b"hello world\n",
        b"id,name\n1,a\n",  # a CSV, but not a DAP export (no meta./key. header)
        b'[{"meta": {}, "key": {"id": 1}}]\n',
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"meta.ts\n2025-03-01T10:00:00Z\n",  # one column: neither CSV nor TSV
    ],
    ids=["text", "plain-csv", "json-array", "png", "one-column"],
)
def test_detect_rejects_files_that_are_not_exports(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, content, name="part-0.json")
    with pytest.raises(ImportFormatError) as info:
        detect_format(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_is_an_error_naming_the_file(tmp_path: Path) -> None:
    whole = gzip.compress((JSONL_TEXT * 50).encode(), mtime=0)
    path = _write(tmp_path, whole[: len(whole) // 2], name="part-0.json.gz")
    with pytest.raises(ImportFormatError) as info:
        _records(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_empty_files_have_no_records(tmp_path: Path, compress: bool) -> None:
    assert _records(_write(tmp_path, "", compress=compress)) == []


# --- JSONL ------------------------------------------------------------------------------------------------


def test_jsonl_keeps_json_types_and_defaults_action_to_upsert(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '{"meta":{"ts":"2025-03-01T10:00:00Z","action":"U"},"key":{"id":1},'
        '"value":{"i":1,"f":1.5,"b":true,"n":null,"s":"","o":{"x":[1,"y"]},"a":["p","q"]}}\n'
        '{"meta":{"ts":"2025-03-01T10:00:01Z"},"key":{"id":"abc"},"value":{}}\n'
        '{"meta":{"ts":"2025-03-01T10:00:02Z","action":"D"},"key":{"id":3}}\n',
    )
    assert _records(path) == [
        (
            1,
            "2025-03-01T10:00:00Z",
            "U",
            1,
            {"i": 1, "f": 1.5, "b": True, "n": None, "s": "", "o": {"x": [1, "y"]}, "a": ["p", "q"]},
        ),
        (2, "2025-03-01T10:00:01Z", "U", "abc", {}),
        (3, "2025-03-01T10:00:02Z", "D", 3, {}),
    ]


def test_jsonl_blank_lines_and_crlf_keep_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '{"meta":{"ts":"t1"},"key":{"id":1},"value":{"a":"x"}}\r\n'
        "\r\n"
        '{"meta":{"ts":"t3"},"key":{"id":3},"value":{"a":"line\\nbreak"}}\r\n',
    )
    assert _records(path) == [(1, "t1", "U", 1, {"a": "x"}), (3, "t3", "U", 3, {"a": "line\nbreak"})]


def test_jsonl_with_byte_order_mark(tmp_path: Path) -> None:
    # detect_format accepts a leading BOM as JSONL, so the reader must read that first record too.
    path = _write(tmp_path, b"\xef\xbb\xbf" + JSONL_TEXT.encode())
    assert _records(path) == [(1, "2025-03-01T10:00:00Z", "U", 1, {"name": "a"})]


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"meta":{"ts":"t"},"key":{"id":3},"value":{"a":',  # cut off
        "[1, 2, 3]",  # not an object
        '{"meta":{"ts":"t"},"value":{"a":1}}',  # no key
        '{"meta":{"ts":"t"},"key":{"id":3},"value":[1]}',  # value not an object
    ],
    ids=["invalid-json", "array", "no-key", "value-not-object"],
)
def test_jsonl_malformed_line_names_file_and_line(tmp_path: Path, bad_line: str) -> None:
    path = _write(tmp_path, JSONL_TEXT + JSONL_TEXT + bad_line + "\n" + JSONL_TEXT)
    err = _error(path)
    assert err.line == 3
    assert f"{path}:3" in str(err)


# --- CSV --------------------------------------------------------------------------------------------------


def test_csv_quoted_empty_is_a_string_unquoted_empty_and_null_are_null(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'meta.ts,key.id,value.a,value.b,value.c\nt1,1,"",NULL,\nt2,2,"NULL",,x\nt3,3,NULL,null,Null\n',
    )
    assert _records(path) == [
        (2, "t1", "U", "1", {"a": "", "b": None, "c": None}),
        (3, "t2", "U", "2", {"a": "NULL", "b": None, "c": "x"}),
        # Only the exact unquoted literal NULL is NULL.
        (4, "t3", "U", "3", {"a": None, "b": "null", "c": "Null"}),
    ]


def test_csv_escaped_quotes_separators_and_trailing_empty_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "meta.ts,key.id,value.a,value.b\n"
        't,1,"say ""hi"", ok",""""\n'
        't,2,"x",\n'
        "t,3,,\n"
        't,4,,""\n'
        't,5,"[""a"",""b""]","{""k"":1}"\n',
    )
    assert _records(path) == [
        (2, "t", "U", "1", {"a": 'say "hi", ok', "b": '"'}),
        (3, "t", "U", "2", {"a": "x", "b": None}),
        (4, "t", "U", "3", {"a": None, "b": None}),
        (5, "t", "U", "4", {"a": None, "b": ""}),
        (6, "t", "U", "5", {"a": '["a","b"]', "b": '{"k":1}'}),
    ]


def test_csv_multi_line_field_keeps_line_numbers_of_record_starts(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'meta.ts,key.id,value.a,value.b\nt,1,"line one\nline two, ""quoted""\n",x\nt,2,y,z\n',
    )
    assert _records(path) == [
        (2, "t", "U", "1", {"a": 'line one\nline two, "quoted"\n', "b": "x"}),
        (5, "t", "U", "2", {"a": "y", "b": "z"}),
    ]


def test_csv_crlf_line_endings_and_embedded_crlf(tmp_path: Path) -> None:
    path = _write(tmp_path, 'meta.ts,key.id,value.a\r\nt,1,"a\r\nb"\r\nt,2,c\r\nt,3,"d"')
    assert _records(path) == [
        (2, "t", "U", "1", {"a": "a\r\nb"}),
        (4, "t", "U", "2", {"a": "c"}),
        (5, "t", "U", "3", {"a": "d"}),  # last line without a line ending
    ]


def test_csv_quoted_header_bom_and_meta_action(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '\ufeff"meta.ts","meta.action","key.id","value.a"\nt1,D,1,\nt2,,2,x\nt3,U,3,y\n',
    )
    assert _records(path) == [
        (2, "t1", "D", "1", {"a": None}),
        (3, "t2", "U", "2", {"a": "x"}),
        (4, "t3", "U", "3", {"a": "y"}),
    ]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("t,1,x,y\nt,2,x,y,z\n", 3),  # too many fields
        ("t,1,x,y\nt,2,x\n", 3),  # too few fields
        ('t,1,"x"y,z\n', 2),  # text after a closing quote
        ('t,1,x,y\nt,2,"never closed,y\nt,3,x,y\n', 3),  # unterminated quoted field
    ],
    ids=["too-many", "too-few", "junk-after-quote", "unterminated"],
)
def test_csv_malformed_record_names_file_and_line(tmp_path: Path, body: str, line: int) -> None:
    path = _write(tmp_path, "meta.ts,key.id,value.a,value.b\n" + body)
    err = _error(path)
    assert err.line == line
    assert f"{path}:{line}" in str(err)


# --- TSV (PostgreSQL COPY text) ---------------------------------------------------------------------------


def test_tsv_null_empty_and_backslash_escapes(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "meta.ts\tmeta.action\tkey.id\tvalue.a\tvalue.b\n"
        "t\tU\t1\ttab\\there\\nnew\\\\back\t\\N\n"
        "t\tU\t2\t\t\\\\N\n"
        "t\tU\t3\t\\b\\f\\r\\v\tNULL\n"
        "t\tD\t4\t\\N\t\\N\n",
    )
    assert _records(path) == [
        (2, "t", "U", "1", {"a": "tab\there\nnew\\back", "b": None}),
        (3, "t", "U", "2", {"a": "", "b": "\\N"}),  # empty is an empty string; \\N is the text \N
        (4, "t", "U", "3", {"a": "\b\f\r\v", "b": "NULL"}),
        (5, "t", "D", "4", {"a": None, "b": None}),
    ]


def test_tsv_wrong_field_count_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "meta.ts\tkey.id\tvalue.a\nt\t1\tx\nt\t2\tx\ty\n")
    err = _error(path)
    assert err.line == 3
    assert f"{path}:3" in str(err)


def test_csv_and_tsv_without_key_column_are_rejected(tmp_path: Path) -> None:
    csv_path = _write(tmp_path, "meta.ts,value.a\nt,x\n", name="a")
    tsv_path = _write(tmp_path, "meta.ts\tvalue.a\nt\tx\n", name="b")
    for path in (csv_path, tsv_path):
        assert str(path) in str(_error(path))
