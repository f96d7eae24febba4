"""Effective due dates per student (CONTRACT §7.3, §3.4)."""

from __future__ import annotations

from datetime import datetime

import pytest

from analytics_gateway.resolvers.due_dates import (
    AssignmentDates,
    DueDate,
    Override,
    applicable_overrides,
    effective_due_date,
)

BASE = datetime(2024, 3, 10, 23, 59)
EARLY = datetime(2024, 3, 8, 12, 0)
LATE = datetime(2024, 3, 15, 12, 0)
LATER = datetime(2024, 3, 20, 12, 0)

STUDENT = 501
OTHER = 502
SECTION_A = 11
SECTION_B = 12
SECTION_C = 13


def adhoc(
    override_id: int,
    due_at: datetime | None,
    *students: int,
    overridden: bool | None = True,
    state: str = "active",
) -> Override:
    return Override(
        id=override_id,
        set_type="ADHOC",
        set_id=None,
        due_at=due_at,
        due_at_overridden=overridden,
        workflow_state=state,
        student_ids=frozenset(students),
    )


def section(
    override_id: int,
    section_id: int,
    due_at: datetime | None,
    *,
    overridden: bool | None = True,
    state: str = "active",
) -> Override:
    return Override(
        id=override_id,
        set_type="CourseSection",
        set_id=section_id,
        due_at=due_at,
        due_at_overridden=overridden,
        workflow_state=state,
    )


def due(
    overrides: tuple[Override, ...] = (),
    *,
    base: datetime | None = BASE,
    only_visible_to_overrides: bool | None = False,
    sections: frozenset[int] = frozenset({SECTION_A}),
    user_id: int = STUDENT,
) -> DueDate:
    assignment = AssignmentDates(
        due_at=base, only_visible_to_overrides=only_visible_to_overrides, overrides=overrides
    )
    return effective_due_date(assignment, user_id=user_id, section_ids=sections)


def test_no_overrides_gives_the_base_date() -> None:
    assert due() == DueDate(assigned=True, due_at=BASE)
    assert due(base=None) == DueDate(assigned=True, due_at=None)
    assert due(only_visible_to_overrides=None) == DueDate(assigned=True, due_at=BASE)


def test_adhoc_override_listing_the_student() -> None:
    assert due((adhoc(1, LATE, STUDENT, OTHER),)) == DueDate(True, LATE)
    # An earlier override date replaces the base date: it is not compared with it.
    assert due((adhoc(1, EARLY, STUDENT),)) == DueDate(True, EARLY)


def test_adhoc_override_of_other_students_does_not_apply() -> None:
    assert due((adhoc(1, LATE, OTHER),)) == DueDate(True, BASE)


def test_section_override_of_the_students_section() -> None:
    assert due((section(1, SECTION_A, EARLY),)) == DueDate(True, EARLY)
    # Another section's override does not apply.
    assert due((section(1, SECTION_B, LATE),)) == DueDate(True, BASE)
    # Not a section of an active/completed student enrollment: the caller leaves it out of section_ids.
    assert due((section(1, SECTION_A, LATE),), sections=frozenset()) == DueDate(True, BASE)


def test_adhoc_and_section_latest_wins() -> None:
    overrides = (adhoc(1, EARLY, STUDENT), section(2, SECTION_A, LATE))
    assert due(overrides) == DueDate(True, LATE)
    overrides = (adhoc(1, LATER, STUDENT), section(2, SECTION_A, LATE))
    assert due(overrides) == DueDate(True, LATER)


def test_two_sections_with_different_dates() -> None:
    overrides = (section(1, SECTION_A, LATER), section(2, SECTION_B, EARLY), section(3, SECTION_C, LATE))
    # In A and B: LATER (A) beats EARLY (B); C does not apply.
    assert due(overrides, sections=frozenset({SECTION_A, SECTION_B})) == DueDate(True, LATER)
    # In B and C: LATE (C) beats EARLY (B).
    assert due(overrides, sections=frozenset({SECTION_B, SECTION_C})) == DueDate(True, LATE)
    # Only B.
    assert due(overrides, sections=frozenset({SECTION_B})) == DueDate(True, EARLY)


def test_override_without_due_date_counts_as_latest() -> None:
    overrides = (section(1, SECTION_A, LATER), adhoc(2, None, STUDENT))
    assert due(overrides) == DueDate(True, None)
    # Alone, it still replaces the base date.
    assert due((section(1, SECTION_A, None),)) == DueDate(True, None)


def test_due_at_not_overridden_contributes_the_base_date() -> None:
    # The override's own due_at is ignored: the base date is used.
    assert due((adhoc(1, LATER, STUDENT, overridden=False),)) == DueDate(True, BASE)
    # Null due_at_overridden reads as false (Canvas's column default).
    assert due((adhoc(1, LATER, STUDENT, overridden=None),)) == DueDate(True, BASE)
    # Base (March 10) against an overriding EARLY (March 8): the base is later and wins.
    overrides = (adhoc(1, LATER, STUDENT, overridden=False), section(2, SECTION_A, EARLY))
    assert due(overrides) == DueDate(True, BASE)
    # Base against an overriding LATE (March 15): LATE wins.
    overrides = (adhoc(1, LATER, STUDENT, overridden=False), section(2, SECTION_A, LATE))
    assert due(overrides) == DueDate(True, LATE)
    # A base without a date contributed by a non-overriding override counts as latest.
    overrides = (adhoc(1, LATER, STUDENT, overridden=False), section(2, SECTION_A, LATE))
    assert due(overrides, base=None) == DueDate(True, None)


@pytest.mark.parametrize("state", ["deleted", "inactive", ""])
def test_inactive_overrides_do_not_apply(state: str) -> None:
    assert due((adhoc(1, LATE, STUDENT, state=state),)) == DueDate(True, BASE)
    assert due((section(1, SECTION_A, LATE, state=state),)) == DueDate(True, BASE)
    # ... and do not make a differentiated assignment assigned.
    assert due((adhoc(1, LATE, STUDENT, state=state),), only_visible_to_overrides=True) == DueDate(
        False, None
    )


def test_deleted_override_next_to_an_active_one() -> None:
    overrides = (adhoc(1, LATER, STUDENT, state="deleted"), section(2, SECTION_A, EARLY))
    assert due(overrides) == DueDate(True, EARLY)


@pytest.mark.parametrize("set_type", ["Group", "Noop", None])
def test_group_and_noop_overrides_never_apply(set_type: str | None) -> None:
    override = Override(
        id=1,
        set_type=set_type,
        set_id=SECTION_A,
        due_at=LATE,
        due_at_overridden=True,
        workflow_state="active",
        student_ids=frozenset({STUDENT}),
    )
    assert due((override,)) == DueDate(True, BASE)
    assert due((override,), only_visible_to_overrides=True) == DueDate(False, None)


def test_only_visible_to_overrides_without_applicable_override_is_not_assigned() -> None:
    assert due(only_visible_to_overrides=True) == DueDate(False, None)
    assert due((adhoc(1, LATE, OTHER), section(2, SECTION_B, LATE)), only_visible_to_overrides=True) == (
        DueDate(False, None)
    )


def test_only_visible_to_overrides_with_applicable_override() -> None:
    assert due((section(1, SECTION_A, LATE),), only_visible_to_overrides=True) == DueDate(True, LATE)
    assert due((adhoc(1, None, STUDENT),), only_visible_to_overrides=True) == DueDate(True, None)
    # Assigned through an override that keeps the base date.
    assert due((adhoc(1, LATE, STUDENT, overridden=False),), only_visible_to_overrides=True) == DueDate(
        True, BASE
    )


def test_students_of_one_assignment_get_their_own_dates() -> None:
    overrides = (adhoc(1, LATER, STUDENT), section(2, SECTION_B, EARLY))
    assert due(overrides, user_id=STUDENT, sections=frozenset({SECTION_A})) == DueDate(True, LATER)
    assert due(overrides, user_id=OTHER, sections=frozenset({SECTION_B})) == DueDate(True, EARLY)
    assert due(overrides, user_id=OTHER, sections=frozenset({SECTION_A})) == DueDate(True, BASE)


def test_applicable_overrides_lists_only_the_students_active_ones() -> None:
    mine_adhoc = adhoc(1, LATE, STUDENT)
    mine_section = section(2, SECTION_A, EARLY)
    others = [
        adhoc(3, LATE, OTHER),
        section(4, SECTION_B, LATE),
        section(5, SECTION_A, LATE, state="deleted"),
    ]
    found = applicable_overrides(
        [mine_adhoc, *others, mine_section], user_id=STUDENT, section_ids=frozenset({SECTION_A})
    )
    assert found == [mine_adhoc, mine_section]
