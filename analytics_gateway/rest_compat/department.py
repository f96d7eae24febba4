"""Canvas REST routes of the department analytics: D1 activity, D2 grades, D3 statistics, D4 by sub-account.

Each of the four exists under ``current``, ``completed`` and ``terms/:term_id`` (behaviour §1). Handlers
open the department (its checks, behaviour §5), call the analytics layer and shape its results into the
requested dialect (CONTRACT §4); key orders follow the dialect's row of that table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from analytics_gateway.config import RestDialect
from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.department import (
    DepartmentActivity,
    DepartmentFilter,
    DepartmentGrades,
    DepartmentScope,
    DepartmentStatistics,
    SubaccountStatistics,
    department_activity,
    department_grades,
    department_statistics,
    department_statistics_by_subaccount,
    open_department,
)
from analytics_gateway.resolvers.stats import HISTOGRAM_BUCKETS
from analytics_gateway.rest_compat._endpoint import RestHandler, RestRequest
from analytics_gateway.rest_compat._json import iso_date
from analytics_gateway.storage.categories import CATEGORIES

__all__ = [
    "ROUTES",
    "shape_department_activity",
    "shape_department_grades",
    "shape_department_statistics",
    "shape_statistics_by_subaccount",
]

ACCOUNT = "/api/v1/accounts/:account_id/analytics"
_FILTERS: tuple[tuple[str, DepartmentFilter], ...] = (
    ("current", "current"),
    ("completed", "completed"),
    ("terms/:term_id", "term"),
)


def shape_department_activity(result: DepartmentActivity, dialect: RestDialect) -> dict[str, Any]:
    """D1 in a dialect: documented as day → views and all 13 categories; canvas as arrays of rows."""
    if dialect == "documented":
        views = {c.category: c.views for c in result.by_category}
        # Every category, alphabetical, 0 when none (CONTRACT §4); one outside the 13 is kept, in order.
        names = sorted({*CATEGORIES, *views})
        return {
            "by_date": {iso_date(d.date): d.views for d in result.by_date},
            "by_category": {name: views.get(name, 0) for name in names},
        }
    return {
        "by_date": [
            {"date": iso_date(d.date), "views": d.views, "participations": d.participations, "id": None}
            for d in result.by_date
        ],
        "by_category": [{"category": c.category, "views": c.views, "id": None} for c in result.by_category],
    }


def shape_department_grades(result: DepartmentGrades, dialect: RestDialect) -> dict[str, int | None]:
    """D2 in a dialect: keys "0".."100"; without any value zeros (documented) or nulls (canvas, §7.9)."""
    counts: list[int | None]
    if result.counts is not None:
        counts = list(result.counts)
    elif dialect == "documented":
        counts = [0] * HISTOGRAM_BUCKETS
    else:
        counts = [None] * HISTOGRAM_BUCKETS
    return {str(score): n for score, n in enumerate(counts)}


def shape_department_statistics(result: DepartmentStatistics, dialect: RestDialect) -> dict[str, int]:
    """D3, the same in both dialects."""
    return {
        "courses": result.courses,
        "subaccounts": result.subaccounts,
        "teachers": result.teachers,
        "students": result.students,
        "discussion_topics": result.discussion_topics,
        "media_objects": result.media_objects,
        "attachments": result.attachments,
        "assignments": result.assignments,
    }


def shape_statistics_by_subaccount(
    rows: list[SubaccountStatistics], dialect: RestDialect
) -> dict[str, list[dict[str, Any]]]:
    """D4, the same in both dialects."""
    return {
        "accounts": [
            {
                "name": r.name,
                "id": r.id,
                "courses": r.courses,
                "teachers": r.teachers,
                "students": r.students,
                "discussion_topics": r.discussion_topics,
                "media_objects": r.media_objects,
                "attachments": r.attachments,
                "assignments": r.assignments,
            }
            for r in rows
        ]
    }


async def _activity(ctx: AnalyticsContext, scope: DepartmentScope, dialect: RestDialect) -> Any:
    return shape_department_activity(await department_activity(ctx, scope), dialect)


async def _grades(ctx: AnalyticsContext, scope: DepartmentScope, dialect: RestDialect) -> Any:
    return shape_department_grades(await department_grades(ctx, scope), dialect)


async def _statistics(ctx: AnalyticsContext, scope: DepartmentScope, dialect: RestDialect) -> Any:
    return shape_department_statistics(await department_statistics(ctx, scope), dialect)


async def _by_subaccount(ctx: AnalyticsContext, scope: DepartmentScope, dialect: RestDialect) -> Any:
    return shape_statistics_by_subaccount(await department_statistics_by_subaccount(ctx, scope), dialect)


_Analytic = Callable[[AnalyticsContext, DepartmentScope, RestDialect], Awaitable[Any]]
_ANALYTICS: tuple[tuple[str, _Analytic], ...] = (
    ("activity", _activity),
    ("grades", _grades),
    ("statistics", _statistics),
    ("statistics_by_subaccount", _by_subaccount),
)


def _handler(filter: DepartmentFilter, analytic: _Analytic) -> RestHandler:
    async def handler(req: RestRequest) -> Any:
        scope = await open_department(req.ctx, req.params["account_id"], filter, req.params.get("term_id"))
        return await analytic(req.ctx, scope, req.dialect)

    return handler


ROUTES: list[tuple[str, RestHandler]] = [
    (f"{ACCOUNT}/{segment}/{leaf}", _handler(filter, analytic))
    for segment, filter in _FILTERS
    for leaf, analytic in _ANALYTICS
]
