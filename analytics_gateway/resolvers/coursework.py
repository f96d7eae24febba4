"""A course's coursework, loaded once per request and shared by C2, C3 and S2.

Holds the current students with their sections, the published assignments (behaviour §3.4) with their
overrides, and the non-deleted submissions; answers per (assignment, student) whether the assignment is
assigned, its effective due date (CONTRACT §7.3) and its status (§3.5), memoised, so a request that
needs both C2 and C3 (a GraphQL dashboard) judges each pair once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from analytics_gateway.resolvers.context import AnalyticsContext
from analytics_gateway.resolvers.due_dates import AssignmentDates, DueDate, Override, effective_due_date
from analytics_gateway.resolvers.policy import CourseAccess
from analytics_gateway.resolvers.tardiness import (
    QUIZ_GRACE,
    Status,
    expects_submission,
    is_non_digital,
    judge,
    parse_submission_types,
)
from analytics_gateway.storage.queries.coursework import (
    AssignmentRow,
    ClassScores,
    SubmissionRow,
    get_assignment_overrides,
    get_class_scores,
    get_course_student_sections,
    get_published_assignments,
    get_submissions,
)

__all__ = ["Coursework", "load_coursework", "visible_students"]


@dataclass
class Coursework:
    """Everything C2, C3 and S2 read about a course's assignments (naive UTC times)."""

    course_id: int
    now: datetime
    students: dict[int, frozenset[int]]  # every current student → their sections (CONTRACT §7.1)
    assignments: list[AssignmentRow]  # published, in §3.4 order
    dates: dict[int, AssignmentDates]
    types: dict[int, tuple[str, ...]]
    submissions: dict[int, dict[int, SubmissionRow]]  # assignment → user → the non-deleted submission
    # When ``submissions`` holds only some students' rows (one student's S2, a page of C3): which.
    only_users: frozenset[int] | None = None
    # Then, for S2's statistics: the class's scores, read narrowly.
    class_scores: dict[int, ClassScores] | None = None
    _due: dict[tuple[int, int | None], DueDate] = field(default_factory=dict)  # user None: any student
    _status: dict[tuple[int, int], Status] = field(default_factory=dict)
    # Memoised per assignment: the status of every assigned student, and the class's scores.
    _statuses: dict[int, dict[int, Status]] = field(default_factory=dict)
    _scores: dict[int, ClassScores] = field(default_factory=dict)

    def due(self, assignment_id: int, user_id: int) -> DueDate:
        """Whether the assignment is assigned to the student, and their due date (CONTRACT §7.3)."""
        dates = self.dates[assignment_id]
        # Without overrides the answer is the same for every student: worked out once per assignment (C3
        # asks for every (student, assignment) pair, and most assignments have no override).
        key = (assignment_id, user_id if dates.overrides else None)
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = effective_due_date(
                dates, user_id=user_id, section_ids=self.students.get(user_id, frozenset())
            )
        return found

    def submission(self, assignment_id: int, user_id: int) -> SubmissionRow | None:
        """The student's non-deleted submission, if any."""
        by_user = self.submissions.get(assignment_id)
        return None if by_user is None else by_user.get(user_id)

    def non_digital(self, assignment_id: int) -> bool:
        """CONTRACT §7.5."""
        return is_non_digital(self.types[assignment_id])

    def expects(self, assignment_id: int) -> bool:
        """Whether the assignment expects a submission (§3.5)."""
        return expects_submission(self.types[assignment_id])

    def status(self, assignment_id: int, user_id: int) -> Status:
        """The §3.5 status of the pair, with the student's effective due date (an assigned pair)."""
        judged = self._statuses.get(assignment_id)
        if judged is not None and (found := judged.get(user_id)) is not None:
            return found
        key = (assignment_id, user_id)
        found = self._status.get(key)
        if found is None:
            found = self._status[key] = judge(
                self.submission(assignment_id, user_id),
                due_at=self.due(assignment_id, user_id).due_at,
                expects=self.expects(assignment_id),
                now=self.now,
            )
        return found

    def statuses(self, assignment_id: int) -> dict[int, Status]:
        """The status of every current student the assignment is assigned to (absent: not assigned), of
        :attr:`only_users` when the submissions of some students only were read.

        One pass per assignment, memoised: C2 and C3 read every pair of the course, so the due date is worked
        out once when no override applies, and the assignment's types are read once.
        """
        found = self._statuses.get(assignment_id)
        if found is not None:
            return found
        subs = self.submissions.get(assignment_id, {})
        expects, now = self.expects(assignment_id), self.now
        students: Collection[int] = self.students
        if self.only_users is not None:  # only those whose submissions were read
            students = [u for u in self.students if u in self.only_users]
        found = {}
        if self.dates[assignment_id].overrides:
            for user in students:
                due = self.due(assignment_id, user)
                if due.assigned:
                    found[user] = judge(subs.get(user), due_at=due.due_at, expects=expects, now=now)
        else:  # the same due date for every student
            due = self.due(assignment_id, next(iter(students), 0))
            if due.assigned:
                at = due.due_at
                for user in students:
                    found[user] = judge(subs.get(user), due_at=at, expects=expects, now=now)
        self._statuses[assignment_id] = found
        return found

    def muted(self, assignment_id: int) -> bool:
        """CONTRACT §7.4: a current student's non-deleted submission is graded but unposted."""
        return self.scores_of(assignment_id).muted

    def scores_of(self, assignment_id: int) -> ClassScores:
        """The assignment's grade distribution over the current students (memoised)."""
        if self.class_scores is not None:  # read narrowly (one student's S2)
            return self.class_scores.get(assignment_id) or ClassScores()
        if self.only_users is not None:
            raise ValueError("the class's scores were not read: load_coursework(class_scores=True)")
        found = self._scores.get(assignment_id)
        if found is None:
            found = self._scores[assignment_id] = ClassScores()
            students = self.students
            for user, sub in self.submissions.get(assignment_id, {}).items():
                if user in students:
                    found.add(sub)
        return found

    def changes_at(self) -> datetime | None:
        """The next instant after :attr:`now` at which a status can change by the clock alone, or None.

        A status compares the current time with a due date, and an unsubmitted quiz with its due date plus
        :data:`QUIZ_GRACE` (§3.5); every due date of every assignment and override is a candidate.
        """
        later = [
            instant
            for dates in self.dates.values()
            for due in (dates.due_at, *(o.due_at for o in dates.overrides))
            if due is not None
            for instant in (due, due + QUIZ_GRACE)
            if instant > self.now
        ]
        return min(later, default=None)


def visible_students(access: CourseAccess, students: dict[int, frozenset[int]]) -> list[int]:
    """The current students the caller can see, ascending (behaviour §3.1, CONTRACT §3.1, §7.13).

    The same rule as :func:`~analytics_gateway.resolvers.policy.visible_student_ids`, applied to loaded
    enrollments instead of a query: a section-limited caller sees students enrolled in one of their
    sections; a ``restricted`` one only themself and the students they observe.
    """
    if access.level == "restricted":
        allowed = {access.user_id, *access.observed_user_ids}
        return [u for u in students if u in allowed]
    if access.section_ids is not None:
        mine = access.section_ids
        return [u for u, sections in students.items() if sections & mine]
    return list(students)


async def load_coursework(
    ctx: AnalyticsContext,
    course_id: int,
    *,
    user_ids: Collection[int] | None = None,
    class_scores: bool = False,
) -> Coursework:
    """Load the course's coursework; with ``user_ids``, the submissions of those students only (one
    student's S2, one page of C3).

    Five statements whatever the number of students or assignments (per 5,000-id chunk); with
    ``user_ids`` and ``class_scores``, a sixth reads the whole class's score facts
    (:attr:`Coursework.class_scores`, what S2's statistics need) instead of every submission in full.
    Without ``class_scores``, :meth:`Coursework.scores_of` is known only with every submission read.
    """
    async with ctx.engine.connect() as conn:
        students = await get_course_student_sections(conn=conn, course_id=course_id)
        rows = await get_published_assignments(conn=conn, course_id=course_id)
        ids = [a.id for a in rows]
        overrides = await get_assignment_overrides(conn=conn, assignment_ids=ids) if ids else {}
        subs = await get_submissions(conn=conn, assignment_ids=ids, user_ids=user_ids) if ids else []
        facts = None
        if user_ids is not None and class_scores:
            facts = await get_class_scores(conn=conn, assignment_ids=ids) if ids else {}
    dates = {
        a.id: AssignmentDates(
            due_at=a.due_at,
            only_visible_to_overrides=a.only_visible_to_overrides,
            overrides=tuple(
                Override(
                    id=o.id,
                    set_type=o.set_type,
                    set_id=o.set_id,
                    due_at=o.due_at,
                    due_at_overridden=o.due_at_overridden,
                    workflow_state=o.workflow_state,
                    student_ids=o.student_ids,
                )
                for o in overrides.get(a.id, ())
            ),
        )
        for a in rows
    }
    by_assignment: dict[int, dict[int, SubmissionRow]] = {}
    for sub in subs:  # a pair's lowest id comes first and wins (exports should hold one)
        by_assignment.setdefault(sub.assignment_id, {}).setdefault(sub.user_id, sub)
    return Coursework(
        course_id=course_id,
        now=ctx.now,
        students=students,
        assignments=rows,
        dates=dates,
        types={a.id: parse_submission_types(a.submission_types) for a in rows},
        submissions=by_assignment,
        only_users=None if user_ids is None else frozenset(user_ids),
        class_scores=facts,
    )
