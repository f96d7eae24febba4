"""Per-student effective due dates of an assignment (CONTRACT §7.3, §3.4; reference §3.4, §3.5).

The applicable overrides for a student are the *active* overrides of set type ``ADHOC`` that list the
student and of set type ``CourseSection`` for one of the student's sections (the sections where the
student has an active or completed ``StudentEnrollment``; the caller supplies them). Group and Noop
overrides never apply. When several apply, the latest due date wins, an override without a due date
counting as the latest of all (no due date); an override whose ``due_at_overridden`` is false contributes
the assignment's base ``due_at``. When none applies the base ``due_at`` is used, unless the assignment is
``only_visible_to_overrides``: then the student is not assigned it (CONTRACT §3.4) and is counted nowhere.
``submissions.cached_due_date`` is never consulted.

Pure functions over plain dataclasses: no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "ACTIVE",
    "SET_TYPE_ADHOC",
    "SET_TYPE_SECTION",
    "AssignmentDates",
    "DueDate",
    "Override",
    "applicable_overrides",
    "effective_due_date",
]

SET_TYPE_ADHOC = "ADHOC"
SET_TYPE_SECTION = "CourseSection"
ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class Override:
    """One ``assignment_overrides`` row with the students it lists.

    ``student_ids`` holds the users of the override's *active* ``assignment_override_students`` rows (only
    meaningful for ADHOC overrides). ``due_at_overridden`` null is read as false, Canvas's column default.
    """

    id: int
    set_type: str | None
    set_id: int | None
    due_at: datetime | None
    due_at_overridden: bool | None
    workflow_state: str | None
    student_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class AssignmentDates:
    """What the due-date rule needs from an ``assignments`` row, plus all of its overrides."""

    due_at: datetime | None
    only_visible_to_overrides: bool | None
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True, slots=True)
class DueDate:
    """A student's view of an assignment: whether it is assigned to them, and its due date for them.

    ``due_at`` is ``None`` both for "no due date" and for an assignment not assigned to the student.
    """

    assigned: bool
    due_at: datetime | None


_NOT_ASSIGNED = DueDate(assigned=False, due_at=None)


def applicable_overrides(
    overrides: Iterable[Override], *, user_id: int, section_ids: frozenset[int]
) -> list[Override]:
    """The active ADHOC overrides listing ``user_id`` and active section overrides of ``section_ids``."""
    found: list[Override] = []
    for override in overrides:
        if override.workflow_state != ACTIVE:
            continue
        if (override.set_type == SET_TYPE_ADHOC and user_id in override.student_ids) or (
            override.set_type == SET_TYPE_SECTION and override.set_id in section_ids
        ):
            found.append(override)
        # Group and Noop overrides (and unknown set types) never apply (CONTRACT §7.3).
    return found


def _latest(dates: Iterable[datetime | None]) -> datetime | None:
    """The latest of ``dates`` (at least one), where ``None`` (no due date) is later than every date."""
    given = list(dates)
    concrete = [d for d in given if d is not None]
    if len(concrete) < len(given) or not concrete:
        return None
    return max(concrete)


def effective_due_date(assignment: AssignmentDates, *, user_id: int, section_ids: frozenset[int]) -> DueDate:
    """The due date of ``assignment`` for student ``user_id`` (CONTRACT §7.3).

    ``section_ids``: the sections where the student has an active or completed student enrollment.
    """
    applicable = applicable_overrides(assignment.overrides, user_id=user_id, section_ids=section_ids)
    if applicable:
        return DueDate(
            assigned=True,
            due_at=_latest(o.due_at if o.due_at_overridden else assignment.due_at for o in applicable),
        )
    if assignment.only_visible_to_overrides:
        return _NOT_ASSIGNED
    return DueDate(assigned=True, due_at=assignment.due_at)
