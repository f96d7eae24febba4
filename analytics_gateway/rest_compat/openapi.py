"""The OpenAPI 3.1 document of the Canvas-compatible routes, served at ``/api/v1/openapi.json``.

Each analytics response is described in both dialects (CONTRACT §4) as a ``oneOf`` of the two shapes, with
the dialect's key order given by ``x-key-order`` (JSON Schema has no notion of key order). The
document is built once per process and needs no authentication.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from analytics_gateway import __version__
from analytics_gateway.rest_compat._endpoint import DIALECT_HEADER

__all__ = ["OPENAPI_PATH", "add_openapi_route", "build_openapi"]

OPENAPI_PATH = "/api/v1/openapi.json"
Schema = dict[str, Any]

_INT: Schema = {"type": "integer"}
_NUM: Schema = {"type": "number"}
_STR: Schema = {"type": "string"}
_BOOL: Schema = {"type": "boolean"}
_DATE: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TIME: Schema = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
}
_NULL: Schema = {"type": "null"}
SORT_COLUMNS = tuple(
    f"{base}{suffix}"
    for base in ("name", "score", "participations", "page_views")
    for suffix in ("", "_ascending", "_descending")
)


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, _NULL]}


def _object(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
        "x-key-order": list(properties),
    }


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _dialects(documented: Schema, canvas: Schema) -> Schema:
    # anyOf, not oneOf: some answers are valid in both dialects (an empty list, grades with no null).
    return {
        "anyOf": [
            {**documented, "title": "documented dialect"},
            {**canvas, "title": "canvas dialect"},
        ]
    }


_STATS = ("max_score", "min_score", "first_quartile", "median", "third_quartile")
_COUNTS = ("discussion_topics", "media_objects", "attachments", "assignments")
_CATEGORIES_NOTE = "all 13 page-view categories, alphabetical, 0 when none"


def _schemas() -> dict[str, Schema]:
    error = _object(
        {"errors": _array({"type": "object", "properties": {"message": _STR}, "required": ["message"]})}
    )
    auth_error = _object(
        {
            "status": _STR,
            "errors": _array({"type": "object", "properties": {"message": _STR}, "required": ["message"]}),
        },
        optional=("status",),
    )
    grades_doc = _object({str(i): _INT for i in range(101)})
    grades_canvas = _object({str(i): _nullable(_INT) for i in range(101)})
    statistics = _object(
        {k: _INT for k in ("courses", "subaccounts", "teachers", "students", *_COUNTS)},
    )
    by_subaccount = _object(
        {
            "accounts": _array(
                _object(
                    {
                        "name": _nullable(_STR),
                        "id": _INT,
                        **{k: _INT for k in ("courses", "teachers", "students", *_COUNTS)},
                    }
                )
            )
        }
    )
    activity_doc = _object(
        {
            "by_date": {
                "type": "object",
                "additionalProperties": _INT,
                "description": "UTC day → page views",
            },
            "by_category": {"type": "object", "additionalProperties": _INT, "description": _CATEGORIES_NOTE},
        }
    )
    activity_canvas = _object(
        {
            "by_date": _array(_object({"date": _DATE, "views": _INT, "participations": _INT, "id": _NULL})),
            "by_category": _array(_object({"category": _STR, "views": _INT, "id": _NULL})),
        }
    )
    course_activity = _dialects(
        _array(_object({"date": _DATE, "participations": _INT, "views": _INT})),
        _array(_object({"date": _DATE, "views": _INT, "participations": _INT, "id": _NULL})),
    )
    stat = _nullable(_NUM)
    course_assignments_doc = _object(
        {
            "assignment_id": _INT,
            "title": _nullable(_STR),
            "points_possible": _nullable(_NUM),
            "due_at": _nullable(_TIME),
            "unlock_at": _nullable(_TIME),
            "muted": _BOOL,
            "min_score": stat,
            "max_score": stat,
            "median": stat,
            "first_quartile": stat,
            "third_quartile": stat,
            "tardiness_breakdown": _object({"on_time": _NUM, "missing": _NUM, "late": _NUM, "total": _INT}),
        }
    )
    course_assignments_canvas = _object(
        {
            "assignment_id": _INT,
            "title": _nullable(_STR),
            "due_at": _nullable(_TIME),
            "muted": _BOOL,
            "points_possible": _nullable(_NUM),
            "non_digital_submission": _BOOL,
            **{k: stat for k in _STATS},
            "tardiness_breakdown": _object(
                {"missing": _NUM, "late": _NUM, "on_time": _NUM, "floating": _NUM, "total": _INT}
            ),
        },
        optional=_STATS,
    )
    progress_url = _object({"progress_url": {"type": "string", "format": "uri"}})
    level_str = {"type": "string", "enum": ["0", "1", "2", "3"]}
    level_int = {"type": "integer", "minimum": 0, "maximum": 3}
    summaries_doc = _object(
        {
            "id": _INT,
            "page_views": _INT,
            "page_views_level": level_str,
            "max_page_view": _nullable(_INT),
            "participations": _INT,
            "participations_level": level_str,
            "max_participations": _nullable(_INT),
            "tardiness_breakdown": _object(
                {"total": _INT, "on_time": _INT, "late": _INT, "missing": _INT, "floating": _INT}
            ),
        }
    )
    summaries_canvas = _object(
        {
            "id": _INT,
            "page_views": _INT,
            "max_page_views": _nullable(_INT),
            "page_views_level": level_int,
            "participations": _INT,
            "max_participations": _nullable(_INT),
            "participations_level": level_int,
            "tardiness_breakdown": _object(
                {"missing": _INT, "late": _INT, "on_time": _INT, "floating": _INT, "total": _INT}
            ),
        }
    )
    participations = _array(_object({"created_at": _TIME, "url": _nullable(_STR)}))
    student_activity = _dialects(
        _object(
            {
                "page_views": {
                    "type": "object",
                    "additionalProperties": _INT,
                    "description": "UTC hour `YYYY-MM-DDTHH:00:00-00:00` → page views",
                },
                "participations": participations,
            }
        ),
        _object(
            {
                "page_views": {
                    "type": "object",
                    "additionalProperties": _INT,
                    "description": "UTC day → page views",
                },
                "participations": participations,
            }
        ),
    )
    student_assignments_doc = _object(
        {
            "assignment_id": _INT,
            "title": _nullable(_STR),
            "points_possible": _nullable(_NUM),
            "due_at": _nullable(_TIME),
            "unlock_at": _nullable(_TIME),
            "muted": _BOOL,
            "min_score": stat,
            "max_score": stat,
            "median": stat,
            "first_quartile": stat,
            "third_quartile": stat,
            "module_ids": _array(_INT),
            "submission": _object(
                {"posted_at": _nullable(_TIME), "submitted_at": _nullable(_TIME), "score": _nullable(_NUM)},
                optional=("score",),
            ),
        },
        optional=(*_STATS, "submission"),
    )
    student_assignments_canvas = _object(
        {
            "assignment_id": _INT,
            "title": _nullable(_STR),
            "unlock_at": _nullable(_TIME),
            "points_possible": _nullable(_NUM),
            "non_digital_submission": _BOOL,
            "multiple_due_dates": _BOOL,
            "due_at": _nullable(_TIME),
            "status": {"type": "string", "enum": ["on_time", "late", "missing", "floating"]},
            "muted": _BOOL,
            **{k: stat for k in _STATS},
            "module_ids": _array(_INT),
            "excused": _BOOL,
            "submission": _object(
                {"posted_at": _nullable(_TIME), "score": _nullable(_NUM), "submitted_at": _nullable(_TIME)}
            ),
        },
        optional=(*_STATS, "excused", "submission"),
    )
    communication = {
        "type": "object",
        "description": "UTC day → message counts; a key only when non-zero",
        "additionalProperties": _object(
            {"instructorMessages": _INT, "studentMessages": _INT},
            optional=("instructorMessages", "studentMessages"),
        ),
    }
    progress = _object(
        {
            "id": _INT,
            "context_id": _INT,
            "context_type": _STR,
            "user_id": _nullable(_INT),
            "tag": _STR,
            "completion": _nullable(_NUM),
            "workflow_state": {"type": "string", "enum": ["queued", "running", "completed", "failed"]},
            "created_at": _TIME,
            "updated_at": _TIME,
            "message": _nullable(_STR),
            "url": _STR,
        }
    )
    return {
        "Error": error,
        "AuthError": auth_error,
        "DepartmentActivity": _dialects(activity_doc, activity_canvas),
        "DepartmentGrades": _dialects(grades_doc, grades_canvas),
        "DepartmentStatistics": statistics,
        "DepartmentStatisticsBySubaccount": by_subaccount,
        "CourseActivity": course_activity,
        "CourseAssignments": {
            "oneOf": [
                _dialects(_array(course_assignments_doc), _array(course_assignments_canvas)),
                progress_url,
            ]
        },
        "StudentSummaries": _dialects(_array(summaries_doc), _array(summaries_canvas)),
        "StudentActivity": student_activity,
        "StudentAssignments": _dialects(_array(student_assignments_doc), _array(student_assignments_canvas)),
        "StudentCommunication": communication,
        "Progress": progress,
    }


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


_ID_DESC = {
    "account_id": "numeric id, `self` (the root account) or `sis_account_id:X`",
    "term_id": "numeric id, `default`, `current` or `sis_term_id:X`",
    "course_id": "numeric id or `sis_course_id:X`",
    "student_id": "numeric id, `self`, `sis_user_id:X` or `sis_login_id:X`",
    "id": "numeric progress id",
}


def _operation(path: str, summary: str, schema: str, query: list[Schema]) -> tuple[str, Schema]:
    names = [part[1:] for part in path.split("/") if part.startswith(":")]
    openapi_path = "/".join(
        "{" + part[1:] + "}" if part.startswith(":") else part for part in path.split("/")
    )
    params = [_param(n, "path", _STR, _ID_DESC[n], required=True) for n in names]
    params.append(
        _param(
            DIALECT_HEADER,
            "header",
            {"type": "string", "enum": ["documented", "canvas"]},
            "JSON dialect (CONTRACT §4)",
        )
    )
    params.extend(query)
    error_responses = {
        "401": {
            "description": "no, invalid, expired or revoked token, or insufficient scopes",
            "content": {"application/json": {"schema": _ref("AuthError")}},
        },
        "403": {
            "description": "the caller lacks the right",
            "content": {"application/json": {"schema": _ref("AuthError")}},
        },
        "404": {
            "description": "unknown or invisible resource",
            "content": {"application/json": {"schema": _ref("Error")}},
        },
        "400": {"description": "unknown dialect", "content": {"application/json": {"schema": _ref("Error")}}},
    }
    operation = {
        "summary": summary,
        "operationId": summary.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "").lower(),
        "parameters": params,
        "security": [{"bearer": []}, {"access_token": []}, {}],
        "x-scope": f"url:GET|{path}",
        "responses": {
            "200": {"description": "the analytic", "content": {"application/json": {"schema": _ref(schema)}}},
            **error_responses,
        },
    }
    return openapi_path, {"get": operation}


def build_openapi() -> dict[str, Any]:
    """The whole document."""
    paths: dict[str, Any] = {}
    for filter_name, prefix in (
        ("current", "/api/v1/accounts/:account_id/analytics/current"),
        ("completed", "/api/v1/accounts/:account_id/analytics/completed"),
        ("term", "/api/v1/accounts/:account_id/analytics/terms/:term_id"),
    ):
        for leaf, schema, title in (
            ("activity", "DepartmentActivity", "department activity"),
            ("grades", "DepartmentGrades", "department grades"),
            ("statistics", "DepartmentStatistics", "department statistics"),
            (
                "statistics_by_subaccount",
                "DepartmentStatisticsBySubaccount",
                "department statistics by subaccount",
            ),
        ):
            key, item = _operation(f"{prefix}/{leaf}", f"{title} ({filter_name})", schema, [])
            paths[key] = item
    course = "/api/v1/courses/:course_id/analytics"
    student = f"{course}/users/:student_id"
    page = _param("page", "query", {"type": "string"}, "1-based page number")
    per_page = _param("per_page", "query", {"type": "string"}, "rows per page: default 10, clamped to 1..100")
    for path, summary, schema, query in (
        (f"{course}/activity", "course activity", "CourseActivity", []),
        (
            f"{course}/assignments",
            "course assignments",
            "CourseAssignments",
            [
                _param(
                    "async",
                    "query",
                    {"type": "string"},
                    "`true` starts a background job and returns a progress_url",
                )
            ],
        ),
        (
            f"{course}/student_summaries",
            "course student summaries",
            "StudentSummaries",
            [
                _param(
                    "sort_column",
                    "query",
                    {"type": "string", "enum": list(SORT_COLUMNS)},
                    "sort; unknown values sort by name",
                ),
                _param("student_id", "query", {"type": "string"}, "restrict to one numeric user id"),
                page,
                per_page,
            ],
        ),
        (f"{student}/activity", "student activity", "StudentActivity", []),
        (f"{student}/assignments", "student assignments", "StudentAssignments", []),
        (f"{student}/communication", "student communication", "StudentCommunication", []),
        ("/api/v1/progress/:id", "progress", "Progress", []),
    ):
        key, item = _operation(path, summary, schema, query)
        paths[key] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "analytics-gateway: Canvas Analytics API",
            "version": __version__,
            "description": (
                "The 19 routes of the Canvas Analytics API plus the Progress API, in two JSON dialects: "
                "`documented` (the API documentation's examples) and `canvas` (what production Canvas "
                f"emits). Choose per request with the `{DIALECT_HEADER}` header. A trailing `.json` is "
                "accepted on every path."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "access_token": {"type": "apiKey", "in": "query", "name": "access_token"},
            },
        },
    }


def add_openapi_route(app: web.Application) -> None:
    """Serve the document (built once)."""
    body = orjson.dumps(build_openapi())

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app.router.add_get(OPENAPI_PATH, handler)
