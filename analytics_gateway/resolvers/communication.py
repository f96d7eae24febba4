"""Student-in-course communication (S3): messages with the instructors per UTC day.

CONTRACT §7.11 with §3.7: conversation messages in the course's conversations that the student shares
with an instructor, plus submission comments on the student's submissions in the course, each authored
by the student or an instructor; instructors' counts are summed (Canvas keeps one instructor's count and
never counts comments, behaviour §9.1). The caller has passed :func:`~.access.open_student`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from analytics_gateway.resolvers.cache import Scope, cached
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.policy import CourseAccess, StudentAccess
from analytics_gateway.storage.queries.messages import (
    MessageRow,
    get_conversation_messages,
    get_conversation_participants,
    get_instructor_ids,
    get_submission_comments,
)

__all__ = ["Communication", "DayMessages", "communications_for_students", "student_communication"]


@dataclass(frozen=True, slots=True)
class DayMessages:
    """One UTC day's messages and comments, by the instructors together and by the student."""

    date: date
    instructor_messages: int
    student_messages: int


@dataclass(frozen=True, slots=True)
class Communication:
    """S3: the days with at least one message, ascending (CONTRACT §3.10)."""

    days: tuple[DayMessages, ...]


class _Tally:
    """Per-day counts of one student: ``day → [instructor, student]``."""

    def __init__(self) -> None:
        self.days: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0])

    def count(self, at: datetime, *, by_student: bool) -> None:
        # Timestamps are naive UTC, so the date is the UTC calendar day (CONTRACT §3.11).
        self.days[at.date()][1 if by_student else 0] += 1

    def result(self) -> Communication:
        return Communication(tuple(DayMessages(day, i, s) for day, (i, s) in sorted(self.days.items())))


async def communications_for_students(
    ctx: AnalyticsContext, course: CourseAccess, student_ids: Sequence[int]
) -> dict[int, Communication]:
    """S3 for several students of one course (already authorized) in four statements."""
    ids = sorted(set(student_ids))
    if not ids:
        return {}
    course_id = course.course.id
    async with ctx.engine.connect() as conn:
        instructors = await get_instructor_ids(conn=conn, course_id=course_id)
        participants = await get_conversation_participants(conn=conn, course_id=course_id, student_ids=ids)
        messages = await get_conversation_messages(conn=conn, course_id=course_id, student_ids=ids)
        comments = await get_submission_comments(conn=conn, course_id=course_id, student_ids=ids)
    tallies = {student: _Tally() for student in ids}
    by_conversation: defaultdict[int, list[MessageRow]] = defaultdict(list)
    for message in messages:
        by_conversation[message.conversation_id].append(message)
    for conversation_id, users in participants.items():
        # Shared with an instructor other than the student (a TA who is also a student of the course
        # does not make a conversation with themself count).
        shared = [
            s for s in sorted(users) if s in tallies and any(u in instructors and u != s for u in users)
        ]
        for message in by_conversation.get(conversation_id, ()):
            for student in shared:
                if message.author_id == student:
                    tallies[student].count(message.created_at, by_student=True)
                elif message.author_id in instructors:
                    tallies[student].count(message.created_at, by_student=False)
    for comment in comments:
        tally = tallies.get(comment.student_id)
        if tally is None:
            continue
        if comment.author_id == comment.student_id:
            tally.count(comment.created_at, by_student=True)
        elif comment.author_id in instructors:
            tally.count(comment.created_at, by_student=False)
    return {student: tallies[student].result() for student in ids}


async def student_communication(ctx: AnalyticsContext, access: StudentAccess) -> Communication:
    """S3 for one student (the same for every caller allowed to see it)."""
    course_id, student_id = access.course.course.id, access.student.id

    async def compute() -> tuple[Communication, None]:
        found = await communications_for_students(ctx, access.course, [student_id])
        return found[student_id], None

    # Conversations have no single course: their imports touch everything (storage/_scopes.py).
    return await cached(ctx, ("S3", course_id, student_id), Scope.of(courses=[course_id]), compute)
