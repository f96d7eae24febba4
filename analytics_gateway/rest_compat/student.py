"""Canvas REST routes of one student in a course: S1 activity and S2 assignments (S3: ``communication``)."""

from __future__ import annotations

from typing import Any

from analytics_gateway.resolvers.access import open_student
from analytics_gateway.resolvers.student import (
    StudentActivity,
    StudentAssignment,
    student_activity,
    student_assignments,
)
from analytics_gateway.rest_compat._endpoint import RestHandler, RestRequest
from analytics_gateway.rest_compat._json import iso_date, iso_hour, iso_time

__all__ = ["ROUTES", "shape_student_activity", "shape_student_assignments"]

STUDENT = "/api/v1/courses/:course_id/analytics/users/:student_id"


def shape_student_activity(result: StudentActivity, dialect: str) -> dict[str, Any]:
    """S1 in a dialect: UTC hour keys (documented) or UTC day keys (canvas), ascending."""
    if dialect == "documented":
        page_views = {iso_hour(hour): views for hour, views in result.hourly}
    else:
        page_views = {iso_date(day): views for day, views in result.daily}
    return {
        "page_views": page_views,
        "participations": [
            {"created_at": iso_time(p.created_at), "url": p.url} for p in result.participations
        ],
    }


def _assignment_documented(r: StudentAssignment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assignment_id": r.assignment_id,
        "title": r.title,
        "points_possible": r.points_possible,
        "due_at": iso_time(r.due_at),
        "unlock_at": iso_time(r.unlock_at),
        "muted": r.muted,
    }
    if r.statistics is not None:
        s = r.statistics
        out.update(
            min_score=s.min_score,
            max_score=s.max_score,
            median=s.median,
            first_quartile=s.first_quartile,
            third_quartile=s.third_quartile,
        )
    out["module_ids"] = list(r.module_ids)
    if r.submission is not None:
        sub = r.submission
        shown: dict[str, Any] = {
            "posted_at": iso_time(sub.posted_at),
            "submitted_at": iso_time(sub.submitted_at),
        }
        if not sub.score_hidden:  # CONTRACT §4: the key is absent while unposted
            shown["score"] = sub.score
        out["submission"] = shown
    return out


def _assignment_canvas(r: StudentAssignment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assignment_id": r.assignment_id,
        "title": r.title,
        "unlock_at": iso_time(r.unlock_at),
        "points_possible": r.points_possible,
        "non_digital_submission": r.non_digital_submission,
        "multiple_due_dates": False,  # always false on this endpoint (behaviour §4 S2)
        "due_at": iso_time(r.due_at),
        "status": str(r.status),
        "muted": r.muted,
    }
    if r.statistics is not None:
        s = r.statistics
        out.update(
            max_score=s.max_score,
            min_score=s.min_score,
            first_quartile=s.first_quartile,
            median=s.median,
            third_quartile=s.third_quartile,
        )
    out["module_ids"] = list(r.module_ids)
    if r.submission is not None:
        sub = r.submission
        if sub.excused:  # CONTRACT §7.7: excused and no submission block
            out["excused"] = True
        else:
            out["excused"] = False
            out["submission"] = {
                "posted_at": iso_time(sub.posted_at),
                "score": sub.score,  # null while hidden
                "submitted_at": iso_time(sub.submitted_at),
            }
    return out


def shape_student_assignments(rows: list[StudentAssignment], dialect: str) -> list[dict[str, Any]]:
    """S2 in a dialect."""
    shape = _assignment_documented if dialect == "documented" else _assignment_canvas
    return [shape(r) for r in rows]


async def activity(req: RestRequest) -> Any:
    """S1."""
    access = await open_student(req.ctx, req.params["course_id"], req.params["student_id"])
    return shape_student_activity(await student_activity(req.ctx, access), req.dialect)


async def assignments(req: RestRequest) -> Any:
    """S2."""
    access = await open_student(req.ctx, req.params["course_id"], req.params["student_id"])
    return shape_student_assignments(await student_assignments(req.ctx, access), req.dialect)


ROUTES: list[tuple[str, RestHandler]] = [
    (f"{STUDENT}/activity", activity),
    (f"{STUDENT}/assignments", assignments),
]
