"""The command line: tokens, import (success, bad rows, bad paths, bad databases), demo and serve."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from analytics_gateway.cli import _describe, main
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.importer import ImportFailedError
from analytics_gateway.storage.tables import accounts, courses
from analytics_gateway.storage.tokens import AccessToken, find_token

SCOPE = "url:GET|/api/v1/courses/:course_id/analytics/activity"
TS = "2024-03-01T12:00:00Z"

HAS_DEMO = importlib.util.find_spec("analytics_gateway.storage.demo") is not None


def invoke(*args: str, stdin: str | None = None) -> Result:
    """Run the CLI in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(main, list(args), input=stdin)


def assert_clean_failure(result: Result, code: int) -> None:
    """Failed with ``code``, a message on stderr, and no traceback anywhere."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.strip()


async def _rows(url: str, query: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(query)]
    finally:
        await engine.dispose()


def rows(url: str, query: Any) -> list[tuple[Any, ...]]:
    """Rows of a query on the database at ``url``."""
    return asyncio.run(_rows(url, query))


async def _find(url: str, plaintext: str) -> AccessToken | None:
    engine = create_engine(url)
    try:
        return await find_token(engine, plaintext)
    finally:
        await engine.dispose()


def jsonl(key: Any, value: dict[str, Any], *, ts: str = TS, action: str = "U") -> str:
    """One DAP JSONL record."""
    return json.dumps({"meta": {"ts": ts, "action": action}, "key": {"id": key}, "value": value}) + "\n"


def write_export(root: Path, *, bad_course_line: bool = False) -> Path:
    """A tiny export: accounts as JSONL (two part files), courses as CSV."""
    (root / "accounts").mkdir(parents=True)
    (root / "courses").mkdir()
    (root / "accounts" / "part-00000.jsonl").write_text(
        jsonl(1, {"name": "Root", "workflow_state": "active"})
        + jsonl(
            2, {"name": "Science", "parent_account_id": 1, "root_account_id": 1, "workflow_state": "active"}
        )
    )
    (root / "accounts" / "part-00001.jsonl").write_text(
        jsonl(3, {"name": "Arts", "parent_account_id": 1, "root_account_id": 1, "workflow_state": "active"})
    )
    lines = [
        "meta.ts,meta.action,key.id,value.name,value.account_id,value.workflow_state",
        f"{TS},U,10,Biology 101,2,available",
        f"{TS},U,{'not-a-number' if bad_course_line else 11},Painting,3,claimed",
        f"{TS},U,12,Chemistry,2,available",
    ]
    (root / "courses" / "part-00000.csv").write_text("\n".join(lines) + "\n")
    return root


# --- tokens ------------------------------------------------------------------------------------------------


def test_tokens_create_prints_the_token_last_and_revoke_works(database_url: str) -> None:
    result = invoke(
        "tokens",
        "create",
        "--user-id",
        "42",
        "--scope",
        SCOPE,
        "--expires-at",
        "2099-01-02T03:04:05+01:00",
        "--purpose",
        "dashboards",
        "--database",
        database_url,
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    plaintext = lines[-1]
    assert plaintext.startswith("ag~")
    assert " " not in plaintext
    assert plaintext not in "\n".join(lines[:-1])
    assert "user id:    42" in lines
    assert f"scopes:     {SCOPE}" in lines
    assert "expires at: 2099-01-02T02:04:05Z" in lines
    assert "warning: user 42 is not in the imported users table" in result.stderr

    token = asyncio.run(_find(database_url, plaintext))
    assert token is not None
    assert token.user_id == 42
    assert token.scopes == (SCOPE,)
    assert token.purpose == "dashboards"

    revoked = invoke("tokens", "revoke", plaintext, "--database", database_url)
    assert revoked.exit_code == 0, revoked.output
    assert f"Revoked token {token.id} of user 42" in revoked.stdout
    found = asyncio.run(_find(database_url, plaintext))
    assert found is not None
    assert found.revoked_at is not None


def test_tokens_revoke_by_id_and_from_stdin(database_url: str) -> None:
    first = invoke("tokens", "create", "--user-id", "1", "--database", database_url).stdout.splitlines()[-1]
    second = invoke("tokens", "create", "--user-id", "1", "--database", database_url).stdout.splitlines()[-1]
    token = asyncio.run(_find(database_url, first))
    assert token is not None
    assert token.scopes is None

    by_id = invoke("tokens", "revoke", str(token.id), "--database", database_url)
    assert by_id.exit_code == 0, by_id.output
    by_stdin = invoke("tokens", "revoke", "-", "--database", database_url, stdin=second + "\n")
    assert by_stdin.exit_code == 0, by_stdin.output
    for plaintext in (first, second):
        found = asyncio.run(_find(database_url, plaintext))
        assert found is not None
        assert found.revoked_at is not None


def test_tokens_revoke_unknown(database_url: str) -> None:
    result = invoke("tokens", "revoke", "424242", "--database", database_url)
    assert_clean_failure(result, 1)
    assert result.stderr == "error: no token with id 424242\n"
    result = invoke("tokens", "revoke", "ag~nope", "--database", database_url)
    assert_clean_failure(result, 1)
    assert "ag~nope" not in result.stderr  # a token value is never echoed back


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "url:GET|/api/v2/x"], "invalid scope"),
        (["--expires-at", "next tuesday"], "not an ISO 8601 time"),
        (["--expires-at", "2001-01-01"], "is in the past"),
        (["--user-id", "0"], "--user-id"),
    ],
)
def test_tokens_create_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    if "--user-id" not in args:
        args = ["--user-id", "5", *args]
    result = invoke("tokens", "create", *args, "--database", url)
    assert_clean_failure(result, 2)
    assert message in result.stderr
    assert not (tmp_path / "db.sqlite").exists()  # rejected before the database was touched


# --- import ------------------------------------------------------------------------------------------------


def test_import_prints_a_summary_and_loads_rows(database_url: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    result = invoke("import", str(export), "--database", database_url)
    assert result.exit_code == 0, result.output
    out = result.stdout
    # Off a terminal: one line per finished table, then the summary.
    assert "accounts: 2 files, 3 records in" in out
    assert "courses: 1 file, 3 records in" in out
    assert "Import summary" in out
    for header in ("files", "upserted", "deleted", "duplicates", "skipped", "seconds", "rows/s"):
        assert header in out
    assert rows(database_url, select(accounts.c.id, accounts.c.name).order_by(accounts.c.id)) == [
        (1, "Root"),
        (2, "Science"),
        (3, "Arts"),
    ]
    assert rows(database_url, select(courses.c.id, courses.c.account_id).order_by(courses.c.id)) == [
        (10, 2),
        (11, 3),
        (12, 2),
    ]

    # Importing again changes nothing and still succeeds.
    again = invoke("import", str(export), "--database", database_url)
    assert again.exit_code == 0, again.output
    assert len(rows(database_url, select(courses.c.id))) == 3


def test_import_one_table_with_table_option(database_url: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    part = export / "accounts" / "part-00001.jsonl"
    result = invoke("import", str(part), "--table", "accounts", "--database", database_url)
    assert result.exit_code == 0, result.output
    assert rows(database_url, select(accounts.c.id)) == [(3,)]


def test_import_malformed_line_fails_naming_file_and_line(database_url: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", bad_course_line=True)
    result = invoke("import", str(export), "--database", database_url)
    assert_clean_failure(result, 1)
    bad_file = export / "courses" / "part-00000.csv"
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: import of courses failed, nothing of it was written: ")
    assert f"{bad_file}:3:" in first
    assert "note: tables imported before it stay imported: accounts" in result.stderr
    assert "accounts: 2 files, 3 records in" in result.stdout
    assert len(rows(database_url, select(accounts.c.id))) == 3
    assert rows(database_url, select(courses.c.id)) == []


def test_import_skip_bad_rows_reports_them(database_url: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", bad_course_line=True)
    result = invoke("import", str(export), "--skip-bad-rows", "--database", database_url)
    assert result.exit_code == 0, result.output
    bad_file = export / "courses" / "part-00000.csv"
    assert "Skipped 1 bad row:" in result.stdout
    assert f"  {bad_file}:3: " in result.stdout
    assert rows(database_url, select(courses.c.id).order_by(courses.c.id)) == [(10,), (12,)]


def test_import_missing_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    result = invoke("import", str(tmp_path / "nowhere"), "--database", url)
    assert_clean_failure(result, 2)
    assert "does not exist" in result.stderr
    assert not (tmp_path / "db.sqlite").exists()


@pytest.mark.parametrize(
    ("setup", "extra", "code", "message"),
    [
        ("file", [], 1, "a single file needs --table NAME"),
        ("empty", [], 1, "holds no table folders"),
        ("file", ["--table", "nonsense"], 2, "unknown table 'nonsense'"),
    ],
)
def test_import_discovery_errors(
    tmp_path: Path, setup: str, extra: list[str], code: int, message: str
) -> None:
    target = tmp_path / "data"
    if setup == "file":
        target.write_text(jsonl(1, {"name": "Root"}))
    else:
        target.mkdir()
    result = invoke("import", str(target), *extra, "--database", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert_clean_failure(result, code)
    assert message in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/x", "error: unsupported database 'mysql'"),
        ("not a url", "error: not a database URL"),
        (
            "postgresql://postgres:s3cret@127.0.0.1:1/nowhere",
            "error: cannot open database postgresql://postgres:***@",
        ),
        (
            "sqlite:////nonexistent-dir/sub/x.db",
            "error: cannot open database sqlite:////nonexistent-dir/sub/x.db",
        ),
    ],
)
def test_bad_database_url(tmp_path: Path, url: str, message: str) -> None:
    export = write_export(tmp_path / "export")
    for args in (["import", str(export)], ["tokens", "create", "--user-id", "1"], ["tokens", "revoke", "1"]):
        result = invoke(*args, "--database", url)
        assert_clean_failure(result, 1)
        assert result.stderr.startswith(message), result.stderr
        assert "s3cret" not in result.output


def test_database_that_cannot_be_opened(tmp_path: Path) -> None:
    # A folder where the SQLite file should be: the connect itself fails (and aiosqlite's worker thread
    # must not print a traceback on its way out).
    url = f"sqlite:///{tmp_path}"
    for _ in range(3):
        result = invoke("tokens", "revoke", "1", "--database", url)
        assert_clean_failure(result, 1)
        assert result.stderr == f"error: cannot open database {url}: unable to open database file\n"


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", f"sqlite:///{db}")
    result = invoke("tokens", "create", "--user-id", "3")
    assert result.exit_code == 0, result.output
    assert db.exists()


def test_end_to_end_through_the_installed_command(database_url: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", bad_course_line=True)
    script = shutil.which("analytics-gateway", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "analytics_gateway.cli"]
    proc = subprocess.run(
        [*command, "import", str(export), "--database", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("error: import of courses failed")
    assert f"{export / 'courses' / 'part-00000.csv'}:3:" in proc.stderr


# --- helpers -----------------------------------------------------------------------------------------------


def test_describe_keeps_sql_out_of_messages() -> None:
    orig = RuntimeError("disk I/O error")
    wrapped = DBAPIError("INSERT INTO web_logs VALUES (?, ?)", [(1, 2)] * 1000, orig)
    assert _describe(wrapped) == "disk I/O error"
    failed = ImportFailedError("web_logs", wrapped)
    assert _describe(failed) == "import of web_logs failed, nothing of it was written: disk I/O error"
    assert len(_describe(ValueError("x" * 10_000))) <= 500


def test_help_for_every_command() -> None:
    for args in (
        [],
        ["serve"],
        ["import"],
        ["demo"],
        ["tokens"],
        ["tokens", "create"],
        ["tokens", "revoke"],
    ):
        result = invoke(*args, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.stdout


# --- demo and serve ----------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_DEMO, reason="analytics_gateway.storage.demo is not written yet")
def test_demo_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = invoke("demo", "--scale", "small", "--seed", "1", "--database", url)
    assert result.exit_code == 0, result.output
    assert "Admin user id: 1" in result.stdout
    assert rows(url, select(accounts.c.id).limit(1))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.skipif(not HAS_DEMO, reason="analytics_gateway.storage.demo is not written yet")
def test_serve_demo_starts_and_prints_a_token(tmp_path: Path) -> None:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    out = tmp_path / "stdout.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analytics_gateway.cli",
                "serve",
                "--demo",
                "--port",
                str(port),
                "--database",
                url,
            ],
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            deadline = time.monotonic() + 300
            healthy = False
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                        healthy = resp.status == 200 and json.loads(resp.read()) == {"status": "ok"}
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.5)
            assert healthy, f"server did not become healthy (exit code {proc.poll()})"
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                _, stderr = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, stderr = proc.communicate()
    text = out.read_text()
    assert f"URL:       http://127.0.0.1:{port}/" in text
    assert f"GraphiQL:  http://127.0.0.1:{port}/graphql" in text
    assert f"Dashboard: http://127.0.0.1:{port}/dashboard" in text
    token_lines = [line for line in text.splitlines() if line.startswith("Token:     ag~")]
    assert len(token_lines) == 1
    assert b"Traceback" not in stderr
    assert proc.returncode == 0
