"""Nothing leaks across permissions (issue 6, item 2): every REST route and every GraphQL field, as a matrix.

The institution and the rules are in ``tests/reliability/_institution.py``: two sibling sub-accounts with
a course each, a section-limited TA, students who may and may not see their own analytics. Every caller
asks for every route (REST) and every root field with every object as target (GraphQL, over queries that
together select every field of the schema: a field added later and not queried here fails
:func:`test_graphql_probes_cover_every_field`). Each answer is checked three ways:

* its status (REST) or which root fields are null (GraphQL) is the one behaviour §5 fixes;
* a refusal carries no data at all: Canvas's exact error body, or a null with a FORBIDDEN/NOT_FOUND/
  UNAUTHENTICATED error;
* a success mentions no object the caller may not see (by id, SIS id, Relay id or name), and its numbers
  are computed over the students the caller sees (section-limited TA: their section only).

One app per backend serves every caller in turn, with the result cache on (the default): callers who see
everything ask first, so a cache keyed too coarsely would hand their results to the limited ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
import pytest
from graphql import GraphQLObjectType, TypeInfo, TypeInfoVisitor, parse, print_ast, visit
from graphql.language import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, Node, Visitor
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.rest_compat import communication, course, department, progress, student
from analytics_gateway.schema import SCHEMA
from analytics_gateway.schema._ids import encode_global_id
from tests.conftest import Serve
from tests.reliability._institution import (
    ACC_A,
    ACC_B,
    ADMIN_OF,
    ASSIGNMENT_COURSE,
    CALLERS,
    COURSE_A,
    COURSE_B,
    ENROLLED,
    OBJECTS,
    ROOT,
    ROOT_ADMIN,
    SCORES,
    SEC_A1,
    SEC_A2,
    SECTION_LIMITED,
    SIS,
    STAFF_OF,
    STU_A1,
    STU_A2,
    STU_AB,
    STU_B1,
    TEACHER_B,
    TERM,
    VIEWS,
    assigned_students,
    build,
    course_staff_rights,
    course_status,
    department_status,
    is_admin_of_course,
    is_member,
    leaked,
    student_status,
    view_analytics,
    visible_objects,
    visible_students,
)
from tests.rest_compat.conftest import Api

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
UNAUTHENTICATED = {
    "status": "unauthenticated",
    "errors": [{"message": "user authorization required"}],
}
FORBIDDEN = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
ERROR_BODIES = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}

# Callers in the order they ask: the ones who see most first (see the module docstring).
ORDER = sorted(CALLERS.items(), key=lambda item: len(visible_objects(item[1])), reverse=True)


# --- REST: every route, every caller, targets on both sides -------------------------------------------

ROUTE_MODULES = (department, course, student, communication, progress)
ALL_TEMPLATES = [template for module in ROUTE_MODULES for template, _ in module.ROUTES]


@pytest.fixture
async def api(serve: Serve, engine: AsyncEngine) -> Api:
    return Api(await serve(build()), engine)


Cell = tuple[str, Callable[[int | None], int]]  # (path, expected status for a caller)


def _department_cells(template: str) -> list[Cell]:
    accounts = [(str(a), a) for a in (ROOT, ACC_A, ACC_B)] + [(f"sis_account_id:{SIS[ACC_B]}", ACC_B)]
    cells: list[Cell] = []
    for ref, account in accounts:
        path = template.replace(":account_id", ref).replace(":term_id", str(TERM))
        cells.append((path, partial(department_status, account=account)))
    return cells


def _course_cells(template: str) -> list[Cell]:
    courses = [
        (str(COURSE_A), COURSE_A),
        (str(COURSE_B), COURSE_B),
        (f"sis_course_id:{SIS[COURSE_B]}", COURSE_B),
    ]
    return [(template.replace(":course_id", ref), partial(course_status, course=c)) for ref, c in courses]


STUDENT_TARGETS: list[tuple[str, int, str, int | None]] = [
    (str(COURSE_A), COURSE_A, str(STU_A1), STU_A1),
    (str(COURSE_A), COURSE_A, str(STU_A2), STU_A2),  # outside the limited TA's section
    (str(COURSE_A), COURSE_A, str(STU_AB), STU_AB),
    (str(COURSE_B), COURSE_B, str(STU_AB), STU_AB),  # the same student, in the other course
    (str(COURSE_B), COURSE_B, str(STU_B1), STU_B1),
    (str(COURSE_A), COURSE_A, str(STU_B1), STU_B1),  # a student of B asked about in A
    (f"sis_course_id:{SIS[COURSE_B]}", COURSE_B, f"sis_user_id:{SIS[STU_B1]}", STU_B1),
    (str(COURSE_A), COURSE_A, "self", None),
    (str(COURSE_B), COURSE_B, "self", None),
]


def _student_cells(template: str) -> list[Cell]:
    cells: list[Cell] = []
    for course_ref, c, student_ref, s in STUDENT_TARGETS:
        path = template.replace(":course_id", course_ref).replace(":student_id", student_ref)

        def expected(user: int | None, c: int = c, s: int | None = s) -> int:
            return student_status(user, c, s if s is not None else (user or 0))

        cells.append((path, expected))
    return cells


def _cells(template: str, progress_ids: dict[int, int]) -> list[Cell]:
    if template.startswith("/api/v1/accounts/"):
        return _department_cells(template)
    if template == "/api/v1/progress/:id":
        return [
            (f"/api/v1/progress/{pid}", partial(course_status, course=c)) for c, pid in progress_ids.items()
        ]
    if ":student_id" in template:
        return _student_cells(template)
    return _course_cells(template)


def _assignment_figures(assignment: int, seen: set[int]) -> tuple[int, float | None, float | None]:
    """C2's (total, min_score, max_score) over the visible students assigned the assignment."""
    population = seen & assigned_students(assignment)
    scores = [v for (a, s), v in SCORES.items() if a == assignment and s in population and v is not None]
    return len(population), min(scores, default=None), max(scores, default=None)


def _check_content(path: str, user: int | None, body: Any, headers: dict[str, str]) -> list[str]:
    """What a 200 must hold beyond mentioning no hidden object: numbers over visible students only."""
    problems: list[str] = []
    for c in (COURSE_A, COURSE_B):
        if not path.startswith(f"/api/v1/courses/{c}/analytics/"):
            continue
        seen = visible_students(user, c)
        if path.endswith("/student_summaries"):
            ids = {row["id"] for row in body}
            views = [VIEWS[(c, s)] for s in seen]
            got_max = {
                row.get("max_page_views", row.get("max_page_view")) for row in body
            }  # canvas, documented
            if ids != seen or got_max != {max(views)}:
                problems.append(
                    f"C3 rows {sorted(ids)} max {got_max}, expected {sorted(seen)} max {max(views)}"
                )
            if "access_token" in headers.get("Link", ""):
                problems.append("Link header echoes the token")
        elif path.endswith("/analytics/assignments"):
            for row in body:
                want = _assignment_figures(row["assignment_id"], seen)
                got = (row["tardiness_breakdown"]["total"], row["min_score"], row["max_score"])
                if got != want:
                    problems.append(f"C2 (total, min, max) {got}, expected {want} over {sorted(seen)}")
    if path.endswith(f"/accounts/{ACC_A}/analytics/current/statistics"):
        students_a = {s for s, courses in ENROLLED.items() if COURSE_A in courses}
        if (body["courses"], body["students"]) != (1, len(students_a)):
            problems.append(f"D3 of A counts {body['courses']} courses, {body['students']} students")
    if path.endswith(f"/accounts/{ACC_A}/analytics/current/activity"):
        by_date = body["by_date"]  # documented dialect: {date: views}; canvas: [{date, views, ...}]
        total = sum(by_date.values()) if isinstance(by_date, dict) else sum(d["views"] for d in by_date)
        want_views = sum(v for (c, _), v in VIEWS.items() if c == COURSE_A)
        if total != want_views:
            problems.append(f"D1 of A counts {total} views, expected {want_views} (course A only)")
    return problems


async def _progress_ids(api: Api) -> dict[int, int]:
    """Start C2's async job on each course (as the root admin) and return the progress ids."""
    found = {}
    for c in (COURSE_A, COURSE_B):
        status, body, _ = await api.get(
            f"/api/v1/courses/{c}/analytics/assignments", user=ROOT_ADMIN, params={"async": "true"}
        )
        assert status == 200, body
        found[c] = int(body["progress_url"].rsplit("/", 1)[1]) if "progress_url" in body else int(body["id"])
    return found


async def test_rest_matrix(api: Api) -> None:
    """Every analytics route, every caller: the status of behaviour §5, no data in refusals, no leak."""
    assert len(ALL_TEMPLATES) == 19  # the 18 analytics URLs of behaviour §1 and the Progress API
    registered = {
        r.resource.canonical
        for r in api.client.app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith("/api/v1/")
        and "openapi" not in r.resource.canonical
    }
    assert len(registered) == len(ALL_TEMPLATES), sorted(registered)  # a new route must join the matrix

    progress_ids = await _progress_ids(api)
    failures: list[str] = []
    cells = 0
    for caller, user in ORDER:
        for template in ALL_TEMPLATES:
            for path, expected in _cells(template, progress_ids):
                cells += 1
                status, body, headers = await api.get(path, user=user)
                want = expected(user)
                where = f"{caller} GET {path}"
                if status != want:
                    failures.append(f"{where}: {status}, expected {want}")
                elif status != 200:
                    if body != ERROR_BODIES[status]:
                        failures.append(f"{where}: refusal with body {body}")
                else:
                    failures += [f"{where}: leaks {item}" for item in leaked(body, user)]
                    failures += [f"{where}: {p}" for p in _check_content(path, user, body, headers)]
    assert cells == len(CALLERS) * (12 * 4 + 3 * 3 + 3 * len(STUDENT_TARGETS) + 2)
    assert not failures, f"{len(failures)} of {cells} cells:\n" + "\n".join(failures)


# --- GraphQL: every root field, every object, every field of the schema ---------------------------------

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"
FRAGMENTS = f"""
fragment AccountLeaf on Account {{ id _id name }}
fragment CourseLeaf on Course {{ id _id name courseCode workflowState sisId }}
fragment StudentLeaf on Student {{ id _id name sortableName }}
fragment SectionF on Section {{ id _id name sisId startAt endAt }}
fragment TermLeaf on Term {{ id _id name startAt endAt }}
fragment AssignmentF on Assignment {{
  id _id title pointsPossible dueAt unlockAt submissionTypes nonDigitalSubmission onlyVisibleToOverrides
}}
fragment EnrollmentF on Enrollment {{
  id _id type state limitPrivilegesToCourseSection user {{ ...StudentLeaf }} section {{ ...SectionF }}
}}
fragment Summary on StudentSummaryAnalytics {{
  pageViews {{ total max level }} participations {{ total max level }}
  tardinessBreakdown {{ total late missing onTime floating }}
}}
fragment CourseFull on Course {{
  ...CourseLeaf
  account {{ ...AccountLeaf }}
  term {{ ...TermLeaf }}
  sections {{ ...SectionF }}
  enrollmentsConnection {{ nodes {{ ...EnrollmentF }} edges {{ cursor node {{ _id }} }} {PAGE_INFO} }}
  studentsConnection {{
    nodes {{ ...StudentLeaf summaryAnalytics {{ ...Summary }} activity {{ pageViews }} }}
    edges {{ cursor node {{ _id }} }} {PAGE_INFO}
  }}
  assignmentsConnection {{ nodes {{ ...AssignmentF }} edges {{ cursor node {{ _id }} }} {PAGE_INFO} }}
  analytics {{
    activity {{ date views participations }}
    assignments {{
      _id title pointsPossible dueAt unlockAt muted nonDigitalSubmission
      minScore maxScore median firstQuartile thirdQuartile
      tardinessBreakdown {{ onTime late missing floating total }}
      assignment {{ ...AssignmentF }}
    }}
    studentSummaries {{
      nodes {{ student {{ ...StudentLeaf }} ...SummaryRow }}
      edges {{ cursor node {{ student {{ _id }} }} }} {PAGE_INFO}
    }}
  }}
}}
fragment SummaryRow on StudentSummary {{
  pageViews {{ total max level }} participations {{ total max level }}
  tardinessBreakdown {{ total late missing onTime floating }}
}}
fragment AccountFull on Account {{
  ...AccountLeaf
  parentAccount {{ ...AccountLeaf }}
  subAccountsConnection {{ nodes {{ ...AccountLeaf }} edges {{ cursor node {{ _id }} }} {PAGE_INFO} }}
  coursesConnection {{
    nodes {{ ...CourseLeaf studentsConnection {{ nodes {{ ...StudentLeaf }} }} }}
    edges {{ cursor node {{ _id }} }} {PAGE_INFO}
  }}
  analytics {{
    term {{ ...TermLeaf }}
    activity {{ byDate {{ date views participations }} byCategory {{ category views }} }}
    grades {{ counts hasData total }}
    statistics {{
      courses subaccounts teachers students discussionTopics mediaObjects attachments assignments
    }}
    statisticsBySubaccount {{
      _id name courses teachers students discussionTopics mediaObjects attachments assignments
      account {{ ...AccountLeaf }}
    }}
  }}
}}
fragment TermFull on Term {{
  ...TermLeaf
  coursesConnection {{ nodes {{ ...CourseLeaf }} edges {{ cursor node {{ _id }} }} {PAGE_INFO} }}
}}
"""

_FRAGMENTS = {d.name.value: d for d in parse(FRAGMENTS).definitions if isinstance(d, FragmentDefinitionNode)}


def _spreads(node: Node) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def document(operation: str) -> str:
    """``operation`` with the fragments it uses (an unused fragment is a validation error)."""
    todo, done = _spreads(parse(operation)), set[str]()
    while todo:
        name = todo.pop()
        if name not in done:
            done.add(name)
            todo |= _spreads(_FRAGMENTS[name])
    return operation + "\n" + "\n".join(print_ast(_FRAGMENTS[n]) for n in sorted(done))


def _student_selection(c: int) -> str:
    arg = f'(courseId: "{c}")'
    return f"""...StudentLeaf
      summaryAnalytics{arg} {{ ...Summary }}
      activity{arg} {{
        hourly {{ hour views }} daily {{ date views }} participations {{ createdAt url }} pageViews
      }}
      assignments{arg} {{
        _id title pointsPossible dueAt unlockAt status muted nonDigitalSubmission moduleIds
        statistics {{ minScore maxScore median firstQuartile thirdQuartile }}
        submission {{ postedAt submittedAt score scoreHidden excused }}
      }}
      communication{arg} {{ date instructorMessages studentMessages }}"""


NODE_SELECTION = """id
  ... on Account { _id name }
  ... on Course { _id name }
  ... on Term { _id name }
  ... on Section { _id name }
  ... on Student { _id name }
  ... on Assignment { _id title }
  ... on Enrollment { _id type user { _id name } section { _id name } }"""

Expect = Callable[[int | None], bool]
Check = Callable[[int | None, Any], list[str]]


@dataclass(frozen=True)
class Probe:
    """One GraphQL request: root fields aliased ``r0``, ``r1``... and whether each must be non-null."""

    label: str
    query: str
    expect: dict[str, Expect]
    check: Check | None = None


def may_look_up(user: int | None, target: int) -> bool:
    """``student(id:)``: yourself; root-account admins anyone; other admins users of their courses."""
    if user is None:
        return False
    if user == target or ROOT in ADMIN_OF.get(user, set()):
        return True
    courses = set(ENROLLED.get(target, {})) | ({STAFF_OF[target]} if target in STAFF_OF else set())
    return any(is_admin_of_course(user, c) for c in courses)


def _section_course(section: int) -> int:
    return COURSE_A if section in (SEC_A1, SEC_A2) else COURSE_B


def _node_expect(kind: str, number: int, enrollment: tuple[int, int] | None = None) -> Expect:
    """Whether a caller finds the object through ``node``/``legacyNode``."""
    if kind == "Account":
        return lambda user: user is not None and number in ADMIN_OF.get(user, set())
    if kind == "Course":
        return lambda user: is_member(user, number)
    if kind == "Section":
        return lambda user: is_member(user, _section_course(number))
    if kind == "Assignment":
        return partial(_assignment_visible, number)
    if kind == "Student":
        return lambda user: may_look_up(user, number)
    if kind == "Term":
        return lambda user: user is not None
    assert enrollment is not None
    c, section = enrollment

    def enrollment_visible(user: int | None) -> bool:
        limited = SECTION_LIMITED.get(user or 0) if STAFF_OF.get(user or 0) == c else None
        return is_member(user, c) and (limited is None or section in limited)

    return enrollment_visible


def _assignment_visible(assignment: int, user: int | None) -> bool:
    """A member of the course sees the assignment if they manage it or it is assigned to them."""
    course = ASSIGNMENT_COURSE[assignment]
    if not is_member(user, course):
        return False
    return course_staff_rights(user, course) or user in assigned_students(assignment)


def _nonnull(value: Any, path: str) -> Any:
    for key in path.split("."):
        if value is None:
            return None
        value = value[key]
    return value


def _course_check(c: int) -> Check:
    def check(user: int | None, course: Any) -> list[str]:
        problems: list[str] = []
        seen = visible_students(user, c)
        nodes = course["studentsConnection"]["nodes"]
        if {int(n["_id"]) for n in nodes} != seen:
            problems.append(f"studentsConnection {[n['_id'] for n in nodes]}, expected {sorted(seen)}")
        for n in nodes:
            s = int(n["_id"])
            if (n["summaryAnalytics"] is not None) != course_staff_rights(user, c):
                problems.append(f"studentsConnection summaryAnalytics of {s}: {n['summaryAnalytics']}")
            if (n["activity"] is not None) != (student_status(user, c, s) == 200):
                problems.append(f"studentsConnection activity of {s}: {n['activity']}")
        analytics = course["analytics"]
        if (analytics is not None) != view_analytics(user, c):
            problems.append(f"analytics: {analytics}")
        staff = course_staff_rights(user, c)
        for field in ("activity", "assignments", "studentSummaries"):
            if (_nonnull(analytics, field) is not None) != staff:
                problems.append(f"analytics.{field}: {_nonnull(analytics, field)}")
        if staff:
            rows = analytics["studentSummaries"]["nodes"]
            views = [VIEWS[(c, s)] for s in seen]
            if {int(r["student"]["_id"]) for r in rows} != seen or {r["pageViews"]["max"] for r in rows} != {
                max(views)
            }:
                problems.append(f"studentSummaries {rows}, expected {sorted(seen)} with max {max(views)}")
            for row in analytics["assignments"]:
                want = _assignment_figures(int(row["_id"]), seen)
                got = (row["tardinessBreakdown"]["total"], row["minScore"], row["maxScore"])
                if got != want:
                    problems.append(f"analytics.assignments (total, min, max) {got}, expected {want}")
        return problems

    return check


def _student_check(c: int, s: int) -> Check:
    def check(user: int | None, student: Any) -> list[str]:
        problems = []
        summary_ok = course_staff_rights(user, c) and s in visible_students(user, c)
        if (student["summaryAnalytics"] is not None) != summary_ok:
            problems.append(f"summaryAnalytics in {c}: {student['summaryAnalytics']}")
        for field in ("activity", "assignments", "communication"):
            if (student[field] is not None) != (student_status(user, c, s) == 200):
                problems.append(f"{field} in {c}: {student[field]}")
        return problems

    return check


def _department_check(account: int) -> Check:
    def check(user: int | None, found: Any) -> list[str]:
        ok = department_status(user, account) == 200
        return [] if (found["analytics"] is not None) == ok else [f"analytics: {found['analytics']}"]

    return check


def _term_check(user: int | None, found: Any) -> list[str]:
    ok = user is not None and ROOT in ADMIN_OF.get(user, set())
    return [] if (found["coursesConnection"] is not None) == ok else ["coursesConnection"]


def probes(enrollments: list[tuple[int, int, int]]) -> list[Probe]:
    """Every probe; ``enrollments``: (enrollment id, course, section) of the institution."""
    found: list[Probe] = []
    for label, args, account in [
        *((f"account {a}", f'id: "{a}"', a) for a in (ROOT, ACC_A, ACC_B)),
        (f"account sis {SIS[ACC_B]}", f'sisId: "{SIS[ACC_B]}"', ACC_B),
    ]:
        found.append(
            Probe(
                label,
                document(f"{{ r0: account({args}) {{ ...AccountFull }} }}"),
                {"r0": _node_expect("Account", account)},
                _department_check(account),
            )
        )
    for label, args, c in [
        *((f"course {c}", f'id: "{c}"', c) for c in (COURSE_A, COURSE_B)),
        ("course by Relay id", f'id: "{encode_global_id("Course", COURSE_B)}"', COURSE_B),
        (f"course sis {SIS[COURSE_B]}", f'sisId: "{SIS[COURSE_B]}"', COURSE_B),
    ]:
        found.append(
            Probe(
                label,
                document(f"{{ r0: course({args}) {{ ...CourseFull }} }}"),
                {"r0": partial(is_member, course=c)},
                _course_check(c),
            )
        )
    for label, args in (("term", f'id: "{TERM}"'), ("term sis", f'sisId: "{SIS[TERM]}"')):
        found.append(
            Probe(
                label,
                document(f"{{ r0: term({args}) {{ ...TermFull }} }}"),
                {"r0": lambda user: user is not None},
                _term_check,
            )
        )
    for s, c, args in [
        (STU_A1, COURSE_A, f'id: "{STU_A1}"'),
        (STU_A2, COURSE_A, f'id: "{STU_A2}"'),
        (STU_AB, COURSE_A, f'id: "{STU_AB}"'),
        (STU_AB, COURSE_B, f'id: "{encode_global_id("Student", STU_AB)}"'),
        (STU_B1, COURSE_B, f'id: "{STU_B1}"'),
        (STU_B1, COURSE_B, f'sisId: "{SIS[STU_B1]}"'),
        (TEACHER_B, COURSE_B, f'id: "{TEACHER_B}"'),
    ]:
        found.append(
            Probe(
                f"student({args}) in course {c}",
                document(f"{{ r0: student({args}) {{ {_student_selection(c)} }} }}"),
                {"r0": partial(may_look_up, target=s)},
                _student_check(c, s),
            )
        )
    targets: list[tuple[str, int, Expect]] = [
        (o.kind, i, _node_expect(o.kind, i)) for i, o in OBJECTS.items()
    ]
    targets.append(("Term", TERM, _node_expect("Term", TERM)))
    targets += [("Enrollment", e, _node_expect("Enrollment", e, (c, sec))) for e, c, sec in enrollments]
    fields = []
    for kind, number, expect in targets:
        fields.append((f'node(id: "{encode_global_id(kind, number)}")', expect))
        fields.append((f'legacyNode(_id: "{number}", type: {kind})', expect))
    for start in range(0, len(fields), 20):  # at most 20 aliases per query (schema limits)
        chunk = fields[start : start + 20]
        body = " ".join(f"r{i}: {field} {{ {NODE_SELECTION} }}" for i, (field, _) in enumerate(chunk))
        found.append(
            Probe(
                f"nodes {start}-{start + len(chunk) - 1}",
                document(f"{{ {body} }}"),
                {f"r{i}": expect for i, (_, expect) in enumerate(chunk)},
            )
        )
    return found


async def _enrollments(api: Api) -> list[tuple[int, int, int]]:
    query = """query($id: ID) {
      course(id: $id) { enrollmentsConnection(first: 100) { nodes { _id section { _id } } } }
    }"""
    found = []
    for c in (COURSE_A, COURSE_B):
        async with api.client.post(
            "/graphql",
            json={"query": query, "variables": {"id": str(c)}},
            headers={"Authorization": f"Bearer {await api.token(ROOT_ADMIN)}"},
        ) as response:
            body = orjson.loads(await response.read())
        found += [
            (int(n["_id"]), c, int(n["section"]["_id"]))
            for n in body["data"]["course"]["enrollmentsConnection"]["nodes"]
        ]
    return found


REFUSALS = {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}


async def test_graphql_matrix(api: Api) -> None:
    """Every root field and every object, as every caller: found iff allowed, refused cleanly, no leak."""
    enrollments = await _enrollments(api)
    assert len(enrollments) == sum(len(c) for c in ENROLLED.values()) + len(STAFF_OF)
    all_probes = probes(enrollments)
    failures: list[str] = []
    cells = 0
    for caller, user in ORDER:
        headers = {} if user is None else {"Authorization": f"Bearer {await api.token(user)}"}
        for probe in all_probes:
            async with api.client.post("/graphql", json={"query": probe.query}, headers=headers) as response:
                status, body = response.status, orjson.loads(await response.read())
            where = f"{caller}, {probe.label}"
            if status != 200 or "data" not in body or body["data"] is None:
                failures.append(f"{where}: HTTP {status} {body}")
                continue
            data = body["data"]
            refused = {e["path"][0]: e for e in body.get("errors", []) if e.get("path")}
            for alias, expect in probe.expect.items():
                cells += 1
                allowed = expect(user)
                if allowed and data[alias] is None:
                    failures.append(f"{where} {alias}: refused ({refused.get(alias)})")
                elif not allowed and data[alias] is not None:
                    failures.append(f"{where} {alias}: answered {data[alias]}")
                elif not allowed and refused.get(alias, {}).get("extensions", {}).get("code") not in REFUSALS:
                    failures.append(f"{where} {alias}: null without a refusal ({refused.get(alias)})")
                elif allowed and probe.check is not None:
                    failures += [f"{where}: {p}" for p in probe.check(user, data[alias])]
            failures += [f"{where}: leaks {item}" for item in leaked(data, user)]
            for error in body.get("errors", []):
                code = error.get("extensions", {}).get("code")
                if code not in REFUSALS:
                    failures.append(f"{where}: unexpected error {error}")
    assert not failures, f"{len(failures)} failures over {cells} cells:\n" + "\n".join(failures[:80])


def test_graphql_probes_cover_every_field() -> None:
    """The probes select every field of every object type of the schema: a new field must join the matrix."""
    schema = SCHEMA._schema
    wanted = {
        f"{name}.{field}"
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and not name.startswith("__")
        for field in kind.fields
    }
    covered: set[str] = set()
    info = TypeInfo(schema)

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = info.get_parent_type()
            if parent is not None:
                covered.add(f"{parent.name}.{node.name.value}")

    for probe in probes([(1, COURSE_A, SEC_A1)]):
        visit(parse(probe.query), TypeInfoVisitor(info, Fields()))
    missing = sorted(wanted - covered)
    assert not missing, f"fields no probe selects: {missing}"
