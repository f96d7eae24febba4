"""One hand-built course for the C1-C3 and S1-S2 tests; every expected number is derived from it by hand.

Course 10 (account 2 under root 1, Default Term 1), sections 100 and 101.

Callers: 9 root admin; 8 teacher (section 100); 7 TA limited to section 101. Students may view their own
analytics in account 2 (a role override).

Students (sortable names; sections; overall score):

| id | sortable name | sections | score |
| --- | --- | --- | --- |
| 21 | Adams, Ann | 100 | 88.5 |
| 22 | Brown, Bob | 100, 101 | none |
| 23 | clark, Cat | 101 | 70.0 |
| 24 | Čapek, Dan | 100 | 95.25 |
| 27 | Evans, Eve (a *completed* enrollment) | 100 | 70.0 |

Not students: 25 (invited), 26 (the Test Student), 8 and 7 (staff).

Published assignments in §3.4 order (base due date, undated last): 31 Essay (03-10), 38 Reading (03-15),
32 Quiz (03-20, online_quiz), 33 Worksheet (04-01, on_paper, no points), 34 Project (base 05-01, only
visible to overrides: ADHOC for 21 due 05-05, section 101 due 05-10), 35 Future (2099), 37 Undated.
36 is unpublished. Statuses (on_time / late / missing / floating / excused → floating):

| | 31 | 38 | 32 | 33 | 34 | 35 | 37 |
| --- | --- | --- | --- | --- | --- | --- | --- |
| 21 | on time, 8 | on time, 4 | on time (grace), 15 unposted | paper, 5 | on time, 90 | floating | on time |
| 22 | late, 6.5 | on time, 3 | late (policy), 12 | - | on time, 85 | floating | floating |
| 23 | missing (deleted row) | on time, 2 | missing (policy) | - | missing | floating | floating |
| 24 | excused | on time, 1 | late (past grace), 18 | - | not assigned | floating | floating |
| 27 | on time (at due), 10 | on time, 0 | missing | - | not assigned | floating | floating |

Page views (course 10): 21 three on 03-01 (10:00, 10:30 participating, 11:00); 22 one on 03-02 09:00
(participating); 24 five on 03-02 08:00-08:04; 27 one on 03-03 23:59:59; the teacher two on 03-01; the
Test Student one on 03-03; the admin masquerading as 21 one on 03-01 (not a page view).
"""

from __future__ import annotations

from datetime import datetime

from tests._dataset import ROLE, Dataset

ADMIN, TEACHER, LIMITED_TA = 9, 8, 7
ANN, BOB, CAT, DAN, EVE = 21, 22, 23, 24, 27
INVITED, TEST_STUDENT = 25, 26
ESSAY, QUIZ, WORKSHEET, PROJECT, FUTURE, DRAFT, UNDATED, READING = 31, 32, 33, 34, 35, 36, 37, 38
COURSE = 10
PARTICIPATION_URL = "https://canvas.example.edu/courses/10/discussion_topics/61"


def d(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A 2026 time (naive UTC)."""
    return datetime(2026, month, day, hour, minute, second)


def institution() -> Dataset:
    """The course described in the module docstring."""
    ds = Dataset()
    root = ds.account(1, name="Root")
    faculty = ds.account(2, name="Faculty", parent=root)
    term = ds.term(1, root=root)
    course = ds.course(COURSE, account=faculty, term=term, name="Biology", sis="BIO-101")
    sec_a, sec_b = ds.section(100, course=course), ds.section(101, course=course)

    ds.user(ADMIN, name="Admin")
    ds.admin(ADMIN, account=root)
    ds.user(TEACHER, name="Teacher")
    ds.enroll(TEACHER, course=course, section=sec_a, type="TeacherEnrollment")
    ds.user(LIMITED_TA, name="Limited TA")
    ds.enroll(LIMITED_TA, course=course, section=sec_b, type="TaEnrollment", limit_to_section=True)
    ds.role_override(ROLE["StudentEnrollment"], account=faculty, permission="view_analytics", enabled=True)

    students = {
        ANN: ("Ann Adams", "Adams, Ann", [sec_a], 88.5),
        BOB: ("Bob Brown", "Brown, Bob", [sec_a, sec_b], None),
        CAT: ("Cat Clark", "clark, Cat", [sec_b], 70.0),
        DAN: ("Dan Čapek", "Čapek, Dan", [sec_a], 95.25),
        EVE: ("Eve Evans", "Evans, Eve", [sec_a], 70.0),
    }
    for uid, (name, sortable, sections, score) in students.items():
        ds.user(uid, name=name, sortable_name=sortable)
        for n, section in enumerate(sections):
            state = "completed" if uid == EVE else "active"
            enrollment = ds.enroll(uid, course=course, section=section, state=state)
            if n == 0:
                ds.score(enrollment, score)
    ds.user(INVITED, name="Ivy Invited")
    ds.enroll(INVITED, course=course, section=sec_a, state="invited")
    ds.user(TEST_STUDENT, name="Test Student")
    ds.enroll(TEST_STUDENT, course=course, section=sec_a, type="StudentViewEnrollment")

    # --- assignments -------------------------------------------------------------------------------------
    ds.assignment(ESSAY, course=course, title="Essay", due_at=d(3, 10), unlock_at=d(3, 1))
    ds.assignment(READING, course=course, title="Reading", due_at=d(3, 15))
    ds.assignment(
        QUIZ,
        course=course,
        title="Quiz",
        points_possible=20.0,
        due_at=d(3, 20, 12),
        submission_types="online_quiz",
    )
    ds.assignment(
        WORKSHEET,
        course=course,
        title="Worksheet",
        points_possible=None,
        due_at=d(4, 1),
        submission_types="on_paper",
    )
    ds.assignment(
        PROJECT,
        course=course,
        title="Project",
        points_possible=100.0,
        due_at=d(5, 1),
        submission_types=["online_upload", "online_url"],
        only_visible_to_overrides=True,
    )
    ds.assignment(
        FUTURE,
        course=course,
        title="Future",
        points_possible=5.0,
        due_at=datetime(2099, 1, 1),
        submission_types="online_upload",
    )
    ds.assignment(DRAFT, course=course, title="Draft", due_at=d(3, 1), state="unpublished")
    ds.assignment(UNDATED, course=course, title="Undated", due_at=None)
    ds.add(
        "assignment_overrides",
        71,
        assignment_id=PROJECT,
        set_type="ADHOC",
        set_id=None,
        due_at=d(5, 5),
        due_at_overridden=True,
        workflow_state="active",
    )
    ds.add(
        "assignment_override_students",
        72,
        assignment_override_id=71,
        assignment_id=PROJECT,
        user_id=ANN,
        workflow_state="active",
    )
    ds.add(
        "assignment_overrides",
        73,
        assignment_id=PROJECT,
        set_type="CourseSection",
        set_id=sec_b,
        due_at=d(5, 10),
        due_at_overridden=True,
        workflow_state="active",
    )

    # --- submissions -------------------------------------------------------------------------------------
    submit = ds.submission
    submit(assignment=ESSAY, user=ANN, submitted_at=d(3, 9), score=8.0, state="graded", posted_at=d(3, 12))
    submit(assignment=ESSAY, user=BOB, submitted_at=d(3, 11), score=6.5, state="graded", posted_at=d(3, 12))
    submit(assignment=ESSAY, user=CAT, submitted_at=d(3, 9), score=9.0, state="deleted")
    submit(assignment=ESSAY, user=DAN, state="graded", excused=True, posted_at=d(3, 12))
    submit(assignment=ESSAY, user=EVE, submitted_at=d(3, 10), score=10.0, state="graded", posted_at=d(3, 12))
    for uid, score in ((ANN, 4.0), (BOB, 3.0), (CAT, 2.0), (DAN, 1.0), (EVE, 0.0)):
        submit(
            assignment=READING,
            user=uid,
            submitted_at=d(3, 14),
            score=score,
            state="graded",
            posted_at=d(3, 16),
        )
    quiz = "online_quiz"
    submit(
        assignment=QUIZ,
        user=ANN,
        submitted_at=d(3, 20, 12, 0, 45),
        score=15.0,
        state="graded",
        submission_type=quiz,
    )
    submit(
        assignment=QUIZ,
        user=BOB,
        submitted_at=d(3, 19),
        score=12.0,
        state="graded",
        posted_at=d(3, 21),
        late_policy_status="late",
        submission_type=quiz,
    )
    submit(assignment=QUIZ, user=CAT, state="unsubmitted", late_policy_status="missing", submission_type=quiz)
    submit(
        assignment=QUIZ,
        user=DAN,
        submitted_at=d(3, 20, 12, 2),
        score=18.0,
        state="graded",
        posted_at=d(3, 21),
        submission_type=quiz,
    )
    submit(
        assignment=WORKSHEET,
        user=ANN,
        state="graded",
        score=5.0,
        graded_at=d(3, 25),
        posted_at=d(3, 26),
        submission_type=None,
    )
    submit(assignment=PROJECT, user=ANN, submitted_at=d(5, 4), score=90.0, state="graded", posted_at=d(5, 6))
    submit(assignment=PROJECT, user=BOB, submitted_at=d(5, 8), score=85.0, state="graded", posted_at=d(5, 11))
    submit(assignment=UNDATED, user=ANN, submitted_at=d(3, 1))

    # --- modules: Essay in 41 and 42 (not the deleted module 43, not through the deleted item in 44);
    # Reading's graded discussion 61 in module 42. -----------------------------------------------------
    for module_id, state in ((41, "active"), (42, "active"), (43, "deleted"), (44, "active")):
        ds.add(
            "context_modules",
            module_id,
            context_id=course,
            context_type="Course",
            name=f"Module {module_id}",
            workflow_state=state,
        )
    ds.add(
        "discussion_topics",
        61,
        context_id=course,
        context_type="Course",
        assignment_id=READING,
        workflow_state="active",
    )
    for tag_id, module_id, content_type, content_id, state in (
        (51, 41, "Assignment", ESSAY, "active"),
        (52, 42, "Assignment", ESSAY, "active"),
        (53, 43, "Assignment", ESSAY, "active"),
        (54, 44, "Assignment", ESSAY, "deleted"),
        (55, 42, "DiscussionTopic", 61, "active"),
    ):
        ds.add(
            "content_tags",
            tag_id,
            tag_type="context_module",
            context_module_id=module_id,
            context_id=course,
            context_type="Course",
            content_type=content_type,
            content_id=content_id,
            workflow_state=state,
        )

    # --- page views ------------------------------------------------------------------------------------
    pv = ds.page_view
    pv(user=ANN, course=course, at=d(3, 1, 10))
    pv(
        user=ANN,
        course=course,
        at=d(3, 1, 10, 30),
        participated=True,
        url=PARTICIPATION_URL,
        controller="discussion_topics",
    )
    pv(user=ANN, course=course, at=d(3, 1, 11))
    pv(
        user=BOB,
        course=course,
        at=d(3, 2, 9),
        participated=True,
        url="https://canvas.example.edu/courses/10/quizzes/1",
    )
    for minute in range(5):
        pv(user=DAN, course=course, at=d(3, 2, 8, minute))
    pv(user=EVE, course=course, at=d(3, 3, 23, 59, 59))
    pv(user=TEACHER, course=course, at=d(3, 1, 14))
    pv(user=TEACHER, course=course, at=d(3, 1, 15))
    pv(user=TEST_STUDENT, course=course, at=d(3, 3, 12))
    pv(user=ANN, real_user=ADMIN, course=course, at=d(3, 1, 16), participated=True)
    return ds
