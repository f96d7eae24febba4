"""Canvas REST routes of the course analytics: C1 activity, C2 assignments (+ async), C3 student summaries.

Handlers only resolve parameters, call the analytics layer and shape its results into the requested
dialect (CONTRACT §4); key orders follow the dialect's row of that table.
"""

from __future__ import annotations

from typing import Any

from analytics_gateway.resolvers.access import open_course
from analytics_gateway.resolvers.course import (
    AssignmentStatistics,
    DayActivity,
    StudentSummary,
    course_activity,
    course_assignments,
    course_student_order,
    parse_sort_column,
    student_summaries_of,
)
from analytics_gateway.resolvers.jobs import course_assignments_async
from analytics_gateway.resolvers.lookup import parse_numeric_id
from analytics_gateway.rest_compat._endpoint import RestHandler, RestRequest, RestResult
from analytics_gateway.rest_compat._json import iso_date, iso_time, truthy
from analytics_gateway.rest_compat._links import base_url, link_header, paginate

__all__ = [
    "ROUTES",
    "shape_course_activity",
    "shape_course_assignments",
    "shape_student_summaries",
]

COURSE = "/api/v1/courses/:course_id/analytics"


def shape_course_activity(rows: list[DayActivity], dialect: str) -> list[dict[str, Any]]:
    """C1 in a dialect."""
    if dialect == "documented":
        return [
            {"date": iso_date(r.date), "participations": r.participations, "views": r.views} for r in rows
        ]
    return [
        {"date": iso_date(r.date), "views": r.views, "participations": r.participations, "id": None}
        for r in rows
    ]


def _assignment_documented(r: AssignmentStatistics) -> dict[str, Any]:
    scored = r.points_possible is not None  # CONTRACT §7.8: null score keys without points
    s = r.scores
    t = r.tardiness
    return {
        "assignment_id": r.assignment_id,
        "title": r.title,
        "points_possible": r.points_possible,
        "due_at": iso_time(r.due_at),
        "unlock_at": iso_time(r.unlock_at),
        "muted": r.muted,
        "min_score": s.min_score if scored else None,
        "max_score": s.max_score if scored else None,
        "median": s.median if scored else None,
        "first_quartile": s.first_quartile if scored else None,
        "third_quartile": s.third_quartile if scored else None,
        "tardiness_breakdown": {
            "on_time": t["on_time"],
            "missing": t["missing"],
            "late": t["late"],
            "total": t["total"],
        },
    }


def _assignment_canvas(r: AssignmentStatistics) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assignment_id": r.assignment_id,
        "title": r.title,
        "due_at": iso_time(r.due_at),
        "muted": r.muted,
        "points_possible": r.points_possible,
        "non_digital_submission": r.non_digital_submission,
    }
    if r.points_possible is not None:  # CONTRACT §7.8: omitted without points
        s = r.scores
        out.update(
            max_score=s.max_score,
            min_score=s.min_score,
            first_quartile=s.first_quartile,
            median=s.median,
            third_quartile=s.third_quartile,
        )
    t = r.tardiness
    out["tardiness_breakdown"] = {
        "missing": t["missing"],
        "late": t["late"],
        "on_time": t["on_time"],
        "floating": t["floating"],
        "total": t["total"],
    }
    return out


def shape_course_assignments(rows: list[AssignmentStatistics], dialect: str) -> list[dict[str, Any]]:
    """C2 in a dialect."""
    shape = _assignment_documented if dialect == "documented" else _assignment_canvas
    return [shape(r) for r in rows]


def _summary_documented(r: StudentSummary) -> dict[str, Any]:
    t = r.tardiness
    return {
        "id": r.id,
        "page_views": r.page_views,
        "page_views_level": str(r.page_views_level),
        "max_page_view": r.max_page_views,
        "participations": r.participations,
        "participations_level": str(r.participations_level),
        "max_participations": r.max_participations,
        "tardiness_breakdown": {
            "total": t["total"],
            "on_time": t["on_time"],
            "late": t["late"],
            "missing": t["missing"],
            "floating": t["floating"],
        },
    }


def _summary_canvas(r: StudentSummary) -> dict[str, Any]:
    t = r.tardiness
    return {
        "id": r.id,
        "page_views": r.page_views,
        "max_page_views": r.max_page_views,
        "page_views_level": r.page_views_level,
        "participations": r.participations,
        "max_participations": r.max_participations,
        "participations_level": r.participations_level,
        "tardiness_breakdown": {
            "missing": t["missing"],
            "late": t["late"],
            "on_time": t["on_time"],
            "floating": t["floating"],
            "total": t["total"],
        },
    }


def shape_student_summaries(rows: list[StudentSummary], dialect: str) -> list[dict[str, Any]]:
    """C3 rows in a dialect."""
    shape = _summary_documented if dialect == "documented" else _summary_canvas
    return [shape(r) for r in rows]


async def activity(req: RestRequest) -> Any:
    """C1."""
    access = await open_course(req.ctx, req.params["course_id"])
    return shape_course_activity(await course_activity(req.ctx, access), req.dialect)


async def assignments(req: RestRequest) -> Any:
    """C2; with ``async=true`` the results of a finished job, else ``{"progress_url": ...}``."""
    access = await open_course(req.ctx, req.params["course_id"])
    if truthy(req.query.get("async")):
        outcome = await course_assignments_async(req.ctx, access)
        if outcome.results is None:
            assert outcome.progress is not None
            return {"progress_url": f"{base_url(req.request)}/api/v1/progress/{outcome.progress.id}"}
        rows = outcome.results
    else:
        rows = await course_assignments(req.ctx, access)
    return shape_course_assignments(rows, req.dialect)


async def student_summaries(req: RestRequest) -> Any:
    """C3: sorted, optionally one ``student_id``, paginated with a ``Link`` header (behaviour §2.4)."""
    access = await open_course(req.ctx, req.params["course_id"])
    query = req.query
    key, descending = parse_sort_column(query.get("sort_column"))
    rows = await course_student_order(req.ctx, access, sort=key, descending=descending)
    wanted = query.get("student_id")
    if wanted is not None and wanted.strip():
        # A raw numeric id only (no SIS forms, no `self`); an unknown or invisible one gives [].
        student = parse_numeric_id(wanted.strip())
        rows = [r for r in rows if r.id == student]
    page = paginate(len(rows), query)
    url = f"{base_url(req.request)}/api/v1/courses/{access.course.id}/analytics/student_summaries"
    summaries = await student_summaries_of(req.ctx, access, rows[page.start : page.stop])
    body = shape_student_summaries(summaries, req.dialect)
    return RestResult(body, headers={"Link": link_header(url, query, page)})


ROUTES: list[tuple[str, RestHandler]] = [
    (f"{COURSE}/activity", activity),
    (f"{COURSE}/assignments", assignments),
    (f"{COURSE}/student_summaries", student_summaries),
]
