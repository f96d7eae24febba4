"""Shared machinery of the fuzz tests (issue 6, item 1) and of ``bench/fuzz.py``.

* :func:`institution`: a small institution whose SIS ids hold the characters that break naive code
  (slashes, quotes, percent signs, non-ASCII), with a user per role.
* :class:`ServedApp`: the real application on a real TCP port, in a thread with its own event loop, so
  that synchronous HTTP clients (schemathesis uses ``requests``) can call it from a test. Everything the
  application logs at ERROR or above (an unhandled exception, a masked GraphQL error) is collected: a
  fuzz case that makes the server log an internal error fails even when the client saw a tidy answer.
* :func:`rest_problems` / :func:`graphql_problems`: what is wrong with a response (empty when nothing).
* Hypothesis strategies for what schema-driven generation does not reach: odd ids, huge and malformed
  numbers, bad pagination, sort, ``async`` and ``include[]`` parameters, malformed tokens.
"""

from __future__ import annotations

import asyncio
import logging
import os
import string
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

import orjson
from aiohttp import web
from hypothesis import strategies as st

from analytics_gateway.app import create_app
from analytics_gateway.config import Settings
from analytics_gateway.storage.engine import create_engine, migrate
from analytics_gateway.storage.tokens import create_token, revoke_token
from tests._dataset import Dataset

__all__ = [
    "ADMIN",
    "COURSE",
    "EXAMPLES_ENV",
    "LEAK_MARKERS",
    "MAX_REQUEST_LINE",
    "REAL_IDS",
    "SIS",
    "STUDENT",
    "TEACHER",
    "Loaded",
    "ServedApp",
    "examples",
    "graphql_problems",
    "institution",
    "load_institution",
    "rest_problems",
]

EXAMPLES_ENV = "ANALYTICS_FUZZ_EXAMPLES"
# aiohttp's HTTP parser refuses a longer request line or header (400, text/plain) before the application
# sees the request; the fuzzers stay under it (see the README's Fuzzing notes).
MAX_REQUEST_LINE = 8_000
DEFAULT_EXAMPLES = 10

ROOT, SUB = 1, 2
TERM = 1
COURSE, OTHER_COURSE = 10, 11
ADMIN, TEACHER, STUDENT, OTHER_STUDENT = 1, 3, 2000, 2001
SIS = {
    "account": "root/ü 'x'",
    "sub": "sub%2Fa",
    "term": 'T/1 "quoted"',
    "course": "CS/101 ümlaut",
    "other_course": "100%",
    "student": "stu/1'\"",
    "other_student": "ünï cødé 名前",
}
LOGIN = "first.last+tag@example.edu"

# What must never reach a client: Python internals, driver names, SQL.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "sqlite3",
    "psycopg",
    "SELECT ",
    "INSERT INTO",
    " FROM ",
    " WHERE ",
    "Exception",
    "Error(",
    "KeyError",
    "ValueError",
    "TypeError",
    "AttributeError",
    "AssertionError",
    "IndexError",
    "OverflowError",
    "DataError",
    "IntegrityError",
    "OperationalError",
    "ProgrammingError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "analytics_gateway.",
    "/site-packages/",
)


def examples(default: int = DEFAULT_EXAMPLES) -> int:
    """Examples per generated strategy: ``ANALYTICS_FUZZ_EXAMPLES``, else ``default``."""
    raw = os.environ.get(EXAMPLES_ENV, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


# --- The institution ---------------------------------------------------------------------------------------


def institution() -> Dataset:
    """Root account with a sub-account, one term, two published courses, an admin, a teacher and students."""
    ds = Dataset()
    root = ds.account(ROOT, name="Root 'U'", sis=SIS["account"])
    sub = ds.account(SUB, name="Süb", parent=root, sis=SIS["sub"])
    term = ds.term(TERM, root=root, sis=SIS["term"])
    course = ds.course(COURSE, account=sub, term=term, name="CS 101", sis=SIS["course"])
    other = ds.course(OTHER_COURSE, account=root, term=term, name="Ünïcode", sis=SIS["other_course"])
    ds.user(ADMIN, name="Admin", sis_user_id="admin", root=root)
    ds.admin(ADMIN, account=root)
    ds.user(TEACHER, name="Teacher", login="teacher@example.edu", root=root)
    ds.user(STUDENT, name="Ada", sis_user_id=SIS["student"], login=LOGIN, root=root)
    ds.user(OTHER_STUDENT, name="Bob", sis_user_id=SIS["other_student"], root=root)
    start = datetime(2026, 3, 2, 9)
    for c in (course, other):
        section = ds.section(course=c)
        ds.enroll(TEACHER, course=c, section=section, type="TeacherEnrollment")
        for student in (STUDENT, OTHER_STUDENT):
            enrollment = ds.enroll(student, course=c, section=section)
            ds.score(enrollment, 87.5 if student == STUDENT else 42.0)
        for n in range(3):
            assignment = ds.assignment(
                course=c,
                title=f"Task {n} ü",
                due_at=start + timedelta(days=7 * n),
                points_possible=None if n == 2 else 10.0,
            )
            ds.submission(
                assignment=assignment,
                user=STUDENT,
                submitted_at=start + timedelta(days=7 * n - 1),
                score=8.0,
                posted_at=start + timedelta(days=7 * n + 1),
                state="graded",
            )
        for day in range(4):
            for student in (STUDENT, OTHER_STUDENT, TEACHER):
                ds.page_view(
                    user=student,
                    course=c,
                    at=start + timedelta(days=day, hours=student % 5),
                    controller="quizzes/quizzes" if day % 2 else "wiki_pages",
                    participated=day == 1,
                )
    return ds


@dataclass(frozen=True)
class Loaded:
    """Tokens of the loaded institution: valid ones per user, and refused ones of every kind."""

    tokens: dict[str, str]

    @property
    def admin(self) -> str:
        return self.tokens["admin"]


async def load_institution(database_url: str, export_dir: Path) -> Loaded:
    """Migrate the database, import :func:`institution` and create the tokens the fuzzers use."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        await institution().load(engine, export_dir)
        tokens: dict[str, str] = {}
        for name, user in (("admin", ADMIN), ("teacher", TEACHER), ("student", STUDENT)):
            _, tokens[name] = await create_token(engine, user_id=user)
        _, tokens["scoped"] = await create_token(
            engine, user_id=ADMIN, scopes=["url:GET|/api/v1/courses/:course_id/analytics/activity"]
        )
        _, tokens["expired"] = await create_token(engine, user_id=ADMIN, expires_at=datetime(2020, 1, 1))
        _, tokens["revoked"] = await create_token(engine, user_id=ADMIN)
        await revoke_token(engine, tokens["revoked"])
    finally:
        await engine.dispose()
    return Loaded(tokens)


# --- The served application --------------------------------------------------------------------------------


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class ServedApp:
    """``with ServedApp(url) as app:`` the gateway at ``app.base_url`` until the block ends."""

    database_url: str
    base_url: str = ""
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _error: BaseException | None = None
    _collector: _Collector = field(default_factory=_Collector)

    def __enter__(self) -> Self:
        for name in ("analytics_gateway", "aiohttp"):
            logging.getLogger(name).addHandler(self._collector)
        self._thread = threading.Thread(target=self._serve, name="fuzz-server", daemon=True)
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._start())
        except BaseException as exc:  # reported by __enter__
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        assert self._runner is not None
        loop.run_until_complete(self._runner.cleanup())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    async def _start(self) -> None:
        app = create_app(Settings(database_url=self.database_url))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(60)
        for name in ("analytics_gateway", "aiohttp"):
            logging.getLogger(name).removeHandler(self._collector)

    def take_logged_errors(self) -> list[str]:
        """Errors the server logged since the last call (each with its exception), and forget them."""
        found = [
            f"{r.name}: {r.getMessage()}"
            + (f" [{type(r.exc_info[1]).__name__}: {r.exc_info[1]}]" if r.exc_info and r.exc_info[1] else "")
            for r in self._collector.records
        ]
        self._collector.records.clear()
        return found


# --- Response checks ---------------------------------------------------------------------------------------


def _leaks(text: str) -> list[str]:
    return [f"leaks {marker!r}" for marker in LEAK_MARKERS if marker in text]


def _error_shape(body: Any) -> str | None:
    """Why ``body`` is not Canvas's error shape (``{"errors":[{"message": str}]}``, maybe ``status``)."""
    if not isinstance(body, dict) or not set(body) <= {"errors", "status"} or "errors" not in body:
        return f"error body is not {{'errors': [...]}}: {str(body)[:200]}"
    errors = body["errors"]
    if not isinstance(errors, list) or not errors:
        return "errors is not a non-empty list"
    for entry in errors:
        if not isinstance(entry, dict) or not isinstance(entry.get("message"), str) or not entry["message"]:
            return f"error entry without a message: {entry!r}"[:200]
    if "status" in body and body["status"] not in ("unauthenticated", "unauthorized"):
        return f"unexpected status {body['status']!r}"
    return None


def rest_problems(status: int, content_type: str, raw: bytes) -> list[str]:
    """What is wrong with a REST answer: a 5xx (the 503 of an import in progress aside), not JSON, an
    error without Canvas's shape, or a leak of internals."""
    problems: list[str] = []
    if status >= 500 and status != 503:
        problems.append(f"status {status}")
    text = raw.decode("utf-8", "replace")
    problems += _leaks(text)
    if not content_type.startswith("application/json"):
        problems.append(f"content type {content_type!r}")
        return problems
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return [*problems, "body is not JSON"]
    if status >= 400 and (why := _error_shape(body)) is not None:
        problems.append(why)
    return problems


def graphql_problems(status: int, content_type: str, raw: bytes) -> list[str]:
    """What is wrong with a GraphQL answer: a 5xx, not JSON, neither a result (``data`` and/or
    ``errors``) nor an error list, an internal (masked) error, or a leak."""
    problems: list[str] = []
    if status >= 500 and status != 503:
        problems.append(f"status {status}")
    text = raw.decode("utf-8", "replace")
    problems += _leaks(text)
    if not content_type.startswith("application/json"):
        return [*problems, f"content type {content_type!r}"]
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return [*problems, "body is not JSON"]
    results = body if isinstance(body, list) else [body]
    for result in results:
        if not isinstance(result, dict) or not result or not set(result) <= {"data", "errors", "extensions"}:
            problems.append(f"not a GraphQL result: {str(result)[:200]}")
            continue
        if status != 200 and "data" not in result and (why := _error_shape(result)) is not None:
            problems.append(why)
        for error in result.get("errors") or []:
            if not isinstance(error, dict) or not isinstance(error.get("message"), str):
                problems.append(f"malformed error entry: {str(error)[:200]}")
            elif (error.get("extensions") or {}).get("code") == "INTERNAL":
                problems.append(f"internal error at {error.get('path')}")
    return problems


# --- Strategies --------------------------------------------------------------------------------------------

_ODD_CHARS = "/%'\"\\ \t?#&=+;:,.<>{}[]|`^~\x00\x7f\u00e9\u00fc\u4e2d\U0001f600\u202e\ufeff\ud7ff\uffff"
NASTY = [
    "\x00",
    "a\x00b",
    "%00",
    "%2F",
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    "\\",
    "..",
    "../../etc/passwd",
    "\ud800",  # a lone surrogate: not valid UTF-8 once percent-encoded
    "\u00b2",
    "\u0661",
    "\uffff",
    "\U0001f600",
    "\u202e",
    " ",
    "%",
    "%zz",
]
"""Values that broke (or break) naive code: NUL, quotes, SQL, path tricks, odd digits and code points."""

odd_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.one_of(st.sampled_from(_ODD_CHARS), st.characters(codec="utf-8")), max_size=40),
)
"""Strings rich in the characters that break parsers, URLs and SQL drivers."""

long_text = st.integers(min_value=300, max_value=1_500).map(lambda n: "x/" * n)

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "0",
            "-1",
            "-0",
            "+1",
            "00001",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551616",
            "1e9",
            "1.5",
            "0x10",
            " 1",
            "1 ",
            "NaN",
            "Infinity",
            "\u0661\u0662",
            "\u00b2",
            "\uff11",
            "1_000",
            "9" * 4_301,
            "1" + "0" * 5_000,
        ]
    ),
    st.integers(min_value=20, max_value=5_000).map(lambda n: "9" * n),
)
"""Numbers as text: huge, negative, non-decimal, non-ASCII digits (``١٢``, ``²``, fullwidth ``１``)."""


def _sis_ref(prefix: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(
            lambda v: f"{prefix}:{v}", st.one_of(odd_text, long_text, st.sampled_from(list(SIS.values())))
        ),
        st.builds(lambda v: f"hex:{prefix}:{v.encode('utf-8', 'surrogatepass').hex()}", odd_text),
        st.builds(lambda v: f"hex:{prefix}:{v}", st.text(alphabet=string.hexdigits + "xg", max_size=12)),
    )


REAL_IDS: dict[str, list[str]] = {
    "account_id": ["self", str(ROOT), str(SUB), f"sis_account_id:{SIS['account']}"],
    "term_id": ["default", str(TERM), f"sis_term_id:{SIS['term']}"],
    "course_id": [str(COURSE), str(OTHER_COURSE), f"sis_course_id:{SIS['course']}"],
    "student_id": ["self", str(STUDENT), f"sis_user_id:{SIS['student']}", f"sis_login_id:{LOGIN}"],
    "id": ["1", "2"],
}
"""Path parameter values that name real objects of :func:`institution` (odd SIS ids included)."""


def path_ids(name: str) -> st.SearchStrategy[str]:
    """Values of the path parameter ``name``: real ids, keywords and odd or malformed references."""
    prefixes = {
        "account_id": ["sis_account_id"],
        "term_id": ["sis_term_id"],
        "course_id": ["sis_course_id"],
        "student_id": ["sis_user_id", "sis_login_id"],
        "id": ["sis_id"],
    }
    return st.one_of(
        st.sampled_from([*REAL_IDS[name], "current"] if name == "term_id" else REAL_IDS[name]),
        numbers,
        st.sampled_from(prefixes[name]).flatmap(_sis_ref),
        odd_text.filter(bool),
    )


def encode_segment(value: str) -> str:
    """A path segment percent-encoded as a client would (``/`` as ``%2F``; lone surrogates as UTF-8)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


_SORT = ["name", "score_descending", "page_views_ascending", "participations", "Name", "score_desc"]
query_values: dict[str, st.SearchStrategy[str]] = {
    "per_page": st.one_of(numbers, odd_text),
    "page": st.one_of(numbers, odd_text),
    "sort_column": st.one_of(st.sampled_from(_SORT), odd_text),
    "async": st.one_of(st.sampled_from(["true", "1", "yes", "on", "false", "TRUE", " t "]), odd_text),
    "include[]": st.one_of(st.sampled_from(["users", "students", "*"]), odd_text),
    "student_id": st.one_of(st.sampled_from([str(STUDENT), "self"]), numbers, odd_text),
    "access_token": odd_text,
    "per_page[]": numbers,
    "page[page]": numbers,
}
"""Query parameters the routes read (and some they do not), each with hostile values."""

query_params = st.lists(
    st.sampled_from(sorted(query_values)).flatmap(lambda k: st.tuples(st.just(k), query_values[k])),
    max_size=6,
)
"""A query string as (name, value) pairs, names repeated at times (the last value wins, as in Rails)."""

# Printable ASCII without leading whitespace: anything else is refused by HTTP (or the client) itself.
_HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(
    str.lstrip
)


def token_headers(tokens: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    """Authorization as clients get it wrong: none, each kind of token, other schemes, garbage."""
    valid = st.sampled_from(sorted(tokens.values()))
    return st.one_of(
        st.just({}),
        valid.map(lambda t: {"Authorization": f"Bearer {t}"}),
        st.builds(
            lambda scheme, t: {"Authorization": f"{scheme}{t}".lstrip()},
            st.sampled_from(["Bearer ", "bearer  ", "Basic ", "Token ", "", "Bearer", "Bearer \t"]),
            st.one_of(valid, _HEADER_TEXT, valid.map(lambda t: t + "x"), valid.map(lambda t: t[:-1])),
        ),
        st.builds(lambda n: {"Authorization": "Bearer " + "a" * n}, st.integers(400, 8_000)),
    )


extra_headers = st.fixed_dictionaries(
    {},
    optional={
        "X-Analytics-Dialect": st.one_of(
            st.sampled_from(["documented", "canvas", "Canvas ", ""]), _HEADER_TEXT
        ),
        "Accept": st.sampled_from(
            ["application/json+canvas-string-ids", "text/html", "*/*", "application/xml", ""]
        ),
        "X-Forwarded-Host": _HEADER_TEXT,
        "X-Forwarded-Proto": st.one_of(st.sampled_from(["https", "http", ""]), _HEADER_TEXT),
    },
)
"""Headers the routes read, with odd values (printable ASCII: anything else is refused by HTTP itself)."""
