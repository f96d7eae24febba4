"""Canvas REST route S3: one student's messages with the course's instructors per UTC day."""

from __future__ import annotations

from typing import Any

from analytics_gateway.resolvers.access import open_student
from analytics_gateway.resolvers.communication import Communication, student_communication
from analytics_gateway.rest_compat._endpoint import RestHandler, RestRequest
from analytics_gateway.rest_compat._json import iso_date

__all__ = ["ROUTES", "shape_communication"]


def shape_communication(result: Communication) -> dict[str, dict[str, int]]:
    """S3, the same in both dialects (CONTRACT §4): UTC day → counts, a key only when non-zero."""
    shaped: dict[str, dict[str, int]] = {}
    for day in result.days:
        counts: dict[str, int] = {}
        if day.instructor_messages:
            counts["instructorMessages"] = day.instructor_messages
        if day.student_messages:
            counts["studentMessages"] = day.student_messages
        if counts:
            shaped[iso_date(day.date)] = counts
    return shaped


async def handler(req: RestRequest) -> Any:
    """S3."""
    access = await open_student(req.ctx, req.params["course_id"], req.params["student_id"])
    return shape_communication(await student_communication(req.ctx, access))


ROUTES: list[tuple[str, RestHandler]] = [
    ("/api/v1/courses/:course_id/analytics/users/:student_id/communication", handler),
]
