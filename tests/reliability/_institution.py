"""The institution of the permission-leak matrix, and who may see what in it (behaviour §3.1, §5).

Root account ROOT with two sibling sub-accounts: ACC_A holds course A (sections A1, A2), ACC_B holds
course B (one section). Students of A: A1 and A3 in section A1, A2 in section A2; B1 and B2 in B; AB is
in A (section A1) and in B. A role override lets students see their own analytics in ACC_A only. Staff:
a teacher of each course and a TA of A limited to section A1. Admins: of the root, of ACC_A, of ACC_B.

Every object has a distinctive id (9000s) and name, so a response can be scanned for objects the caller
must not see (:func:`leaked`). The visibility functions below restate behaviour §5 for this institution;
the tests compare every answer with them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests._dataset import ROLE, Dataset

ROOT, ACC_A, ACC_B = 9100, 9200, 9300
TERM = 9400
COURSE_A, COURSE_B = 9510, 9520
SEC_A1, SEC_A2, SEC_B = 9611, 9612, 9621
STU_A1, STU_A2, STU_A3, STU_B1, STU_B2, STU_AB = 9711, 9712, 9713, 9721, 9722, 9731
ASG_A, ASG_B = 9811, 9821
ASG_A_PRIVATE = 9813  # assigned to STU_A1 only (only_visible_to_overrides + an ADHOC override)
TEACHER_A, TEACHER_B, LIMITED_TA = 9901, 9902, 9903
ROOT_ADMIN, SUB_ADMIN, SIBLING_ADMIN = 9951, 9952, 9953

SIS = {ACC_B: "ACC-B-SIS", COURSE_B: "COURSE-B-SIS", STU_B1: "STU-B1-SIS", TERM: "TERM-SIS"}

COURSE_ACCOUNT = {COURSE_A: ACC_A, COURSE_B: ACC_B}
ADMIN_OF = {ROOT_ADMIN: {ROOT, ACC_A, ACC_B}, SUB_ADMIN: {ACC_A}, SIBLING_ADMIN: {ACC_B}}
STAFF_OF = {TEACHER_A: COURSE_A, TEACHER_B: COURSE_B, LIMITED_TA: COURSE_A}
SECTION_LIMITED = {LIMITED_TA: {SEC_A1}}
# student → {course: section}
ENROLLED = {
    STU_A1: {COURSE_A: SEC_A1},
    STU_A2: {COURSE_A: SEC_A2},
    STU_A3: {COURSE_A: SEC_A1},
    STU_AB: {COURSE_A: SEC_A1, COURSE_B: SEC_B},
    STU_B1: {COURSE_B: SEC_B},
    STU_B2: {COURSE_B: SEC_B},
}
STUDENTS_MAY_VIEW_ANALYTICS = {COURSE_A}  # the override on ACC_A
STAFF_SECTION = {TEACHER_A: SEC_A1, TEACHER_B: SEC_B, LIMITED_TA: SEC_A1}

# Page views per (course, student) and scores of the one assignment per course (None: no submission).
VIEWS = {
    (COURSE_A, STU_A1): 3,
    (COURSE_A, STU_A2): 10,
    (COURSE_A, STU_A3): 1,
    (COURSE_A, STU_AB): 2,
    (COURSE_B, STU_B1): 4,
    (COURSE_B, STU_B2): 5,
    (COURSE_B, STU_AB): 6,
}
SCORES: dict[tuple[int, int], float | None] = {
    (ASG_A, STU_A1): 90.0,
    (ASG_A, STU_A2): 40.0,
    (ASG_A, STU_A3): None,
    (ASG_A, STU_AB): 70.0,
    (ASG_B, STU_B1): 80.0,
    (ASG_B, STU_B2): 60.0,
    (ASG_B, STU_AB): 50.0,
}
ASSIGNMENT_COURSE = {ASG_A: COURSE_A, ASG_B: COURSE_B, ASG_A_PRIVATE: COURSE_A}
ASSIGNED_ONLY_TO = {ASG_A_PRIVATE: {STU_A1}}
DUE = datetime(2025, 3, 5, 12)

ANONYMOUS = None
CALLERS: dict[str, int | None] = {
    "no token": ANONYMOUS,
    "root admin": ROOT_ADMIN,
    "admin of A's sub-account": SUB_ADMIN,
    "admin of the sibling sub-account": SIBLING_ADMIN,
    "teacher of A": TEACHER_A,
    "teacher of B": TEACHER_B,
    "section-limited TA of A": LIMITED_TA,
    "student of A (may view own)": STU_A1,
    "student of A, other section": STU_A2,
    "student of B (may not view own)": STU_B1,
    "student of A and B": STU_AB,
}


@dataclass(frozen=True)
class Obj:
    """An object of the institution as it can show up in a response."""

    kind: str  # the GraphQL type name
    id: int
    name: str


OBJECTS: dict[int, Obj] = {
    o.id: o
    for o in (
        Obj("Account", ROOT, "Rootwood University"),
        Obj("Account", ACC_A, "Alphaville Faculty"),
        Obj("Account", ACC_B, "Bravoburg Faculty"),
        Obj("Course", COURSE_A, "Alphaville Biology"),
        Obj("Course", COURSE_B, "Bravoburg Chemistry"),
        Obj("Section", SEC_A1, "Alphaville Section One"),
        Obj("Section", SEC_A2, "Alphaville Section Two"),
        Obj("Section", SEC_B, "Bravoburg Section"),
        Obj("Student", STU_A1, "Ada Alphaone"),
        Obj("Student", STU_A2, "Abe Alphatwo"),
        Obj("Student", STU_A3, "Amy Alphathree"),
        Obj("Student", STU_B1, "Bob Bravoone"),
        Obj("Student", STU_B2, "Bea Bravotwo"),
        Obj("Student", STU_AB, "Cy Bothways"),
        Obj("Assignment", ASG_A, "Alphaville Essay"),
        Obj("Assignment", ASG_B, "Bravoburg Lab Report"),
        Obj("Assignment", ASG_A_PRIVATE, "Alphaville Private Quiz"),
        Obj("Student", TEACHER_A, "Tom Alphateacher"),
        Obj("Student", TEACHER_B, "Tia Bravoteacher"),
        Obj("Student", LIMITED_TA, "Lee Limitedta"),
    )
}


def build() -> Dataset:
    """The institution as a dataset."""
    ds = Dataset()
    name = {i: o.name for i, o in OBJECTS.items()}
    root = ds.account(ROOT, name=name[ROOT])
    ds.account(ACC_A, name=name[ACC_A], parent=root)
    ds.account(ACC_B, name=name[ACC_B], parent=root, sis=SIS[ACC_B])
    ds.term(TERM, root=root, name="Default Term", sis=SIS[TERM])
    ds.course(COURSE_A, account=ACC_A, term=TERM, name=name[COURSE_A])
    ds.course(COURSE_B, account=ACC_B, term=TERM, name=name[COURSE_B], sis=SIS[COURSE_B])
    for section, course in ((SEC_A1, COURSE_A), (SEC_A2, COURSE_A), (SEC_B, COURSE_B)):
        ds.section(section, course=course, name=name[section])
    for user in (*ENROLLED, *STAFF_OF):
        ds.user(user, name=name[user], sis_user_id=SIS.get(user), root=root)
    for admin in ADMIN_OF:
        ds.user(admin, name=f"Admin {admin}")
    ds.admin(ROOT_ADMIN, account=ROOT)
    ds.admin(SUB_ADMIN, account=ACC_A)
    ds.admin(SIBLING_ADMIN, account=ACC_B)
    for staff, course in STAFF_OF.items():
        kind = "TeacherEnrollment" if staff in (TEACHER_A, TEACHER_B) else "TaEnrollment"
        limited = staff in SECTION_LIMITED
        ds.enroll(staff, course=course, section=STAFF_SECTION[staff], type=kind, limit_to_section=limited)
    for student, courses in ENROLLED.items():
        for course, section in courses.items():
            ds.enroll(student, course=course, section=section)
    ds.role_override(ROLE["StudentEnrollment"], account=ACC_A, permission="view_analytics", enabled=True)
    for assignment, course in ASSIGNMENT_COURSE.items():
        private = assignment in ASSIGNED_ONLY_TO
        ds.assignment(
            assignment,
            course=course,
            title=name[assignment],
            points_possible=100.0,
            due_at=DUE,
            only_visible_to_overrides=private,
        )
        if private:
            override = ds.add(
                "assignment_overrides",
                None,
                assignment_id=assignment,
                set_type="ADHOC",
                set_id=None,
                due_at=DUE,
                due_at_overridden=True,
                workflow_state="active",
            )
            for student in ASSIGNED_ONLY_TO[assignment]:
                ds.add(
                    "assignment_override_students",
                    None,
                    assignment_override_id=override,
                    assignment_id=assignment,
                    user_id=student,
                    workflow_state="active",
                )
    for (assignment, student), score in SCORES.items():
        if score is not None:
            late = student == STU_A2
            ds.submission(
                assignment=assignment,
                user=student,
                state="graded",
                submitted_at=datetime(2025, 3, 6 if late else 4, 9),
                score=score,
                posted_at=datetime(2025, 3, 7),
                graded_at=datetime(2025, 3, 7),
            )
    for (course, student), views in VIEWS.items():
        for n in range(views):
            ds.page_view(user=student, course=course, at=datetime(2025, 3, 1, 8 + n), participated=n == 0)
    return ds


# --- who may see what (behaviour §5 restated for this institution) ---------------------------------------


def is_admin_of_course(user: int | None, course: int) -> bool:
    """An account admin on the course's account chain."""
    return user is not None and COURSE_ACCOUNT[course] in ADMIN_OF.get(user, set())


def is_member(user: int | None, course: int) -> bool:
    """Holds any role in the course (GraphQL lets members read the course itself)."""
    return (
        is_admin_of_course(user, course)
        or STAFF_OF.get(user or 0) == course
        or course in ENROLLED.get(user or 0, {})
    )


def view_analytics(user: int | None, course: int) -> bool:
    """``view_analytics`` on the course."""
    if is_admin_of_course(user, course) or STAFF_OF.get(user or 0) == course:
        return True
    return course in ENROLLED.get(user or 0, {}) and course in STUDENTS_MAY_VIEW_ANALYTICS


def course_staff_rights(user: int | None, course: int) -> bool:
    """``read_as_admin`` and grade rights (admins, teachers and TAs hold both here)."""
    return is_admin_of_course(user, course) or STAFF_OF.get(user or 0) == course


def assigned_students(assignment: int) -> set[int]:
    """The students the assignment is assigned to (behaviour §3.4)."""
    course = ASSIGNMENT_COURSE[assignment]
    everyone = {s for s, courses in ENROLLED.items() if course in courses}
    return ASSIGNED_ONLY_TO.get(assignment, everyone)


def visible_students(user: int | None, course: int) -> set[int]:
    """The course's students the caller sees (behaviour §3.1): section-limited callers their sections'."""
    students = {s for s, courses in ENROLLED.items() if course in courses}
    if user in SECTION_LIMITED and STAFF_OF.get(user) == course:
        return {s for s in students if ENROLLED[s][course] in SECTION_LIMITED[user]}
    return students


def student_status(user: int | None, course: int, student: int) -> int:
    """S1-S3's status (behaviour §5 check order); ``student`` may be no student of the course."""
    if user is None:
        return 401
    if not view_analytics(user, course):
        return 403
    if student not in visible_students(user, course):
        return 404
    if student == user or course_staff_rights(user, course):
        return 200
    return 403


def course_status(user: int | None, course: int) -> int:
    """C1-C3's (and the Progress API's) status."""
    if user is None:
        return 401
    return 200 if course_staff_rights(user, course) else 403


def department_status(user: int | None, account: int) -> int:
    """D1-D4's status: ``view_analytics`` on the account, from admins of it or an ancestor."""
    if user is None:
        return 401
    return 200 if account in ADMIN_OF.get(user, set()) else 403


def visible_objects(user: int | None) -> set[int]:
    """Every object whose id or name may appear in an answer to ``user``."""
    if user is None:
        return set()
    seen: set[int] = set(ADMIN_OF.get(user, set()))
    for course in (COURSE_A, COURSE_B):
        if not is_member(user, course):
            continue
        seen.add(course)
        seen.update(i for i, o in OBJECTS.items() if o.kind == "Section" and _section_course(i) == course)
        seen.update(
            a
            for a, c in ASSIGNMENT_COURSE.items()
            if c == course and (course_staff_rights(user, course) or user in assigned_students(a))
        )
        students = visible_students(user, course)
        seen.update(students)
        limited = SECTION_LIMITED.get(user)
        seen.update(
            s for s, c in STAFF_OF.items() if c == course and (limited is None or STAFF_SECTION[s] in limited)
        )
    return seen


def _section_course(section: int) -> int:
    return COURSE_A if section in (SEC_A1, SEC_A2) else COURSE_B


# --- scanning answers -------------------------------------------------------------------------------------


def _values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value


def _global_id(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def leaked(body: Any, user: int | None) -> list[str]:
    """The objects ``user`` may not see that ``body`` mentions: by id (number, string or Relay global
    id), SIS id or name."""
    allowed = visible_objects(user)
    hidden = {i: o for i, o in OBJECTS.items() if i not in allowed}
    found: list[str] = []
    for value in _values(body):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and value in hidden:
            found.append(f"{hidden[value].kind} {value} (id)")
        elif isinstance(value, str):
            decoded = _global_id(value)
            for i, obj in hidden.items():
                if value == str(i) or decoded == f"{obj.kind}-{i}":
                    found.append(f"{obj.kind} {i} (id {value!r})")
                elif obj.name in value or (i in SIS and SIS[i] in value):
                    found.append(f"{obj.kind} {i} ({value!r})")
    return found
