"""Submission status (reference §3.5, §6.3; CONTRACT §3.3, §7.3, §7.5, §7.7) and the C2/C3 tallies."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from analytics_gateway.resolvers.tardiness import (
    Status,
    SubmissionFacts,
    SubmissionTypes,
    TardinessBreakdown,
    expects_submission,
    is_graded,
    is_late,
    is_missing,
    is_non_digital,
    judge,
    parse_submission_types,
    recorded_time,
    seconds_late,
    status,
)

NOW = datetime(2024, 3, 10, 12, 0, 0)
YESTERDAY = NOW - timedelta(days=1)
TOMORROW = NOW + timedelta(days=1)
DUE = datetime(2024, 3, 8, 12, 34, 56)  # a due date in the past, with seconds
ONLINE = '["online_upload"]'
ON_PAPER = '["on_paper"]'


def check(
    sub: SubmissionFacts | None, *, due_at: datetime | None = DUE, types: SubmissionTypes = ONLINE
) -> Status:
    return status(sub, due_at=due_at, submission_types=types, now=NOW)


def recorded(
    sub: SubmissionFacts | None, *, due_at: datetime | None = DUE, types: SubmissionTypes = ONLINE
) -> datetime | None:
    return recorded_time(sub, due_at=due_at, submission_types=types, now=NOW)


def submitted(at: datetime, **kwargs: Any) -> SubmissionFacts:
    return SubmissionFacts(submitted_at=at, workflow_state="submitted", **kwargs)


UNSUBMITTED = SubmissionFacts(workflow_state="unsubmitted")


# --- §6.3 worked examples ---------------------------------------------------------------------------------


def test_worked_example_no_submission_due_yesterday_is_missing() -> None:
    assert check(None, due_at=YESTERDAY) is Status.MISSING


def test_worked_example_no_submission_due_tomorrow_is_floating() -> None:
    assert check(None, due_at=TOMORROW) is Status.FLOATING


def test_worked_example_submitted_a_day_before_due_is_on_time() -> None:
    assert check(submitted(YESTERDAY - timedelta(days=1)), due_at=YESTERDAY) is Status.ON_TIME


def test_worked_example_submitted_a_day_after_due_is_late() -> None:
    assert check(submitted(YESTERDAY), due_at=YESTERDAY - timedelta(days=1)) is Status.LATE


def test_worked_example_no_submission_type_is_skipped_by_c3_and_counted_by_c2() -> None:
    assert is_non_digital("none")
    # C3: the caller skips the assignment, so nothing is added.
    c3 = TardinessBreakdown()
    assert c3.counts() == {"missing": 0, "late": 0, "on_time": 0, "floating": 0, "total": 0}
    # C2: two students of it count in total only.
    c2 = TardinessBreakdown()
    c2.add_non_digital(2)
    assert c2.fractions() == {"missing": 0.0, "late": 0.0, "on_time": 0.0, "floating": 0.0, "total": 2}


# --- rule 1: no submission row ----------------------------------------------------------------------------


def test_no_submission_row() -> None:
    assert check(None, due_at=NOW) is Status.MISSING  # due exactly now: due_at <= now
    assert check(None, due_at=NOW + timedelta(seconds=1)) is Status.FLOATING
    assert check(None, due_at=None) is Status.FLOATING
    # Rule 1 does not look at the submission types.
    assert check(None, due_at=YESTERDAY, types=ON_PAPER) is Status.MISSING
    assert recorded(None) is None


# --- submission rows --------------------------------------------------------------------------------------


def test_unsubmitted_row() -> None:
    # Past due, expects a submission: seconds_late from now > 0 -> missing.
    assert check(UNSUBMITTED, due_at=YESTERDAY) is Status.MISSING
    # Not yet due: not missing, not late, no recorded time -> floating.
    assert check(UNSUBMITTED, due_at=TOMORROW) is Status.FLOATING
    # No due date: never past due.
    assert check(UNSUBMITTED, due_at=None) is Status.FLOATING


def test_submitted_without_due_date_is_on_time() -> None:
    assert check(submitted(NOW), due_at=None) is Status.ON_TIME


def test_submitted_exactly_at_due_is_on_time() -> None:
    assert check(submitted(DUE)) is Status.ON_TIME


def test_lateness_counts_whole_seconds() -> None:
    # Half a second after the due date truncates to 0 s late (Canvas's `.to_i`).
    half = submitted(DUE + timedelta(milliseconds=500))
    assert seconds_late(half, due_at=DUE, now=NOW) == 0
    assert check(half) is Status.ON_TIME
    one = submitted(DUE + timedelta(seconds=1))
    assert seconds_late(one, due_at=DUE, now=NOW) == 1
    assert check(one) is Status.LATE


def test_excused_on_assignment_expecting_a_submission_is_floating() -> None:
    excused = SubmissionFacts(workflow_state="unsubmitted", excused=True)
    assert check(excused, due_at=YESTERDAY) is Status.FLOATING
    assert recorded(excused, due_at=YESTERDAY) is None
    # Excused but submitted late: not late (excused), recorded at submitted_at -> on_time.
    excused_late = submitted(DUE + timedelta(days=1), excused=True)
    assert check(excused_late) is Status.ON_TIME


def test_graded_unsubmitted_on_paper_work_is_on_time() -> None:
    graded_at = datetime(2024, 3, 9, 8, 0)  # after DUE
    sub = SubmissionFacts(workflow_state="graded", score=8.0, graded_at=graded_at, grader_id=7)
    assert check(sub, types=ON_PAPER) is Status.ON_TIME
    # Recorded time: the earlier of graded_at and the due date with seconds set to 0.
    assert recorded(sub, types=ON_PAPER) == datetime(2024, 3, 8, 12, 34, 0)


def test_graded_on_paper_work_before_the_due_date_is_recorded_at_graded_at() -> None:
    graded_at = datetime(2024, 3, 5, 10, 0)
    sub = SubmissionFacts(workflow_state="graded", score=8.0, graded_at=graded_at, grader_id=7)
    assert recorded(sub, types=ON_PAPER) == graded_at
    assert recorded(sub, types=ON_PAPER, due_at=None) == graded_at
    assert check(sub, types=ON_PAPER, due_at=None) is Status.ON_TIME
    # graded_at within the due minute but before its seconds: the due minute (12:34:00) is earlier.
    within = SubmissionFacts(
        workflow_state="graded", score=8.0, graded_at=datetime(2024, 3, 8, 12, 34, 30), grader_id=7
    )
    assert recorded(within, types=ON_PAPER) == datetime(2024, 3, 8, 12, 34, 0)


def test_graded_on_paper_work_with_score_zero_is_floating() -> None:
    sub = SubmissionFacts(workflow_state="graded", score=0.0, graded_at=datetime(2024, 3, 9), grader_id=7)
    assert check(sub, types=ON_PAPER) is Status.FLOATING
    assert recorded(sub, types=ON_PAPER) is None


def test_ungraded_on_paper_work_is_floating() -> None:
    # No graded_at.
    assert check(SubmissionFacts(workflow_state="unsubmitted"), types=ON_PAPER) is Status.FLOATING
    # A score and graded_at but not in state graded: not "graded", so its graded_at does not count.
    pending = SubmissionFacts(workflow_state="pending_review", score=5.0, graded_at=datetime(2024, 3, 9))
    assert check(pending, types=ON_PAPER) is Status.FLOATING


def test_excused_on_paper_work_with_graded_at_is_on_time() -> None:
    # Excused counts as graded; no score (so not "score 0") -> recorded at graded_at.
    graded_at = datetime(2024, 3, 5, 10, 0)
    sub = SubmissionFacts(workflow_state="graded", excused=True, graded_at=graded_at)
    assert recorded(sub, types=ON_PAPER) == graded_at
    assert check(sub, types=ON_PAPER) is Status.ON_TIME


def test_graded_but_unsubmitted_online_work_has_no_recorded_time() -> None:
    # Expects a submission, graded by a teacher (so not missing), nothing submitted -> floating.
    sub = SubmissionFacts(workflow_state="graded", score=9.0, graded_at=datetime(2024, 3, 9), grader_id=7)
    assert not is_missing(sub, due_at=DUE, submission_types=ONLINE, now=NOW)
    assert check(sub) is Status.FLOATING


def test_unsubmitted_past_due_on_a_type_not_expecting_submissions_is_not_missing() -> None:
    for types in (ON_PAPER, "wiki_page", "external_tool", "none", None):
        assert check(UNSUBMITTED, types=types) is Status.FLOATING


# --- late_policy_status and seconds_late_override ---------------------------------------------------------


def test_policy_late_marks_on_time_work_late() -> None:
    sub = submitted(DUE - timedelta(days=1), late_policy_status="late", seconds_late_override=3600)
    assert seconds_late(sub, due_at=DUE, now=NOW) == 3600
    assert is_late(sub, due_at=DUE, now=NOW)
    assert check(sub) is Status.LATE


def test_policy_late_without_override_is_zero_seconds_but_still_late() -> None:
    sub = submitted(DUE - timedelta(days=1), late_policy_status="late")
    assert seconds_late(sub, due_at=DUE, now=NOW) == 0
    assert check(sub) is Status.LATE
    # Even never submitted: the policy decides.
    assert check(SubmissionFacts(workflow_state="unsubmitted", late_policy_status="late")) is Status.LATE


def test_seconds_late_override_is_ignored_without_policy_late() -> None:
    sub = submitted(DUE + timedelta(seconds=90), seconds_late_override=5)
    assert seconds_late(sub, due_at=DUE, now=NOW) == 90
    sub = submitted(DUE + timedelta(seconds=90), late_policy_status="extended", seconds_late_override=5)
    assert seconds_late(sub, due_at=DUE, now=NOW) == 90


def test_policy_missing_marks_submitted_work_missing() -> None:
    sub = submitted(DUE - timedelta(days=1), late_policy_status="missing", grader_id=7)
    assert check(sub) is Status.MISSING
    assert recorded(sub) is None


def test_policy_none_clears_late_and_missing() -> None:
    late_work = submitted(DUE + timedelta(days=1), late_policy_status="none")
    assert check(late_work) is Status.ON_TIME
    never = SubmissionFacts(workflow_state="unsubmitted", late_policy_status="none")
    assert check(never) is Status.FLOATING


def test_policy_extended_is_neither_late_nor_missing() -> None:
    late_work = submitted(DUE + timedelta(days=1), late_policy_status="extended")
    assert check(late_work) is Status.ON_TIME
    never = SubmissionFacts(workflow_state="unsubmitted", late_policy_status="extended")
    assert check(never) is Status.FLOATING


def test_empty_policy_reads_as_unset() -> None:
    assert check(submitted(DUE + timedelta(days=1), late_policy_status="")) is Status.LATE
    assert check(SubmissionFacts(workflow_state="unsubmitted", late_policy_status="")) is Status.MISSING


def test_excused_beats_policy() -> None:
    sub = submitted(DUE + timedelta(days=1), excused=True, late_policy_status="late")
    assert check(sub) is Status.ON_TIME
    sub = SubmissionFacts(workflow_state="unsubmitted", excused=True, late_policy_status="missing")
    assert check(sub) is Status.FLOATING


# --- custom grade status and grader -----------------------------------------------------------------------


def test_custom_grade_status_is_neither_late_nor_missing() -> None:
    assert check(submitted(DUE + timedelta(days=1), custom_grade_status_id=3)) is Status.ON_TIME
    sub = SubmissionFacts(
        workflow_state="unsubmitted", custom_grade_status_id=3, late_policy_status="missing"
    )
    assert check(sub) is Status.FLOATING


def test_graded_by_someone_without_policy_is_not_missing() -> None:
    sub = SubmissionFacts(workflow_state="unsubmitted", grader_id=7)
    assert not is_missing(sub, due_at=DUE, submission_types=ONLINE, now=NOW)
    assert check(sub) is Status.FLOATING
    # With a policy, the policy decides.
    sub = SubmissionFacts(workflow_state="unsubmitted", grader_id=7, late_policy_status="missing")
    assert check(sub) is Status.MISSING


# --- the 60 s quiz grace ----------------------------------------------------------------------------------


def test_quiz_grace_exactly_sixty_seconds_is_on_time() -> None:
    sub = submitted(DUE + timedelta(seconds=60), submission_type="online_quiz")
    assert seconds_late(sub, due_at=DUE, now=NOW) == 0
    assert check(sub) is Status.ON_TIME
    # The recorded time stays the real submission time.
    assert recorded(sub) == DUE + timedelta(seconds=60)


def test_quiz_sixty_one_seconds_is_late() -> None:
    sub = submitted(DUE + timedelta(seconds=61), submission_type="online_quiz")
    assert seconds_late(sub, due_at=DUE, now=NOW) == 1
    assert check(sub) is Status.LATE


def test_no_grace_for_other_submission_types() -> None:
    sub = submitted(DUE + timedelta(seconds=60), submission_type="online_upload")
    assert seconds_late(sub, due_at=DUE, now=NOW) == 60
    assert check(sub) is Status.LATE


def test_quiz_grace_applies_to_now_for_unsubmitted_quizzes() -> None:
    quiz = SubmissionFacts(workflow_state="unsubmitted", submission_type="online_quiz")
    at_grace = NOW - timedelta(seconds=60)  # now - 60 s == due: not past due
    assert status(quiz, due_at=at_grace, submission_types="online_quiz", now=NOW) is Status.FLOATING
    past_grace = NOW - timedelta(seconds=61)
    assert status(quiz, due_at=past_grace, submission_types="online_quiz", now=NOW) is Status.MISSING


# --- graded? ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "expected"),
    [
        (SubmissionFacts(excused=True), True),
        (SubmissionFacts(workflow_state="graded", score=0.0), True),
        (SubmissionFacts(workflow_state="graded"), False),
        (SubmissionFacts(workflow_state="submitted", score=3.0), False),
        (SubmissionFacts(), False),
    ],
)
def test_is_graded(sub: SubmissionFacts, expected: bool) -> None:
    assert is_graded(sub) is expected


# --- submission types (CONTRACT §7.5) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ()),
        ("", ()),
        ("  ", ()),
        ("[]", ()),
        ('["online_upload"]', ("online_upload",)),
        ('["online_upload", "online_url"]', ("online_upload", "online_url")),
        ("online_upload,online_url", ("online_upload", "online_url")),
        ("online_upload, online_url", ("online_upload", "online_url")),
        ("none", ("none",)),
        ("On_Paper", ("On_Paper",)),  # kept as given
        ("[on_paper]", ("on_paper",)),  # not JSON: read as a bracketed list
    ],
)
def test_parse_submission_types(raw: str | None, expected: tuple[str, ...]) -> None:
    assert parse_submission_types(raw) == expected


@pytest.mark.parametrize(
    ("types", "expects", "non_digital"),
    [
        ((), False, True),
        (None, False, True),
        ("", False, True),
        (("online_upload",), True, False),
        ('["online_upload"]', True, False),
        (("on_paper",), False, True),
        ("on_paper", False, True),
        ('["none"]', False, True),
        (("not_graded",), False, True),
        (("wiki_page",), False, False),
        (("external_tool",), False, False),
        (("online_quiz",), True, False),
        (("discussion_topic",), True, False),
        ("online_upload,on_paper", True, False),
        (("on_paper", "none"), True, False),  # only a lone type is special
        (("On_Paper",), True, False),  # values are kept as given
    ],
)
def test_expects_submission_and_non_digital(types: SubmissionTypes, expects: bool, non_digital: bool) -> None:
    assert expects_submission(types) is expects
    assert is_non_digital(types) is non_digital


# --- Status -----------------------------------------------------------------------------------------------


def _composed_status(
    sub: SubmissionFacts | None, *, due_at: datetime | None, types: SubmissionTypes, now: datetime
) -> Status:
    """§3.5's status read straight off the predicates, as the reference states it."""
    if sub is None:
        return Status.MISSING if due_at is not None and due_at <= now else Status.FLOATING
    if is_missing(sub, due_at=due_at, submission_types=types, now=now):
        return Status.MISSING
    if is_late(sub, due_at=due_at, now=now):
        return Status.LATE
    if recorded_time(sub, due_at=due_at, submission_types=types, now=now) is not None:
        return Status.ON_TIME
    return Status.FLOATING


def test_judge_equals_the_composed_rules_on_every_combination() -> None:
    # Every value each field can take that changes an outcome, around each boundary the rules have.
    instants = [
        None,
        DUE - timedelta(days=1),
        DUE,
        DUE + timedelta(milliseconds=500),
        DUE + timedelta(seconds=1),
        DUE + timedelta(seconds=60),
        DUE + timedelta(seconds=61),
        DUE + timedelta(days=2),
    ]
    checked = 0
    for submitted_at, state, score, excused, policy, grader, graded_at, custom, kind in itertools.product(
        instants[:2] + instants[3:],
        [None, "graded", "submitted"],
        [None, 0.0, 7.5],
        [None, False, True],
        [None, "", "late", "missing", "extended", "none"],
        [None, 9],
        [None, DUE - timedelta(hours=3)],
        [None, 1],
        [None, "online_quiz", "online_upload"],
    ):
        sub = SubmissionFacts(
            submitted_at=submitted_at,
            workflow_state=state,
            score=score,
            excused=excused,
            late_policy_status=policy,
            seconds_late_override=30,
            grader_id=grader,
            graded_at=graded_at,
            custom_grade_status_id=custom,
            submission_type=kind,
        )
        for due_at, types, now in itertools.product(
            [None, DUE, DUE + timedelta(days=5)], [ONLINE, ON_PAPER, None], instants[2:]
        ):
            assert now is not None
            expected = _composed_status(sub, due_at=due_at, types=types, now=now)
            got = judge(sub, due_at=due_at, expects=expects_submission(types), now=now)
            assert got is expected, (sub, due_at, types, now)
            checked += 1
    for due_at, now in itertools.product(instants, instants[2:]):
        assert now is not None
        assert judge(None, due_at=due_at, expects=True, now=now) is _composed_status(
            None, due_at=due_at, types=ONLINE, now=now
        )
    assert checked > 100_000, checked


def test_status_values_are_canvas_strings() -> None:
    assert [s.value for s in Status] == ["on_time", "late", "missing", "floating"]
    assert str(Status.ON_TIME) == "on_time"
    assert Status("floating") is Status.FLOATING


# --- TardinessBreakdown -----------------------------------------------------------------------------------


def test_breakdown_counts_for_c3() -> None:
    breakdown = TardinessBreakdown()
    for s in (Status.MISSING, Status.ON_TIME, Status.MISSING, Status.ON_TIME, Status.ON_TIME):
        breakdown.add(s)
    counts = breakdown.counts()
    assert counts == {"missing": 2, "late": 0, "on_time": 3, "floating": 0, "total": 5}
    assert list(counts) == ["missing", "late", "on_time", "floating", "total"]


def test_breakdown_fractions_for_c2() -> None:
    # Four students with a status, two of a non-digital assignment: total 6.
    breakdown = TardinessBreakdown()
    for s in (Status.LATE, Status.ON_TIME, Status.ON_TIME, Status.FLOATING):
        breakdown.add(s)
    assert breakdown.fractions() == {
        "missing": 0.0,
        "late": 0.25,
        "on_time": 0.5,
        "floating": 0.25,
        "total": 4,
    }
    breakdown.add_non_digital()
    breakdown.add_non_digital()
    assert breakdown.total == 6
    fractions = breakdown.fractions()
    assert fractions == {"missing": 0.0, "late": 1 / 6, "on_time": 2 / 6, "floating": 1 / 6, "total": 6}
    assert list(fractions) == ["missing", "late", "on_time", "floating", "total"]


def test_empty_breakdown() -> None:
    breakdown = TardinessBreakdown()
    assert breakdown.counts() == {"missing": 0, "late": 0, "on_time": 0, "floating": 0, "total": 0}
    fractions = breakdown.fractions()
    assert fractions == {"missing": 0.0, "late": 0.0, "on_time": 0.0, "floating": 0.0, "total": 0}
    values = (fractions["missing"], fractions["late"], fractions["on_time"], fractions["floating"])
    assert all(type(value) is float for value in values)


def test_breakdown_merge() -> None:
    a = TardinessBreakdown(missing=1, late=2, on_time=3, floating=4, total=10)
    b = TardinessBreakdown(missing=1, total=3)
    a.merge(b)
    assert a == TardinessBreakdown(missing=2, late=2, on_time=3, floating=4, total=13)
