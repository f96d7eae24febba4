"""A long fuzz of every REST route and of ``/graphql`` (issue 6, item 1): thousands of cases per target.

The same generators and verdicts as ``tests/reliability/test_fuzz_rest.py`` and ``test_fuzz_graphql.py``,
many more examples, and no stop at the first failure: every case runs, failures are counted, and the
first failing case of each target is printed. The institution of ``tests/reliability/_fuzz.py`` is
imported into a fresh database and served by the real application on a real port (in a thread).

Per REST route, cases are drawn evenly from: schemathesis cases that follow the served OpenAPI document,
the same on the institution's real ids, schemathesis cases that break the document, and the hostile
strategies (odd and malformed ids, query parameters, tokens and headers). GraphQL has three targets:
schema-generated queries (valid, and with one violation) and hand-made hostile requests.

Usage::

    python -m bench.fuzz                                      # SQLite, 2,000 cases per target
    python -m bench.fuzz --examples 500 --database postgresql://postgres@127.0.0.1:5432/test

``--database``: for PostgreSQL, a fresh ``ag_fuzz_*`` database is created on that server and dropped
afterwards. Prints a table (target, cases, statuses seen, failures) and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import hypothesis
import hypothesis_graphql
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from sqlalchemy.engine import make_url

from analytics_gateway.rest_compat.openapi import OPENAPI_PATH
from tests.reliability import test_fuzz_graphql as gql
from tests.reliability._fuzz import (
    MAX_REQUEST_LINE,
    REAL_IDS,
    ServedApp,
    encode_segment,
    extra_headers,
    graphql_problems,
    load_institution,
    path_ids,
    query_params,
    rest_problems,
    token_headers,
)

TIMEOUT = 60


@dataclass
class Tally:
    """What one target saw."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    first_failure: str | None = None
    seconds: float = 0.0

    def record(self, status: int | None, problems: list[str], describe: Callable[[], str]) -> None:
        self.cases += 1
        if status is not None:
            self.statuses[status] += 1
        if problems:
            self.failures += 1
            if self.first_failure is None:
                self.first_failure = f"{describe()}\n      {problems}"


def _settings(examples: int) -> settings:
    # Generate only: no shrinking, no stop at the first failure (a failing case does not raise).
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _run(test: Callable[[], None], seed: int | None) -> float:
    started = time.perf_counter()
    (test if seed is None else hypothesis.seed(seed)(test))()
    return time.perf_counter() - started


def _content_type(headers: Any) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return str(value[0] if isinstance(value, list) else value)
    return ""


def fuzz_route(
    app: ServedApp,
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    tokens: dict[str, str],
    examples: int,
    seed: int | None,
) -> Tally:
    """One REST route: schemathesis cases (positive, on real ids, negative) and hostile requests."""
    tally = Tally()
    session = requests.Session()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    callers = st.one_of(st.just(admin), token_headers(tokens))
    names = [p.name for p in operation.path_parameters]
    real = st.fixed_dictionaries({n: st.sampled_from(REAL_IDS[n]) for n in names}).flatmap(
        lambda ids: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids)
    )
    generated = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), real, operation.as_strategy(GenerationMode.NEGATIVE)
    )
    template = operation.path
    hostile = st.tuples(
        st.fixed_dictionaries({n: path_ids(n) for n in names}),
        query_params,
        extra_headers,
        st.sampled_from(["", ".json", "/", ".xml"]),
    )

    @_settings(examples)
    @given(
        choice=st.one_of(st.tuples(st.just("generated"), generated), st.tuples(st.just("hostile"), hostile)),
        caller=callers,
    )
    def run(choice: tuple[str, Any], caller: dict[str, str]) -> None:
        kind, value = choice
        if kind == "generated":
            case: schemathesis.Case[Any] = value
            response = case.call(
                base_url=app.base_url, session=session, headers=dict(caller), timeout=TIMEOUT
            )
            problems = rest_problems(response.status_code, _content_type(response.headers), response.content)
            tally.record(response.status_code, problems + app.take_logged_errors(), case.as_curl_command)
            return
        ids, params, headers, suffix = value
        path = template
        for name, segment in ids.items():
            path = path.replace("{" + name + "}", encode_segment(segment))
        url = app.base_url + path + suffix
        if params:
            url += "?" + "&".join(f"{encode_segment(k)}={encode_segment(v)}" for k, v in params)
        if len(url) - len(app.base_url) >= MAX_REQUEST_LINE:
            return  # refused by aiohttp's HTTP parser before the application (see MAX_REQUEST_LINE)
        all_headers = caller | headers
        raw = session.get(url, headers=all_headers, timeout=TIMEOUT)
        problems = rest_problems(raw.status_code, _content_type(raw.headers), raw.content)
        tally.record(
            raw.status_code, problems + app.take_logged_errors(), lambda: f"GET {url[:300]} {headers}"
        )

    tally.seconds = _run(run, seed)
    return tally


def fuzz_graphql(
    app: ServedApp, tokens: dict[str, str], target: str, examples: int, seed: int | None
) -> Tally:
    """One GraphQL target: schema-generated queries (``positive``/``negative``) or ``hostile`` requests."""
    tally = Tally()
    session = requests.Session()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    callers = st.one_of(st.just(admin), token_headers(tokens))
    if target == "hostile":
        get_params = st.fixed_dictionaries(
            {"query": st.one_of(gql.documents, st.just(gql.COURSE_QUERY))},
            optional={"variables": gql.course_variables.map(lambda v: gql._json(v).decode())},
        )
        requests_strategy = st.one_of(
            st.tuples(st.just("POST"), gql.bodies, st.none(), gql.content_types),
            st.tuples(st.just("GET"), st.none(), get_params, st.just("")),
        )
    else:
        mode = hypothesis_graphql.Mode.POSITIVE if target == "positive" else hypothesis_graphql.Mode.NEGATIVE
        queries = hypothesis_graphql.queries(gql.SDL, custom_scalars=gql.SCALARS, mode=mode)
        requests_strategy = st.tuples(
            st.just("POST"), queries.map(lambda q: gql._post(str(q))), st.none(), st.just("application/json")
        )

    @_settings(examples)
    @given(request=requests_strategy, caller=callers, path=st.sampled_from(["/graphql", "/api/graphql"]))
    def run(
        request: tuple[str, bytes | None, dict[str, str] | None, str], caller: dict[str, str], path: str
    ) -> None:
        method, body, params, content_type = request
        url = app.base_url + path
        if params:
            url += "?" + "&".join(f"{encode_segment(k)}={encode_segment(v)}" for k, v in params.items())
        if len(url) - len(app.base_url) >= MAX_REQUEST_LINE:
            return
        headers = caller | ({"Content-Type": content_type} if content_type else {})
        response = session.request(method, url, data=body, headers=headers, timeout=TIMEOUT)
        problems = graphql_problems(response.status_code, _content_type(response.headers), response.content)
        tally.record(
            response.status_code,
            problems + app.take_logged_errors(),
            lambda: f"{method} {path} {(body or b'')[:300]!r} {params and str(params)[:300]}",
        )

    tally.seconds = _run(run, seed)
    return tally


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a fresh ``ag_fuzz_*`` database on the given server."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'fuzz.db'}"
        return
    name = f"ag_fuzz_{uuid.uuid4().hex[:10]}"
    admin_dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", default=None, help="postgresql://... (default: a temporary SQLite file)"
    )
    parser.add_argument("--examples", type=int, default=2000, help="cases per target (default 2000)")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed (default: a random one)")
    parser.add_argument("--only", choices=["rest", "graphql"], default=None, help="fuzz one face only")
    args = parser.parse_args()

    rows: list[tuple[str, Tally]] = []
    with fresh_database(args.database) as url, tempfile.TemporaryDirectory() as exports:
        loaded = asyncio.run(load_institution(url, Path(exports)))
        backend = make_url(url).get_backend_name()
        print(f"fuzzing on {backend}, {args.examples} cases per target", flush=True)
        with ServedApp(url) as app:
            if args.only in (None, "rest"):
                schema = schemathesis.openapi.from_url(app.base_url + OPENAPI_PATH)
                for result in schema.get_all_operations():
                    if isinstance(result, Ok):
                        operation = result.ok()
                        tally = fuzz_route(app, operation, loaded.tokens, args.examples, args.seed)
                        rows.append((f"GET {operation.path}", tally))
                        print(
                            f"  {operation.path}: {tally.cases} cases, {tally.failures} failures", flush=True
                        )
            if args.only in (None, "graphql"):
                for target in ("positive", "negative", "hostile"):
                    tally = fuzz_graphql(app, loaded.tokens, target, args.examples, args.seed)
                    rows.append((f"/graphql ({target})", tally))
                    print(f"  graphql {target}: {tally.cases} cases, {tally.failures} failures", flush=True)
    _print_table(rows)
    return 1 if any(t.failures for _, t in rows) else 0


def _print_table(rows: list[tuple[str, Tally]]) -> None:
    width = max(len(name) for name, _ in rows)
    print()
    print(f"{'target':<{width}}  {'cases':>7}  {'seconds':>7}  {'failures':>8}  statuses seen")
    for name, tally in rows:
        statuses = " ".join(f"{s}x{n}" for s, n in sorted(tally.statuses.items()))
        print(f"{name:<{width}}  {tally.cases:>7}  {tally.seconds:>7.1f}  {tally.failures:>8}  {statuses}")
    total_cases = sum(t.cases for _, t in rows)
    total_failures = sum(t.failures for _, t in rows)
    total_seconds = sum(t.seconds for _, t in rows)
    print(f"{'total':<{width}}  {total_cases:>7}  {total_seconds:>7.1f}  {total_failures:>8}")
    for name, tally in rows:
        if tally.first_failure:
            print(f"\nfirst failure of {name}:\n      {tally.first_failure}")


if __name__ == "__main__":
    raise SystemExit(main())
