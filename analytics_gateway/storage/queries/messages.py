"""Conversations and submission comments between a course's students and its instructors (S3).

The rules are CONTRACT §7.11 (with §3.7): instructors are the course's Teacher and TA enrollments in any
state but ``deleted`` (section limits not applied); a conversation belongs to the course by its context,
or by its ``tags`` when it has none. Each function reads a set of students of one course in one
statement per ``IN`` chunk, so several students cost what one does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, func, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics_gateway.storage.queries._util import chunks
from analytics_gateway.storage.tables import (
    conversation_message_participants,
    conversation_messages,
    conversations,
    enrollments,
    submission_comments,
    submissions,
)

__all__ = [
    "INSTRUCTOR_TYPES",
    "CommentRow",
    "MessageRow",
    "get_conversation_messages",
    "get_conversation_participants",
    "get_instructor_ids",
    "get_submission_comments",
]

INSTRUCTOR_TYPES = ("TeacherEnrollment", "TaEnrollment")  # CONTRACT §7.11

_messages = conversation_messages.c
_participants = conversation_message_participants.c


def _not_deleted(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """NULL counts as not deleted: exports leave optional columns empty."""
    return or_(column.is_(None), column != "deleted")


def _instructors(course_id: int) -> Select[tuple[Any]]:
    """The ids of the course's instructors (CONTRACT §7.11: any state but deleted, all sections)."""
    return select(enrollments.c.user_id).where(
        enrollments.c.course_id == course_id,
        enrollments.c.type.in_(INSTRUCTOR_TYPES),
        _not_deleted(enrollments.c.workflow_state),
        enrollments.c.user_id.is_not(None),
    )


def _of_course(course_id: int) -> ColumnElement[bool]:
    """A conversation of the course: its context, or, without one, ``course_<id>`` among its ``tags``.

    Tags are a comma list; spaces are dropped and the list is wrapped in commas so that only a whole
    item matches (``course_1`` is not ``course_10``); ``autoescape`` keeps ``_`` literal in LIKE.
    """
    wrapped = literal(",", Text).concat(func.replace(conversations.c.tags, " ", "", type_=Text)).concat(",")
    return or_(
        and_(conversations.c.context_type == "Course", conversations.c.context_id == course_id),
        and_(
            conversations.c.context_id.is_(None),
            wrapped.contains(f",course_{course_id},", autoescape=True),
        ),
    )


def _joined_by(course_id: int, user_ids: Sequence[int]) -> Select[tuple[Any]]:
    """Ids of the course's conversations in which one of ``user_ids`` participates.

    A user participates with a participant row on any message of the conversation, or by authoring one.
    """
    received = (
        select(_messages.conversation_id)
        .select_from(
            conversation_message_participants.join(
                conversation_messages, _messages.id == _participants.conversation_message_id
            )
        )
        .where(_participants.user_id.in_(user_ids))
    )
    authored = select(_messages.conversation_id).where(_messages.author_id.in_(user_ids))
    joined = union(received, authored).subquery()
    return select(conversations.c.id).where(
        conversations.c.id.in_(select(joined.c[0])), _of_course(course_id)
    )


def _student_or_instructor(
    column: ColumnElement[Any], course_id: int, user_ids: Sequence[int]
) -> ColumnElement[bool]:
    """``column`` is one of ``user_ids`` or an instructor of the course."""
    return or_(column.in_(user_ids), column.in_(_instructors(course_id)))


async def get_instructor_ids(*, conn: AsyncConnection, course_id: int) -> frozenset[int]:
    """The course's instructors: Teacher and TA enrollments in any state but deleted (CONTRACT §7.11)."""
    return frozenset(int(user_id) for (user_id,) in await conn.execute(_instructors(course_id).distinct()))


async def get_conversation_participants(
    *, conn: AsyncConnection, course_id: int, student_ids: Sequence[int]
) -> dict[int, frozenset[int]]:
    """``conversation_id → its participants among these students and the instructors``, for the course's
    conversations one of these students participates in."""
    found: defaultdict[int, set[int]] = defaultdict(set)
    for part in chunks(student_ids):
        shared = _joined_by(course_id, part)
        received = (
            select(_messages.conversation_id, _participants.user_id)
            .select_from(
                conversation_message_participants.join(
                    conversation_messages, _messages.id == _participants.conversation_message_id
                )
            )
            .where(
                _messages.conversation_id.in_(shared),
                _student_or_instructor(_participants.user_id, course_id, part),
            )
        )
        authored = select(_messages.conversation_id, _messages.author_id).where(
            _messages.conversation_id.in_(shared),
            _student_or_instructor(_messages.author_id, course_id, part),
        )
        for conversation_id, user_id in await conn.execute(union(received, authored)):
            found[int(conversation_id)].add(int(user_id))
    return {conversation: frozenset(users) for conversation, users in found.items()}


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A dated, non-generated conversation message."""

    conversation_id: int
    author_id: int
    created_at: datetime


async def get_conversation_messages(
    *, conn: AsyncConnection, course_id: int, student_ids: Sequence[int]
) -> list[MessageRow]:
    """Dated, non-generated messages by these students or an instructor in the course's conversations
    one of these students participates in, by time then id."""
    found: list[MessageRow] = []
    for part in chunks(student_ids):
        query = (
            select(_messages.conversation_id, _messages.author_id, _messages.created_at)
            .where(
                _messages.conversation_id.in_(_joined_by(course_id, part)),
                _student_or_instructor(_messages.author_id, course_id, part),
                _messages.generated.is_not(True),
                _messages.created_at.is_not(None),
            )
            .order_by(_messages.created_at, _messages.id)
        )
        for conversation_id, author_id, created_at in await conn.execute(query):
            found.append(MessageRow(int(conversation_id), int(author_id), created_at))
    return found


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A dated, non-draft comment on a student's submission."""

    student_id: int  # the submission's owner
    author_id: int
    created_at: datetime


async def get_submission_comments(
    *, conn: AsyncConnection, course_id: int, student_ids: Sequence[int]
) -> list[CommentRow]:
    """Dated, non-draft comments by the owner or an instructor on these students' live submissions in the
    course, by time then id."""
    comments = submission_comments.c
    found: list[CommentRow] = []
    for part in chunks(student_ids):
        query = (
            select(submissions.c.user_id, comments.author_id, comments.created_at)
            .select_from(submission_comments.join(submissions, submissions.c.id == comments.submission_id))
            .where(
                submissions.c.user_id.in_(part),
                _not_deleted(submissions.c.workflow_state),
                # Either column places the comment in the course when the other is missing.
                func.coalesce(submissions.c.course_id, comments.context_id) == course_id,
                _student_or_instructor(comments.author_id, course_id, part),
                comments.draft.is_not(True),
                comments.created_at.is_not(None),
            )
            .order_by(comments.created_at, comments.id)
        )
        for student_id, author_id, created_at in await conn.execute(query):
            found.append(CommentRow(int(student_id), int(author_id), created_at))
    return found
