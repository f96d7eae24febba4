"""The plain records the analytics layer hands to its faces (re-exported so faces never import storage)."""

from __future__ import annotations

from analytics_gateway.storage.queries.coursework import AssignmentRow
from analytics_gateway.storage.queries.entities import EnrollmentRow, SectionRow
from analytics_gateway.storage.queries.lookup import (
    LIVE_COURSE_STATES,
    VISIBLE_COURSE_STATES,
    AccountRow,
    CourseRow,
    TermRow,
    UserRow,
)

__all__ = [
    "LIVE_COURSE_STATES",
    "VISIBLE_COURSE_STATES",
    "AccountRow",
    "AssignmentRow",
    "CourseRow",
    "EnrollmentRow",
    "SectionRow",
    "TermRow",
    "UserRow",
]
