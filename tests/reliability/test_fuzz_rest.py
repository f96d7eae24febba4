"""Fuzzing every REST route (issue 6, item 1: no 500s on any input), on SQLite and PostgreSQL.

Two sources of requests, both sent over HTTP to the real application (``ServedApp``) over the small
institution of ``tests/reliability/_fuzz.py``:

* schemathesis, driven by the OpenAPI document the server itself serves (``/api/v1/openapi.json``):
  for every operation, cases that follow the document (positive) and cases that break it (negative),
  as the admin, a student, an anonymous caller or with a malformed token. A positive case's answer must
  conform to the document (status documented, body valid against that status's schema); every answer
  must be JSON, Canvas-shaped when it is an error, and never a 5xx or a leak.
* Hypothesis strategies for what the document does not describe: SIS ids with slashes, quotes, NUL,
  unicode or thousands of characters (also in the ``hex:`` form), huge, negative and non-ASCII numbers,
  bad ``per_page``/``page``/``sort_column``/``async``/``include[]`` (repeated too), malformed and refused
  tokens (expired, revoked, out of scope, too long, wrong scheme) and odd dialect/forwarding headers.

``ANALYTICS_FUZZ_EXAMPLES`` sets the number of examples per strategy (default 10); ``bench/fuzz.py`` runs
thousands per route. The server's own log is part of the verdict: an internal error it logs fails the
case even when the client got a tidy answer. The regression cases at the end are the bugs fuzzing found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from analytics_gateway.rest_compat.openapi import OPENAPI_PATH, build_openapi
from tests.conftest import run_sync
from tests.reliability._fuzz import (
    COURSE,
    MAX_REQUEST_LINE,
    REAL_IDS,
    SIS,
    Loaded,
    ServedApp,
    encode_segment,
    examples,
    extra_headers,
    load_institution,
    path_ids,
    query_params,
    rest_problems,
    token_headers,
)

TIMEOUT = 30
FUZZ = settings(
    max_examples=examples(),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
TEMPLATES = sorted(build_openapi()["paths"])


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[ServedApp, Loaded]]:
    """The institution loaded into the backend's database and served on a real port."""
    loaded = run_sync(load_institution(database_url, tmp_path / "export"))
    with ServedApp(database_url) as app:
        yield app, loaded


def _verdict(app: ServedApp, response: requests.Response | schemathesis.Response) -> list[str]:
    """The response's problems and the errors the server logged while answering it."""
    content_type = ""
    for name, value in response.headers.items():
        if name.lower() == "content-type":
            content_type = value[0] if isinstance(value, list) else value
    return rest_problems(response.status_code, content_type, response.content) + app.take_logged_errors()


def test_openapi_operations(served: tuple[ServedApp, Loaded]) -> None:
    """schemathesis: every documented operation, positive and negative cases, several callers."""
    app, loaded = served
    schema = schemathesis.openapi.from_url(app.base_url + OPENAPI_PATH)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == len(TEMPLATES)
    callers = st.sampled_from(
        [
            {"Authorization": f"Bearer {loaded.admin}"},
            {"Authorization": f"Bearer {loaded.admin}"},
            {"Authorization": f"Bearer {loaded.tokens['student']}"},
            {},
            {"Authorization": "Bearer not-a-token"},
        ]
    )
    session = requests.Session()
    seen: dict[int, int] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(app, session, operation, mode, callers, seen)
    # The generated cases reached the analytics (200) as well as the refusals.
    assert seen.get(200, 0) > 0
    assert seen.get(404, 0) > 0
    assert seen.get(401, 0) > 0


def _fuzz_operation(
    app: ServedApp,
    session: requests.Session,
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    callers: st.SearchStrategy[dict[str, str]],
    seen: dict[int, int],
) -> None:
    """One operation in one generation mode; ``seen`` counts the statuses."""
    checks = [not_a_server_error, content_type_conformance]
    if mode is GenerationMode.POSITIVE:
        checks += [status_code_conformance, response_schema_conformance]

    names = [p.name for p in operation.path_parameters]
    real = st.fixed_dictionaries({n: st.sampled_from(REAL_IDS[n]) for n in names}).flatmap(
        lambda ids: operation.as_strategy(mode, path_parameters=ids)
    )

    @FUZZ
    @given(case=st.one_of(operation.as_strategy(mode), real), caller=callers)
    def run(case: schemathesis.Case[Any], caller: dict[str, str]) -> None:
        response = case.call(base_url=app.base_url, session=session, headers=dict(caller), timeout=TIMEOUT)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        case.validate_response(response, checks=checks)
        assert not _verdict(app, response), case.as_curl_command()

    run()


def test_hostile_ids_parameters_and_tokens(served: tuple[ServedApp, Loaded]) -> None:
    """Hypothesis: odd and malformed path ids, query parameters, tokens and headers on every route."""
    app, loaded = served
    session = requests.Session()
    admin = {"Authorization": f"Bearer {loaded.admin}"}
    route = st.sampled_from(TEMPLATES).flatmap(
        lambda template: st.tuples(
            st.just(template),
            st.fixed_dictionaries(
                {name: path_ids(name) for name in _path_names(template)},
            ),
        )
    )

    @settings(FUZZ, max_examples=FUZZ.max_examples * len(TEMPLATES))
    @given(
        route=route,
        params=query_params,
        auth=st.one_of(st.just(admin), token_headers(loaded.tokens)),
        headers=extra_headers,
        suffix=st.sampled_from(["", "", ".json", ".JSON", "/", ".xml"]),
    )
    def run(
        route: tuple[str, dict[str, str]],
        params: list[tuple[str, str]],
        auth: dict[str, str],
        headers: dict[str, str],
        suffix: str,
    ) -> None:
        template, ids = route
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", encode_segment(value))
        url = app.base_url + path + suffix
        if params:
            url += "?" + "&".join(f"{encode_segment(k)}={encode_segment(v)}" for k, v in params)
        request = requests.Request("GET", url, headers=auth | headers).prepare()
        assume(len(request.url or "") - len(app.base_url) < MAX_REQUEST_LINE)
        response = session.send(request, timeout=TIMEOUT)
        assert not _verdict(app, response), (path + suffix, params, headers)

    run()


def _path_names(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


# --- Regressions: the bugs fuzzing found -------------------------------------------------------------------

SUMMARIES = f"/api/v1/courses/{COURSE}/analytics/student_summaries"


FOUND_BY_FUZZING = [
    # int() of more than 4,300 digits raises ValueError (Python's limit on int/str conversions); a huge
    # per_page is clamped to 100, a huge page is past the end.
    (f"{SUMMARIES}?per_page={'9' * 5000}", 200),
    (f"{SUMMARIES}?page={'9' * 5000}", 404),
    (f"{SUMMARIES}?page=-{'9' * 5000}", 404),
    # str.isdigit() accepts "²", which int() refuses.
    ("/api/v1/progress/%C2%B2", 404),
    # progress.id is a 32-bit INTEGER: PostgreSQL refuses a larger parameter (found by bench/fuzz.py).
    ("/api/v1/progress/2147483648", 404),
    ("/api/v1/progress/9223372036854775807", 404),
    # NUL in a SIS id: asyncpg refuses the text parameter.
    ("/api/v1/courses/sis_course_id:a%00b/analytics/activity", 404),
    (f"/api/v1/courses/{COURSE}/analytics/users/sis_user_id:%00/activity", 404),
    (f"/api/v1/courses/{COURSE}/analytics/users/sis_login_id:a%00@x/assignments", 404),
    ("/api/v1/accounts/sis_account_id:%00/analytics/current/statistics", 404),
    ("/api/v1/accounts/self/analytics/terms/sis_term_id:%00/grades", 404),
    ("/api/v1/courses/hex:sis_course_id:00/analytics/activity", 404),
    # The fixes refuse malformed ids without refusing the odd but real SIS ids of the institution.
    ("/api/v1/courses/sis_course_id:CS%2F101%20%C3%BCmlaut/analytics/activity", 200),
    (f"/api/v1/courses/{COURSE}/analytics/users/sis_user_id:stu%2F1'%22/activity", 200),
    (f"/api/v1/courses/hex:sis_course_id:{SIS['course'].encode().hex()}/analytics/assignments", 200),
    (f"{SUMMARIES}?per_page=%EF%BC%91&page=1", 200),
]


def test_found_by_fuzzing(served: tuple[ServedApp, Loaded]) -> None:
    """Each answered with a Canvas 404 (or its data), never a 500."""
    app, loaded = served
    for path, status in FOUND_BY_FUZZING:
        response = requests.get(
            app.base_url + path, headers={"Authorization": f"Bearer {loaded.admin}"}, timeout=TIMEOUT
        )
        assert not _verdict(app, response), path
        assert response.status_code == status, (path, response.text)
        if status == 404:
            assert response.json() == {"errors": [{"message": "The specified resource does not exist."}]}
