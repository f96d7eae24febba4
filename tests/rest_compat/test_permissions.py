"""The permission matrix of behaviour §5 over every route family, as HTTP statuses.

One institution: root account 1 with sub-accounts 2 (the course's) and 3 (a sibling). Course 10 (account 2)
has sections 100 and 101 with students 61 (section 100) and 62 (section 101); students may view their own
analytics in account 2 (a role override). Course 11 (account 3) has student 61 too, without that override.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests._dataset import ROLE, Dataset
from tests.rest_compat.conftest import Api, ApiFactory

ROOT_ADMIN, SUB_ADMIN, SIBLING_ADMIN = 71, 72, 73
TEACHER, TA, LIMITED_TA, NO_GRADES_TEACHER, DESIGNER, OBSERVER = 51, 52, 53, 54, 55, 56
STUDENT, OTHER_STUDENT, TEST_STUDENT = 61, 62, 63
NO_GRADES_ROLE = 20


def _institution() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    sub = ds.account(2, name="Faculty", parent=root)
    sibling = ds.account(3, name="Sibling", parent=root)
    term = ds.term(1, root=root)
    course = ds.course(10, account=sub, term=term, name="Biology")
    other = ds.course(11, account=sibling, term=term, name="Chemistry")
    sec_a, sec_b = ds.section(100, course=course), ds.section(101, course=course)
    sec_other = ds.section(110, course=other)
    for uid in (
        ROOT_ADMIN,
        SUB_ADMIN,
        SIBLING_ADMIN,
        TEACHER,
        TA,
        LIMITED_TA,
        NO_GRADES_TEACHER,
        DESIGNER,
        OBSERVER,
    ):
        ds.user(uid, name=f"User {uid}")
    ds.user(STUDENT, name="Ann Student", sis_user_id="S61", login="ann@example.edu", root=root)
    ds.user(OTHER_STUDENT, name="Bob Student")
    ds.user(TEST_STUDENT, name="Test Student")
    ds.admin(ROOT_ADMIN, account=root)
    ds.admin(SUB_ADMIN, account=sub)
    ds.admin(SIBLING_ADMIN, account=sibling)
    ds.enroll(TEACHER, course=course, section=sec_a, type="TeacherEnrollment")
    ds.enroll(TA, course=course, section=sec_a, type="TaEnrollment")
    ds.enroll(LIMITED_TA, course=course, section=sec_a, type="TaEnrollment", limit_to_section=True)
    ds.add(
        "roles",
        NO_GRADES_ROLE,
        name="Grade-less Teacher",
        base_role_type="TeacherEnrollment",
        workflow_state="active",
    )
    ds.role_override(NO_GRADES_ROLE, account=root, permission="manage_grades", enabled=False)
    ds.role_override(NO_GRADES_ROLE, account=root, permission="view_all_grades", enabled=False)
    ds.enroll(NO_GRADES_TEACHER, course=course, section=sec_a, type="TeacherEnrollment", role=NO_GRADES_ROLE)
    ds.enroll(DESIGNER, course=course, section=sec_a, type="DesignerEnrollment")
    ds.enroll(OBSERVER, course=course, section=sec_a, type="ObserverEnrollment", observes=STUDENT)
    ds.enroll(STUDENT, course=course, section=sec_a)
    ds.enroll(OTHER_STUDENT, course=course, section=sec_b)
    ds.enroll(TEST_STUDENT, course=course, section=sec_a, type="StudentViewEnrollment")
    ds.enroll(STUDENT, course=other, section=sec_other)
    ds.role_override(ROLE["StudentEnrollment"], account=sub, permission="view_analytics", enabled=True)
    ds.page_view(user=STUDENT, course=course, at=datetime(2026, 3, 1, 10), participated=True)
    ds.assignment(30, course=course, due_at=datetime(2026, 3, 5))
    return ds


D = "/api/v1/accounts/2/analytics/current/statistics"
C1 = "/api/v1/courses/10/analytics/activity"
C2 = "/api/v1/courses/10/analytics/assignments"
C3 = "/api/v1/courses/10/analytics/student_summaries"
S = "/api/v1/courses/10/analytics/users/{student}/{leaf}"

# caller → (D, C1, C2, C3, S on STUDENT, S on OTHER_STUDENT)
MATRIX: dict[str, tuple[int | None, tuple[int, int, int, int, int, int]]] = {
    "root admin": (ROOT_ADMIN, (200, 200, 200, 200, 200, 200)),
    "sub-account admin": (SUB_ADMIN, (200, 200, 200, 200, 200, 200)),
    "sibling sub-account admin": (SIBLING_ADMIN, (403, 403, 403, 403, 403, 403)),
    "teacher": (TEACHER, (403, 200, 200, 200, 200, 200)),
    "TA": (TA, (403, 200, 200, 200, 200, 200)),
    "section-limited TA": (LIMITED_TA, (403, 200, 200, 200, 200, 404)),
    "teacher without grade rights": (NO_GRADES_TEACHER, (403, 200, 200, 403, 403, 403)),
    "designer": (DESIGNER, (403, 403, 403, 403, 403, 403)),
    "observer": (OBSERVER, (403, 403, 403, 403, 403, 403)),
    "student with view_analytics": (STUDENT, (403, 403, 403, 403, 200, 403)),
    "no token": (None, (401, 401, 401, 401, 401, 401)),
}


@pytest.fixture
async def api(api_for: ApiFactory) -> Api:
    return await api_for(_institution())


async def _status(api: Api, path: str, user: int | None) -> int:
    return (await api.get(path, user=user))[0]


async def test_permission_matrix(api: Api) -> None:
    failures = []
    for caller, (user, expected) in MATRIX.items():
        paths = [D, C1, C2, C3]
        got = [await _status(api, p, user) for p in paths]
        for student in (STUDENT, OTHER_STUDENT):
            leaves = {
                await _status(api, S.format(student=student, leaf=leaf), user)
                for leaf in ("activity", "assignments", "communication")
            }
            assert len(leaves) == 1, (caller, student, leaves)  # S1-S3 share their checks
            got.append(leaves.pop())
        if tuple(got) != expected:
            failures.append(f"{caller}: expected {expected}, got {tuple(got)}")
    assert not failures, "\n".join(failures)


async def test_student_without_view_analytics_is_refused_on_self(api: Api) -> None:
    # Course 11 lies in account 3, where no override gives students view_analytics (behaviour §5).
    assert await _status(api, "/api/v1/courses/11/analytics/users/self/activity", STUDENT) == 403
    assert await _status(api, "/api/v1/courses/10/analytics/users/self/activity", STUDENT) == 200


async def test_student_id_forms(api: Api) -> None:
    for ref in ("61", "self", "sis_user_id:S61", "sis_login_id:ANN@example.edu"):
        assert await _status(api, S.format(student=ref, leaf="activity"), STUDENT) == 200, ref


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("/api/v1/courses/999/analytics/activity", None),
        ("/api/v1/courses/999/analytics/activity", ROOT_ADMIN),
        ("/api/v1/courses/sis_course_id:nope/analytics/assignments", ROOT_ADMIN),
        ("/api/v1/courses/10/analytics/users/999/activity", ROOT_ADMIN),
        ("/api/v1/courses/10/analytics/users/51/activity", ROOT_ADMIN),  # a teacher, not a student
        ("/api/v1/courses/10/analytics/users/63/activity", ROOT_ADMIN),  # the Test Student (CONTRACT §3.1)
        ("/api/v1/courses/10/analytics/users/sis_user_id:nobody/assignments", ROOT_ADMIN),
        ("/api/v1/accounts/999/analytics/current/activity", None),
        ("/api/v1/accounts/2/analytics/terms/999/grades", ROOT_ADMIN),
        ("/api/v1/accounts/abc/analytics/current/grades", ROOT_ADMIN),
        ("/api/v1/courses/99999999999999999999999/analytics/activity", ROOT_ADMIN),
    ],
)
async def test_unresolvable_is_404(api: Api, path: str, user: int | None) -> None:
    status, body, _ = await api.get(path, user=user)
    assert (status, body) == (404, {"errors": [{"message": "The specified resource does not exist."}]})


@pytest.mark.parametrize("state", ["created", "claimed", "deleted"])
async def test_unpublished_and_deleted_courses_are_404(api_for: ApiFactory, state: str) -> None:
    ds = _institution()
    ds.update("courses", 10, workflow_state=state)
    api = await api_for(ds)
    assert await _status(api, C1, ROOT_ADMIN) == 404
    assert await _status(api, S.format(student=STUDENT, leaf="activity"), STUDENT) == 404


async def test_concluded_course_is_served(api_for: ApiFactory) -> None:
    ds = _institution()
    ds.update("courses", 10, workflow_state="completed")
    api = await api_for(ds)
    assert await _status(api, C1, TEACHER) == 200
    assert await _status(api, "/api/v1/accounts/2/analytics/completed/statistics", ROOT_ADMIN) == 200


async def test_deleted_account_is_404(api_for: ApiFactory) -> None:
    ds = _institution()
    ds.update("accounts", 2, workflow_state="deleted")
    api = await api_for(ds)
    assert await _status(api, D, ROOT_ADMIN) == 404


async def test_deleted_membership_grants_nothing(api_for: ApiFactory) -> None:
    ds = _institution()
    ds.admin(99, account=1, state="deleted")
    ds.user(99, name="Former admin")
    api = await api_for(ds)
    assert await _status(api, D, 99) == 403
    assert await _status(api, C1, 99) == 403


async def test_concluded_teacher_keeps_analytics(api_for: ApiFactory) -> None:
    ds = _institution()
    ds.enroll(57, course=10, section=100, type="TeacherEnrollment", state="completed")
    ds.user(57, name="Former teacher")
    ds.enroll(58, course=10, section=100, type="TeacherEnrollment", state="invited")
    ds.user(58, name="Invited teacher")
    api = await api_for(ds)
    assert await _status(api, C3, 57) == 200
    assert await _status(api, C3, 58) == 403


async def test_scoped_token_on_real_routes(api: Api) -> None:
    from analytics_gateway.storage.tokens import create_token

    _, token = await create_token(
        api.engine, user_id=ROOT_ADMIN, scopes=["url:GET|/api/v1/courses/:course_id/analytics/activity"]
    )
    auth = {"Authorization": f"Bearer {token}"}
    assert (await api.get(C1, user=None, headers=auth))[0] == 200
    status, body, _ = await api.get(C2, user=None, headers=auth)
    assert (status, body) == (401, {"errors": [{"message": "Insufficient scopes on access token."}]})
