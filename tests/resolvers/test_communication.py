"""S3 as GraphQL will call it: many students of a course at once, in a fixed number of statements."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.access import open_course, open_student
from analytics_gateway.resolvers.communication import (
    Communication,
    DayMessages,
    communications_for_students,
    student_communication,
)
from analytics_gateway.resolvers.context import AnalyticsContext, Viewer
from tests._dataset import Dataset
from tests._sql import recorded_statements
from tests.rest_compat.test_communication import ADMIN, ANN, BOB, CAT, COURSE, DAN, _institution


async def test_many_students_cost_what_one_does(engine: AsyncEngine, tmp_path: Path) -> None:
    await _institution().load(engine, tmp_path)
    ctx = AnalyticsContext(engine, Viewer(ADMIN))
    access = await open_course(ctx, str(COURSE))
    with recorded_statements(engine) as one:
        single = await communications_for_students(ctx, access, [ANN])
    with recorded_statements(engine) as many:
        batch = await communications_for_students(ctx, access, [DAN, ANN, CAT, BOB, ANN])
    assert len(one) == len(many) == 4
    assert list(batch) == [ANN, BOB, CAT, DAN]
    assert batch[ANN] == single[ANN]
    assert batch[ANN].days[:2] == (
        DayMessages(date(2026, 3, 1), instructor_messages=1, student_messages=0),
        DayMessages(date(2026, 3, 2), instructor_messages=2, student_messages=1),
    )
    assert batch[BOB] == Communication((DayMessages(date(2026, 3, 9), 1, 0),))
    assert batch[DAN] == Communication(())
    with recorded_statements(engine) as none:
        assert await communications_for_students(ctx, access, []) == {}
    assert none == []


async def test_single_student_is_the_batch_of_one(engine: AsyncEngine, tmp_path: Path) -> None:
    await _institution().load(engine, tmp_path)
    ctx = AnalyticsContext(engine, Viewer(ADMIN))
    access = await open_student(ctx, str(COURSE), str(CAT))
    assert await student_communication(ctx, access) == Communication(
        (DayMessages(date(2026, 3, 2), 2, 1), DayMessages(date(2026, 3, 3), 1, 0))
    )


async def test_a_student_who_is_also_a_ta(engine: AsyncEngine, tmp_path: Path) -> None:
    # User 50 is a student and a TA of the course: their own messages are student messages, and a
    # conversation with nobody but themself and another student is not shared with an instructor.
    ds = Dataset()
    root = ds.account(1, name="Root")
    course = ds.course(1, account=root, term=ds.term(1, root=root))
    section = ds.section(1, course=course)
    for user in (1, 50, 51, 52):
        ds.user(user)
    ds.admin(1, account=root)
    ds.enroll(50, course=course, section=section)
    ds.enroll(50, course=course, section=section, type="TaEnrollment")
    ds.enroll(51, course=course, section=section)
    ds.enroll(52, course=course, section=section, type="TeacherEnrollment")
    ds.add("conversations", 1, context_id=course, context_type="Course")  # 50 and 51 only
    ds.add("conversations", 2, context_id=course, context_type="Course")  # 50 and the teacher
    messages = [
        (10, 1, 50, datetime(2026, 3, 1, 9), (50, 51)),
        (11, 1, 51, datetime(2026, 3, 1, 10), (51, 50)),
        (20, 2, 50, datetime(2026, 3, 2, 9), (50, 52)),
        (21, 2, 52, datetime(2026, 3, 2, 10), (52, 50)),
    ]
    for id, conversation, author, at, participants in messages:
        ds.add("conversation_messages", id, conversation_id=conversation, author_id=author, created_at=at)
        for user in participants:
            ds.add("conversation_message_participants", None, conversation_message_id=id, user_id=user)
    await ds.load(engine, tmp_path)
    ctx = AnalyticsContext(engine, Viewer(1))
    found = await communications_for_students(ctx, await open_course(ctx, "1"), [50, 51])
    assert found[50] == Communication((DayMessages(date(2026, 3, 2), 1, 1),))
    # For 51, conversation 1 is shared with 50, who is an instructor of the course (a TA).
    assert found[51] == Communication((DayMessages(date(2026, 3, 1), 1, 1),))
