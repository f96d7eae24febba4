"""S3 student communication (CONTRACT §7.11, §3.7): conversations and comments per UTC day, both dialects.

One hand-built course (id 1) with a neighbour (id 10, so that ``course_1`` must not match ``course_10``).
Every message and comment below says whether it counts for Ann and why; the expected bodies are written
out by hand from that list and compared byte for byte (key order included).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import pytest

from tests._dataset import ROLE, Dataset
from tests.rest_compat.conftest import Api, ApiFactory

ADMIN = 1
TEACHER = 2
TA = 3
DELETED_TA = 4
INVITED_TEACHER = 5
CONCLUDED_TEACHER = 6
OTHER_TEACHER = 7  # teaches course 10 only
ANN = 100
BOB = 101
CAT = 102
DAN = 103  # a student with no messages at all
OUTSIDER = 200  # enrolled nowhere

COURSE = 1
OTHER_COURSE = 10
S3 = "/api/v1/courses/{}/analytics/users/{}/communication"
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second)


class _Talk:
    """Conversations of a dataset: each message lists its participant rows explicitly."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds

    def conversation(self, id: int, *, course: int | None = None, tags: str | None = None) -> int:
        return int(
            self.ds.add(
                "conversations",
                id,
                context_id=course,
                context_type="Course" if course is not None else None,
                tags=tags,
            )
        )

    def message(
        self,
        id: int,
        conversation: int,
        *,
        author: int,
        at: datetime | str | None,
        to: tuple[int, ...] = (),
        generated: bool | None = False,
        own_row: bool = True,
    ) -> None:
        self.ds.add(
            "conversation_messages",
            id,
            conversation_id=conversation,
            author_id=author,
            created_at=at,
            generated=generated,
            context_id=ADMIN,  # always the root account in DAP, never the course
            context_type="Account",
        )
        for user in ((author,) if own_row else ()) + to:
            self.ds.add(
                "conversation_message_participants",
                None,
                conversation_message_id=id,
                user_id=user,
                workflow_state="active",
            )


def _comment(
    ds: Dataset,
    submission: int,
    *,
    author: int,
    at: datetime | None,
    draft: bool | None = False,
    context: int | None = COURSE,
) -> None:
    ds.add(
        "submission_comments",
        None,
        submission_id=submission,
        author_id=author,
        context_id=context,
        context_type="Course" if context is not None else None,
        comment="...",
        draft=draft,
        created_at=at,
    )


def _institution() -> Dataset:
    ds = Dataset()
    root = ds.account(1, name="Root")
    term = ds.term(1, root=root)
    # Students may look at their own analytics here, so that the 403 below is open_student's read_grades.
    ds.role_override(ROLE["StudentEnrollment"], account=root, permission="view_analytics", enabled=True)
    course = ds.course(COURSE, account=root, term=term, name="Course 1")
    other = ds.course(OTHER_COURSE, account=root, term=term, name="Course 10")
    section = ds.section(1, course=course)
    other_section = ds.section(2, course=other)
    people = {
        ADMIN: "Admin",
        TEACHER: "Teacher",
        TA: "TA",
        DELETED_TA: "Deleted TA",
        INVITED_TEACHER: "Invited Teacher",
        CONCLUDED_TEACHER: "Concluded Teacher",
        OTHER_TEACHER: "Other Teacher",
        ANN: "Ann",
        BOB: "Bob",
        CAT: "Cat",
        DAN: "Dan",
        OUTSIDER: "Outsider",
    }
    for user, name in people.items():
        ds.user(user, name=name)
    ds.admin(ADMIN, account=root)
    ds.enroll(TEACHER, course=course, section=section, type="TeacherEnrollment")
    # The TA is limited to a section without Ann: section limits do not apply to who is an instructor.
    ds.enroll(
        TA, course=course, section=ds.section(3, course=course), type="TaEnrollment", limit_to_section=True
    )
    ds.enroll(DELETED_TA, course=course, section=section, type="TaEnrollment", state="deleted")
    ds.enroll(INVITED_TEACHER, course=course, section=section, type="TeacherEnrollment", state="invited")
    ds.enroll(CONCLUDED_TEACHER, course=course, section=section, type="TeacherEnrollment", state="completed")
    ds.enroll(OTHER_TEACHER, course=other, section=other_section, type="TeacherEnrollment")
    for student in (ANN, BOB, CAT, DAN):
        ds.enroll(student, course=course, section=section)
    ds.enroll(ANN, course=other, section=other_section)

    talk = _Talk(ds)
    # Conversation 20, context course 1: Ann, Cat, the teacher, the TA and the deleted TA.
    talk.conversation(20, course=COURSE)
    talk.message(201, 20, author=ANN, at=_at(2, 9), to=(TEACHER, TA, CAT))  # Ann 03-02
    talk.message(202, 20, author=TEACHER, at=_at(2, 10), to=(ANN, TA, CAT))  # instructor 03-02
    talk.message(203, 20, author=TA, at=_at(2, 23, 59, 59), to=(ANN, TEACHER, CAT))  # instructor 03-02
    talk.message(204, 20, author=TEACHER, at=_at(3, 0), to=(ANN, TA, CAT))  # instructor 03-03 (midnight)
    talk.message(205, 20, author=TEACHER, at=_at(2, 11), to=(ANN,), generated=True)  # generated: no
    talk.message(206, 20, author=CAT, at=_at(2, 15), to=(ANN, TEACHER))  # a third student: not Ann's
    talk.message(207, 20, author=DELETED_TA, at=_at(2, 16), to=(ANN,))  # deleted TA: no
    talk.message(208, 20, author=ANN, at=None, to=(TEACHER,))  # undated: skipped
    talk.message(209, 20, author=ANN, at="2026-03-02T20:00:00-05:00", to=(TEACHER,))  # Ann 03-03 01:00 UTC
    talk.message(210, 20, author=OTHER_TEACHER, at=_at(2, 17), to=(ANN,))  # not an instructor here: no
    # Conversation 21, course 1 but no instructor (a deleted TA and another course's teacher do not count).
    talk.conversation(21, course=COURSE)
    talk.message(211, 21, author=ANN, at=_at(4, 9), to=(CAT, DELETED_TA, OTHER_TEACHER))
    talk.message(212, 21, author=DELETED_TA, at=_at(4, 10), to=(ANN,))
    # Conversation 22, context course 10: not this course's, whoever talks in it.
    talk.conversation(22, course=OTHER_COURSE, tags=f"course_{COURSE}")
    talk.message(221, 22, author=ANN, at=_at(5, 9), to=(TEACHER,))
    talk.message(222, 22, author=TEACHER, at=_at(5, 10), to=(ANN,))
    # Conversation 23, no context, tagged with course 1 among others (spaces around items).
    talk.conversation(23, tags=" group_9 , course_1 ,user_5")
    talk.message(231, 23, author=INVITED_TEACHER, at=_at(6, 12), to=(ANN,))  # invited teacher counts
    talk.message(232, 23, author=ANN, at=_at(6, 13), to=(INVITED_TEACHER,))
    # Conversations 24 and 25, no context, tagged with other courses only: `course_1` is not `course_10`,
    # and the `_` of `course_1` is not a wildcard.
    talk.conversation(24, tags="course_10,course_11")
    talk.message(241, 24, author=TEACHER, at=_at(7, 9), to=(ANN,))
    talk.message(242, 24, author=ANN, at=_at(7, 10), to=(TEACHER,))
    talk.conversation(25, tags="courseX1")
    talk.message(251, 25, author=TEACHER, at=_at(7, 11), to=(ANN,))
    # Conversation 26, tagged course 1: the concluded teacher participates only by authoring (no own row).
    talk.conversation(26, tags="course_1")
    talk.message(261, 26, author=CONCLUDED_TEACHER, at=_at(8, 8), to=(ANN,), own_row=False)

    # Submission comments.
    essay = ds.assignment(50, course=course, title="Essay")
    reading = ds.assignment(51, course=course, title="Reading")
    elsewhere = ds.assignment(52, course=other, title="Elsewhere")
    ann_essay = ds.submission(500, assignment=essay, user=ANN)
    bob_essay = ds.submission(501, assignment=essay, user=BOB)
    ann_deleted = ds.submission(502, assignment=reading, user=ANN, state="deleted")
    ann_reading = ds.submission(503, assignment=reading, user=ANN, state="graded")
    ds.update("submissions", ann_reading, course_id=None)  # placed in the course by the comment's context
    ann_elsewhere = ds.submission(504, assignment=elsewhere, user=ANN)
    _comment(ds, ann_essay, author=TEACHER, at=_at(9, 10), context=None)  # instructor 03-09
    _comment(ds, ann_essay, author=ANN, at=_at(9, 11))  # Ann 03-09
    _comment(ds, ann_essay, author=TA, at=_at(9, 12), draft=True)  # draft: no
    _comment(ds, ann_essay, author=ANN, at=_at(9, 13), draft=None)  # NULL draft is not a draft: Ann 03-09
    _comment(ds, ann_essay, author=BOB, at=_at(9, 14))  # a peer's comment: no
    _comment(ds, ann_essay, author=TEACHER, at=None)  # undated: skipped
    _comment(ds, ann_essay, author=TEACHER, at=_at(1, 8))  # instructor 03-01, the first day
    _comment(ds, bob_essay, author=TEACHER, at=_at(9, 15))  # Bob's submission: Bob's, not Ann's
    _comment(ds, ann_deleted, author=TEACHER, at=_at(9, 16))  # deleted submission: no
    _comment(ds, ann_reading, author=TA, at=_at(10, 9))  # instructor 03-10
    _comment(ds, ann_elsewhere, author=OTHER_TEACHER, at=_at(11, 9), context=OTHER_COURSE)  # course 10
    _comment(ds, ann_elsewhere, author=TEACHER, at=_at(11, 10), context=OTHER_COURSE)  # course 10
    return ds


ANN_EXPECTED: dict[str, Any] = {
    "2026-03-01": {"instructorMessages": 1},
    "2026-03-02": {"instructorMessages": 2, "studentMessages": 1},
    "2026-03-03": {"instructorMessages": 1, "studentMessages": 1},
    "2026-03-06": {"instructorMessages": 1, "studentMessages": 1},
    "2026-03-08": {"instructorMessages": 1},
    "2026-03-09": {"instructorMessages": 1, "studentMessages": 2},
    "2026-03-10": {"instructorMessages": 1},
}
# Cat shares conversation 20 with the teacher and the TA: her message and theirs; conversation 21 has no
# instructor.
CAT_EXPECTED: dict[str, Any] = {
    "2026-03-02": {"instructorMessages": 2, "studentMessages": 1},
    "2026-03-03": {"instructorMessages": 1},
}
BOB_EXPECTED: dict[str, Any] = {"2026-03-09": {"instructorMessages": 1}}


@pytest.fixture
async def api(api_for: ApiFactory) -> Api:
    return await api_for(_institution())


def _bytes(value: Any) -> bytes:
    return orjson.dumps(value)


@pytest.mark.parametrize("dialect", ["documented", "canvas"])
async def test_communication_counts_messages_and_comments(api: Api, dialect: Any) -> None:
    body = await api.raw(S3.format(COURSE, ANN), user=ADMIN, dialect=dialect)
    assert body == _bytes(ANN_EXPECTED)


@pytest.mark.parametrize("dialect", ["documented", "canvas"])
async def test_other_students_see_their_own_conversations(api: Api, dialect: Any) -> None:
    assert await api.raw(S3.format(COURSE, CAT), user=TEACHER, dialect=dialect) == _bytes(CAT_EXPECTED)
    assert await api.raw(S3.format(COURSE, BOB), user=TEACHER, dialect=dialect) == _bytes(BOB_EXPECTED)


@pytest.mark.parametrize("dialect", ["documented", "canvas"])
async def test_no_messages_is_an_empty_object(api: Api, dialect: Any) -> None:
    assert await api.raw(S3.format(COURSE, DAN), user=ADMIN, dialect=dialect) == b"{}"


async def test_a_student_sees_their_own_communication(api: Api) -> None:
    assert await api.raw(S3.format(COURSE, "self"), user=ANN) == _bytes(ANN_EXPECTED)
    assert await api.raw(S3.format(COURSE, ANN) + ".json", user=ANN) == _bytes(ANN_EXPECTED)


async def test_other_course_has_its_own_instructors(api: Api) -> None:
    # Course 10's only instructor is its own teacher: conversations 22 and 24 are shared with course 1's
    # teacher only, and of the comments on Ann's course-10 submission only the course-10 teacher's counts.
    expected = {"2026-03-11": {"instructorMessages": 1}}
    assert await api.raw(S3.format(OTHER_COURSE, ANN), user=ADMIN) == _bytes(expected)


async def test_communication_checks(api: Api) -> None:
    # Not a student of the course (a teacher; a user enrolled nowhere; an unknown id): 404.
    for who in (TEACHER, OUTSIDER, 999):
        assert (await api.get(S3.format(COURSE, who), user=ADMIN))[:2] == (404, NOT_FOUND)
    # Another student as the caller: 403 (read_grades), though students hold view_analytics here.
    assert (await api.get(S3.format(COURSE, ANN), user=BOB))[0] == 403
    assert (await api.get(S3.format(COURSE, BOB), user=BOB))[0] == 200
    # An unknown course: 404; no token: 401.
    assert (await api.get(S3.format(999, ANN), user=ADMIN))[:2] == (404, NOT_FOUND)
    assert (await api.get(S3.format(COURSE, ANN), user=None))[0] == 401
