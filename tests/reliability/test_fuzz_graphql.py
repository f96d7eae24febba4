"""Fuzzing ``/graphql`` (issue 6, item 1: no 500s on any input), on SQLite and PostgreSQL.

Requests go over HTTP to the real application (``ServedApp``) over the small institution of
``tests/reliability/_fuzz.py``:

* queries generated from the schema itself (hypothesis-graphql, the GraphQL generator schemathesis uses),
  valid ones and ones with a schema violation, with every ``ID`` argument drawn from real global ids,
  ``_id``s, global ids of the wrong type, garbage base64 and odd text, and every ``String`` (SIS ids,
  cursors, term ids) from odd text and forged cursors;
* hand-made hostile requests: huge and negative ``first``/``last``, queries over the depth, alias, token
  and cost limits, malformed documents, bad JSON bodies, wrong content types, GET with a query string,
  batches, wrong variables, and malformed or refused tokens.

Every answer must be JSON: a GraphQL result (``data`` and/or ``errors``) or an error list, never a 5xx,
never a leak, and never an internal (masked) error: a resolver that crashes is a bug even when the client
only sees "An error occurred.". ``ANALYTICS_FUZZ_EXAMPLES`` sets the number of examples.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import hypothesis_graphql
import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analytics_gateway.schema import SCHEMA
from analytics_gateway.schema._ids import encode_global_id
from analytics_gateway.schema.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.conftest import run_sync
from tests.reliability._fuzz import (
    ADMIN,
    COURSE,
    MAX_REQUEST_LINE,
    SIS,
    STUDENT,
    TEACHER,
    Loaded,
    ServedApp,
    encode_segment,
    examples,
    graphql_problems,
    load_institution,
    numbers,
    odd_text,
    token_headers,
)

TIMEOUT = 60
FUZZ = settings(
    max_examples=examples(),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
SDL = SCHEMA.as_str()


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[ServedApp, Loaded]]:
    """The institution loaded into the backend's database and served on a real port."""
    loaded = run_sync(load_institution(database_url, tmp_path / "export"))
    with ServedApp(database_url) as app:
        yield app, loaded


# --- Strategies --------------------------------------------------------------------------------------------

_REAL = {
    "Account": [1, 2],
    "Term": [1],
    "Course": [COURSE, 11],
    "Student": [STUDENT, TEACHER, ADMIN],
    "Section": [],
    "Assignment": [],
    "Enrollment": [],
}
_TYPES = sorted(_REAL)


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()


id_values = st.one_of(
    st.builds(encode_global_id, st.sampled_from(_TYPES), st.sampled_from([1, 2, 10, 11, 1000, STUDENT])),
    st.sampled_from([str(n) for ids in _REAL.values() for n in ids]),
    st.builds(encode_global_id, st.sampled_from(["User", "course", "Node", ""]), st.integers(-5, 2**70)),
    st.builds(lambda t, n: _cursor(f"{t}-{n}"), st.sampled_from(_TYPES), numbers),
    numbers,
    odd_text,
    st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode()),
)
"""Values of ``ID`` arguments: real global and Canvas ids, wrong types, forged base64, odd text."""

string_values = st.one_of(
    st.sampled_from([*SIS.values(), "default", "current", _cursor("cursor:0"), _cursor("cursor:1")]),
    numbers.map(lambda n: _cursor("cursor:" + n)),
    odd_text.map(lambda t: _cursor("cursor:" + t)),
    odd_text,
)
"""Values of ``String`` arguments (SIS ids, cursors, term ids): real ones, forged cursors, odd text."""

int_values = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 100, 101, 2**31 - 1]))


def _node(
    strategy: st.SearchStrategy[str], kind: type[graphql.StringValueNode | graphql.IntValueNode]
) -> st.SearchStrategy[Any]:
    return strategy.map(lambda v: kind(value=v))


SCALARS = {
    "ID": _node(id_values, graphql.StringValueNode),
    "String": _node(string_values, graphql.StringValueNode),
    "Int": _node(int_values.map(str), graphql.IntValueNode),
}


def _send(
    app: ServedApp,
    session: requests.Session,
    *,
    method: str = "POST",
    body: bytes | None = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    path: str = "/graphql",
    answers: list[bytes] | None = None,
) -> list[str]:
    url = app.base_url + path
    if params:
        url += "?" + "&".join(f"{encode_segment(k)}={encode_segment(v)}" for k, v in params.items())
    if len(url) - len(app.base_url) >= MAX_REQUEST_LINE:
        assume(False)  # refused by aiohttp's HTTP parser before the application (see MAX_REQUEST_LINE)
    response = session.request(method, url, data=body, headers=headers, timeout=TIMEOUT)
    if answers is not None:
        answers.append(response.content)
    problems = graphql_problems(
        response.status_code, response.headers.get("Content-Type", ""), response.content
    )
    return problems + app.take_logged_errors()


def _json(value: Any) -> bytes:
    """JSON as a client may send it: ints of any size, lone surrogates as ``\\ud800`` escapes."""
    return json.dumps(value).encode()


def _post(query: str, variables: Any = None) -> bytes:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return _json(payload)


# --- Generated from the schema -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [hypothesis_graphql.Mode.POSITIVE, hypothesis_graphql.Mode.NEGATIVE])
def test_schema_generated_queries(served: tuple[ServedApp, Loaded], mode: hypothesis_graphql.Mode) -> None:
    """Queries over every root field (valid, or with one violation), as the admin, a student or nobody."""
    app, loaded = served
    session = requests.Session()
    callers = st.sampled_from(
        [
            {"Authorization": f"Bearer {loaded.admin}"},
            {"Authorization": f"Bearer {loaded.tokens['student']}"},
            {"Authorization": f"Bearer {loaded.tokens['teacher']}"},
            {},
        ]
    )
    queries = hypothesis_graphql.queries(SDL, custom_scalars=SCALARS, mode=mode)
    answers: list[bytes] = []

    @settings(FUZZ, max_examples=FUZZ.max_examples * 6)
    @given(query=queries, caller=callers)
    def run(query: str, caller: dict[str, str]) -> None:
        headers = caller | {"Content-Type": "application/json"}
        assert not _send(app, session, body=_post(query), headers=headers, answers=answers), query

    run()
    if mode is hypothesis_graphql.Mode.POSITIVE:  # the generated ids reached real objects
        assert any(_found_something(answer) for answer in answers)


def _found_something(answer: bytes) -> bool:
    data = json.loads(answer).get("data")
    return isinstance(data, dict) and any(value is not None for value in data.values())


# --- Hand-made hostile requests ----------------------------------------------------------------------------

COURSE_QUERY = """
query Q($id: ID, $sis: String, $first: Int, $last: Int, $after: String, $before: String, $student: ID) {
  course(id: $id, sisId: $sis) {
    _id
    analytics {
      activity { date views }
      studentSummaries(first: $first, last: $last, after: $after, before: $before, studentId: $student) {
        totalCount nodes { pageViews } pageInfo { endCursor }
      }
    }
    studentsConnection(first: $first, last: $last, after: $after, before: $before) {
      nodes { _id summaryAnalytics { pageViews { total } } }
    }
    account { analytics(filter: TERM, termId: $sis) { statistics { courses } } }
  }
}
"""
_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), odd_text
)
_json_containers = st.lists(_json_scalars, max_size=3) | st.dictionaries(odd_text, _json_scalars, max_size=3)
json_values: st.SearchStrategy[Any] = st.one_of(
    _json_scalars, _json_containers, st.lists(_json_containers, max_size=2)
)
"""Any JSON value, two levels deep at most."""
course_variables = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(id_values, json_values),
        "sis": st.one_of(string_values, json_values),
        "first": st.one_of(
            numbers.map(lambda n: int(n) if n.lstrip("-").isdecimal() and len(n) < 4000 else n),
            st.integers(-(2**70), 2**70),
            json_values,
        ),
        "last": st.one_of(st.integers(-(2**40), 2**40), json_values),
        "after": string_values,
        "before": string_values,
        "student": id_values,
    },
)


def _deep(depth: int) -> str:
    return '{ course(id: "10") { ' + "account { parentAccount { " * depth + "_id" + " } }" * depth + " } }"


def _aliases(count: int) -> str:
    return "{ " + " ".join(f'a{n}: course(id: "10") {{ _id }}' for n in range(count)) + " }"


def _tokens(count: int) -> str:
    return '{ course(id: "10") { ' + " ".join(["_id"] * count) + " } }"


def _costly(first: int) -> str:
    return (
        f'{{ account(id: "1") {{ coursesConnection(first: {first}) {{ nodes {{ '
        f"studentsConnection(first: {first}) "
        "{ nodes { assignments { title } activity { hourly { views } } } } } } } }"
    )


documents = st.one_of(
    st.builds(_deep, st.integers(MAX_DEPTH // 2 - 1, 200)),
    st.builds(_aliases, st.integers(MAX_ALIASES - 2, 400)),
    st.builds(_tokens, st.integers(MAX_TOKENS - 50, 20_000)),
    st.builds(_costly, st.integers(-5, 10_000)),
    st.builds(
        lambda n: f'{{ course(id: "10") {{ studentsConnection(first: {n}) {{ totalCount }} }} }}', numbers
    ),
    st.builds(lambda q, cut: q[:cut], st.just(COURSE_QUERY), st.integers(0, len(COURSE_QUERY))),
    st.builds(lambda s: f"{{ course(sisId: {_json(s).decode()}) {{ _id }} }}", odd_text),
    odd_text,
    st.sampled_from(
        [
            "",
            "{",
            "}",
            "{ course }",
            "query { __schema { types { name } } }",
            "mutation { x }",
            "subscription { x }",
            '{ course(id: "10") { _id } } { course(id: "11") { _id } }',
            'fragment F on Course { ...F } { course(id: "10") { ...F } }',
            "{ __typename }",
            '{ node(id: "") { id } }',
            '{ legacyNode(_id: "10", type: Course) { id } }',
            '{ course(id: "10") { studentsConnection(first: 99999999999999999999) { totalCount } } }',
        ]
    ),
)
"""Documents over the limits, malformed or cut short, or with literal hostile arguments."""

bodies = st.one_of(
    st.builds(_post, st.just(COURSE_QUERY), course_variables),
    st.builds(_post, documents),
    st.builds(lambda q, v: _json({"query": q, "variables": v}), documents, json_values),
    st.builds(lambda q, o: _json({"query": q, "operationName": o}), st.just(COURSE_QUERY), json_values),
    st.builds(lambda v: _json({"query": v}), json_values),
    st.builds(_json, json_values),
    st.lists(st.builds(_post, documents), max_size=3).map(lambda bs: b"[" + b",".join(bs) + b"]"),
    st.binary(max_size=200),
    st.builds(
        lambda b, n: b[:n], st.builds(_post, st.just(COURSE_QUERY), course_variables), st.integers(0, 50)
    ),
)
"""Request bodies: the course query with hostile variables, hostile documents, and non-GraphQL JSON."""

content_types = st.sampled_from(
    [
        "application/json",
        "application/json",
        "application/graphql",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "",
    ]
)


def test_hostile_requests(served: tuple[ServedApp, Loaded]) -> None:
    """Hostile bodies, content types, GET query strings and tokens on both GraphQL paths."""
    app, loaded = served
    session = requests.Session()
    admin = {"Authorization": f"Bearer {loaded.admin}"}
    get_params = st.fixed_dictionaries(
        {"query": st.one_of(documents, st.just(COURSE_QUERY))},
        optional={
            "variables": st.one_of(course_variables.map(lambda v: _json(v).decode()), odd_text),
            "operationName": odd_text,
        },
    )

    @settings(FUZZ, max_examples=FUZZ.max_examples * 20)
    @given(
        request=st.one_of(
            st.tuples(st.just("POST"), bodies, st.none(), content_types),
            st.tuples(st.just("GET"), st.none(), get_params, st.sampled_from(["", "application/json"])),
        ),
        auth=st.one_of(st.just(admin), token_headers(loaded.tokens)),
        path=st.sampled_from(["/graphql", "/api/graphql"]),
    )
    def run(
        request: tuple[str, bytes | None, dict[str, str] | None, str],
        auth: dict[str, str],
        path: str,
    ) -> None:
        method, body, params, content_type = request
        headers = auth | ({"Content-Type": content_type} if content_type else {})
        problems = _send(app, session, method=method, body=body, params=params, headers=headers, path=path)
        assert not problems, (method, path, body[:300] if body else params, headers)

    run()


# --- Regressions: the bugs fuzzing found -------------------------------------------------------------------

FOUND_BY_FUZZING: list[tuple[str, dict[str, Any]]] = [
    # A forged cursor whose number int() refuses ("²" is a digit to str.isdigit) or cannot parse (too long).
    (COURSE_QUERY, {"id": "10", "after": _cursor("cursor:\u00b2")}),
    (COURSE_QUERY, {"id": "10", "before": _cursor("cursor:" + "9" * 5000)}),
    # NUL in a SIS id: asyncpg refuses the text parameter.
    (COURSE_QUERY, {"sis": "a\x00b"}),
    ('{ student(sisId: "\\u0000") { _id } }', {}),
    ('{ account(sisId: "x\\u0000") { _id } }', {}),
    ('{ term(sisId: "\\u0000") { _id } }', {}),
]


def test_found_by_fuzzing(served: tuple[ServedApp, Loaded]) -> None:
    """Each answered with a GraphQL error naming the problem (or null), never an internal error."""
    app, loaded = served
    session = requests.Session()
    headers = {"Authorization": f"Bearer {loaded.admin}", "Content-Type": "application/json"}
    for query, variables in FOUND_BY_FUZZING:
        assert not _send(app, session, body=_post(query, variables), headers=headers), (query, variables)
    # A JSON body that is not an object crashed Strawberry's request parsing (AttributeError, a 500).
    for body in (b"null", b"5", b'"{ __typename }"', b" true", b""):
        response = session.post(app.base_url + "/graphql", data=body, headers=headers, timeout=TIMEOUT)
        assert not app.take_logged_errors(), body
        assert response.status_code == 400, body
        assert response.json() == {"errors": [{"message": "The request body must be a JSON object."}]}
