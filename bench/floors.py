"""Data floors of the serving benchmark: hand-written SQL run straight on the benchmark database.

* **Data floor** of three requests: the SQL that reads exactly the rows the answer is computed from,
  written by hand and run through the bare driver (no ORM, no HTTP, no Python computation beyond
  fetching): department activity (the account rollup, which holds the answer's numbers themselves),
  course assignments (students, published assignments, overrides and their students, submissions) and
  student summaries (those, the submissions of one page of 100 students only, plus page-view totals,
  scores and names). Whatever the gateway spends above it
  is HTTP, authorization, computation and serialization.
* **Raw web_logs**: department activity as a school would compute it without this project, straight
  from ``web_logs`` joined to ``courses`` (no rollups), the same numbers.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.department import department_tree
from analytics_gateway.storage.categories import CONTROLLER_CATEGORIES
from analytics_gateway.storage.queries.department import get_account_tree

__all__ = ["Floor", "data_floor_sql", "department_accounts", "measure_sql", "raw_web_logs_activity_sql"]

TERM_STATES = "('available', 'completed')"  # the term filter's course states (behaviour §3.2)


@dataclass(frozen=True)
class Floor:
    """The p50 of a list of statements run one after another, and how many rows they returned."""

    name: str
    p50_ms: float
    rows: int


async def department_accounts(engine: AsyncEngine, account_id: int) -> list[int]:
    """The department and its subtree through non-deleted accounts (as the gateway walks it)."""
    async with engine.connect() as conn:
        _, branch = department_tree(await get_account_tree(conn=conn), account_id)
    return sorted(branch)


def _ids(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def data_floor_sql(*, course_id: int, accounts: Sequence[int], term_id: int) -> dict[str, list[str]]:
    """The hand-written statements of each data floor, by request name prefix."""
    c = int(course_id)
    published = (
        f"SELECT id FROM assignments WHERE context_id = {c} AND context_type = 'Course' "
        "AND workflow_state = 'published'"
    )
    coursework = [
        "SELECT user_id, course_section_id FROM enrollments WHERE course_id = "
        f"{c} AND type = 'StudentEnrollment' AND workflow_state IN ('active', 'completed') "
        "AND user_id IS NOT NULL",
        "SELECT id, title, points_possible, due_at, unlock_at, submission_types, only_visible_to_overrides "
        f"FROM assignments WHERE context_id = {c} AND context_type = 'Course' "
        "AND workflow_state = 'published'",
        "SELECT id, assignment_id, set_type, set_id, due_at, due_at_overridden, workflow_state "
        f"FROM assignment_overrides WHERE assignment_id IN ({published})",
        "SELECT assignment_override_id, user_id FROM assignment_override_students "
        f"WHERE assignment_id IN ({published}) AND user_id IS NOT NULL",
        "SELECT id, assignment_id, user_id, submitted_at, workflow_state, score, excused, "
        "late_policy_status, seconds_late_override, grader_id, graded_at, custom_grade_status_id, "
        "submission_type, posted_at FROM submissions "
        f"WHERE assignment_id IN ({published}) AND user_id IS NOT NULL",
    ]
    # C3 answers one page (per_page=100): every student's totals, scores and names decide the order and
    # the levels, the page's students' submissions their tardiness (any 100 students cost the same).
    page = (
        "SELECT user_id FROM enrollments WHERE course_id = "
        f"{c} AND type = 'StudentEnrollment' AND workflow_state IN ('active', 'completed') "
        "AND user_id IS NOT NULL ORDER BY user_id LIMIT 100"
    )
    summaries = [
        *coursework[:4],
        "SELECT id, assignment_id, user_id, submitted_at, workflow_state, score, excused, "
        "late_policy_status, seconds_late_override, grader_id, graded_at, custom_grade_status_id, "
        "submission_type, posted_at FROM submissions "
        f"WHERE assignment_id IN ({published}) AND user_id IN ({page})",
        "SELECT user_id, sum(views), sum(participations) FROM page_view_student_daily "
        f"WHERE course_id = {c} GROUP BY user_id",
        "SELECT e.user_id, s.current_score FROM enrollments e LEFT JOIN scores s "
        "ON s.enrollment_id = e.id AND s.course_score AND s.grading_period_id IS NULL "
        "AND s.workflow_state <> 'deleted' "
        f"WHERE e.course_id = {c} AND e.type = 'StudentEnrollment' "
        "AND e.workflow_state IN ('active', 'completed')",
        "SELECT id, sortable_name, name FROM users WHERE id IN (SELECT user_id FROM enrollments "
        f"WHERE course_id = {c} AND type = 'StudentEnrollment')",
    ]
    activity = [
        "SELECT day, category, sum(views), sum(participations) FROM page_view_account_daily "
        f"WHERE account_id IN ({_ids(accounts)}) AND term_id = {int(term_id)} "
        f"AND workflow_state IN {TERM_STATES} GROUP BY day, category"
    ]
    return {"D activity (root, term)": activity, "C2": coursework, "C3": summaries}


def raw_web_logs_activity_sql(*, accounts: Sequence[int], term_id: int, sqlite: bool) -> str:
    """Department activity (page views and participations per day and category) from raw web_logs."""
    whens = " ".join(f"WHEN '{controller}' THEN '{cat}'" for controller, cat in CONTROLLER_CATEGORIES.items())
    category = f"CASE lower(trim(w.web_application_controller)) {whens} ELSE 'other' END"
    day = 'date(w."timestamp")' if sqlite else 'CAST(w."timestamp" AS date)'
    participated = "CASE WHEN w.participated THEN 1 ELSE 0 END"
    return (
        f"SELECT {day}, {category}, count(*), sum({participated}) "
        "FROM web_logs w JOIN courses c ON c.id = w.course_id "
        f"WHERE c.account_id IN ({_ids(accounts)}) AND c.enrollment_term_id = {int(term_id)} "
        f"AND c.workflow_state IN {TERM_STATES} "
        "AND w.user_id IS NOT NULL AND w.real_user_id IS NULL GROUP BY 1, 2"
    )


async def measure_sql(engine: AsyncEngine, name: str, statements: Sequence[str], samples: int) -> Floor:
    """Run the statements in order ``samples`` times (after one warm-up run); the p50 of a run."""
    times: list[float] = []
    rows = 0
    async with engine.connect() as conn:
        for sample in range(samples + 1):
            started = time.perf_counter()
            rows = 0
            for sql in statements:
                result = await conn.exec_driver_sql(sql)
                rows += len(result.fetchall())
            if sample:  # the first run warms the caches
                times.append((time.perf_counter() - started) * 1000)
    return Floor(name, statistics.median(times), rows)
