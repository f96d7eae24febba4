"""Submission status ("tardiness") of one (assignment, student) and the C2/C3 tallies.

Rules: reference §3.5 (canvas-lms ``Submission::Tardiness`` and the analytics plugin's
``AssignmentSubmission``) with the contract's choices:

* CONTRACT §7.3: the due date is the caller-supplied *effective* due date of the student
  (:mod:`analytics_gateway.resolvers.due_dates`), also for students without a submission;
  ``submissions.cached_due_date`` is never used.
* CONTRACT §3.3: full submission data (excused, ``late_policy_status``, custom grade status, grader)
  is respected everywhere, C2 included; the ``floating`` fraction is real.
* CONTRACT §7.5: non-digital assignments (exactly one of ``on_paper``/``none``/``not_graded``, or no
  type) count in C2's ``total`` with zero numerators and are skipped by C3; S2 still gives a status.
* CONTRACT §7.7: S2's ``submitted_at`` is the *recorded time*; the 60 s grace applies to submissions
  whose ``submission_type`` is ``online_quiz``.

Deleted submissions are the caller's business (it passes ``None``). ``now`` is always a parameter.
Times are naive UTC ``datetime`` values, as stored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypedDict

from analytics_gateway.resolvers.stats import fraction

__all__ = [
    "NON_DIGITAL_TYPES",
    "NO_SUBMISSION_TYPES",
    "QUIZ_GRACE",
    "Status",
    "SubmissionFacts",
    "SubmissionLike",
    "SubmissionTypes",
    "TardinessBreakdown",
    "TardinessCounts",
    "TardinessFractions",
    "expects_submission",
    "is_graded",
    "is_late",
    "is_missing",
    "is_non_digital",
    "judge",
    "parse_submission_types",
    "recorded_time",
    "seconds_late",
    "status",
]

NO_SUBMISSION_TYPES = frozenset({"none", "not_graded", "wiki_page", "on_paper", "external_tool"})
"""A lone one of these types means the assignment does not expect a submission (§3.5)."""

NON_DIGITAL_TYPES = frozenset({"on_paper", "none", "not_graded"})
"""A lone one of these types (or no type at all) makes an assignment non-digital (CONTRACT §7.5)."""

QUIZ_GRACE = timedelta(seconds=60)
"""Grace subtracted from the submission time of ``online_quiz`` submissions (§3.5, CONTRACT §7.7)."""

SubmissionTypes = str | Sequence[str] | None
"""An assignment's ``submission_types``: the raw column (JSON array or comma-separated text) or parsed."""


class Status(StrEnum):
    """The four statuses of reference §3.5, valued as Canvas spells them."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    FLOATING = "floating"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionFacts:
    """The columns of one non-deleted ``submissions`` row that the tardiness rules read.

    ``cached_due_date`` is carried for completeness only: the rules use the caller's effective due date
    (CONTRACT §7.3).
    """

    submitted_at: datetime | None = None
    workflow_state: str | None = None
    score: float | None = None
    excused: bool | None = None
    late_policy_status: str | None = None
    seconds_late_override: int | None = None
    grader_id: int | None = None
    graded_at: datetime | None = None
    custom_grade_status_id: int | None = None
    submission_type: str | None = None
    cached_due_date: datetime | None = None


class SubmissionLike(Protocol):
    """What the rules read from a submission: :class:`SubmissionFacts`, or a storage row with these fields."""

    @property
    def submitted_at(self) -> datetime | None: ...
    @property
    def workflow_state(self) -> str | None: ...
    @property
    def score(self) -> float | None: ...
    @property
    def excused(self) -> bool | None: ...
    @property
    def late_policy_status(self) -> str | None: ...
    @property
    def seconds_late_override(self) -> int | None: ...
    @property
    def grader_id(self) -> int | None: ...
    @property
    def graded_at(self) -> datetime | None: ...
    @property
    def custom_grade_status_id(self) -> int | None: ...
    @property
    def submission_type(self) -> str | None: ...


def parse_submission_types(raw: str | None) -> tuple[str, ...]:
    """Split ``assignments.submission_types``: a JSON array text or a comma-separated string.

    Values are kept as given (CONTRACT §7.5), only surrounding whitespace and empty items are dropped.
    """
    if raw is None:
        return ()
    text = raw.strip()
    if text.startswith("["):
        try:
            parsed: object = json.loads(text)
        except ValueError:  # not valid JSON after all: read it as a bracketed list of words
            return tuple(
                s for s in (p.strip().strip("\"'").strip() for p in text.strip("[]").split(",")) if s
            )
        if isinstance(parsed, list):
            return tuple(s for s in (str(v).strip() for v in parsed if v is not None) if s)
    return tuple(s for s in (part.strip() for part in text.split(",")) if s)


def _types(submission_types: SubmissionTypes) -> tuple[str, ...]:
    if submission_types is None or isinstance(submission_types, str):
        return parse_submission_types(submission_types)
    return tuple(submission_types)


def expects_submission(submission_types: SubmissionTypes) -> bool:
    """Whether the assignment expects a submission (§3.5): types present and not a lone no-submission type."""
    types = _types(submission_types)
    if not types:
        return False
    return not (len(types) == 1 and types[0] in NO_SUBMISSION_TYPES)


def is_non_digital(submission_types: SubmissionTypes) -> bool:
    """Non-digital (CONTRACT §7.5): no type, or exactly one of ``on_paper``, ``none``, ``not_graded``."""
    types = _types(submission_types)
    return not types or (len(types) == 1 and types[0] in NON_DIGITAL_TYPES)


def _policy(submission: SubmissionLike) -> str | None:
    """``late_policy_status``, with an empty string read as unset."""
    return submission.late_policy_status or None


def is_graded(submission: SubmissionLike) -> bool:
    """Canvas's ``graded?``: excused, or a score present with workflow state ``graded``."""
    return bool(submission.excused) or (
        submission.score is not None and submission.workflow_state == "graded"
    )


def seconds_late(submission: SubmissionLike, *, due_at: datetime | None, now: datetime) -> int:
    """Whole seconds the submission is past ``due_at`` (§3.5).

    A ``late`` policy status gives the manual ``seconds_late_override`` (or 0). Otherwise the submission
    time is ``submitted_at`` (``now`` if never submitted), less 60 s for ``online_quiz``; it is 0 when there
    is no due date or that time is not after it, else the difference truncated to whole seconds.
    """
    if _policy(submission) == "late":
        return submission.seconds_late_override or 0
    if due_at is None:
        return 0
    time = submission.submitted_at if submission.submitted_at is not None else now
    if submission.submission_type == "online_quiz":
        time -= QUIZ_GRACE
    if time <= due_at:
        return 0
    return int((time - due_at).total_seconds())


def is_late(submission: SubmissionLike, *, due_at: datetime | None, now: datetime) -> bool:
    """Canvas's ``late?`` (§3.5)."""
    if submission.excused or submission.custom_grade_status_id is not None:
        return False
    policy = _policy(submission)
    if policy is not None:
        return policy == "late"
    return submission.submitted_at is not None and seconds_late(submission, due_at=due_at, now=now) > 0


def is_missing(
    submission: SubmissionLike,
    *,
    due_at: datetime | None,
    submission_types: SubmissionTypes,
    now: datetime,
) -> bool:
    """Canvas's ``missing?`` (§3.5)."""
    if submission.excused or submission.custom_grade_status_id is not None:
        return False
    policy = _policy(submission)
    if submission.grader_id is not None and policy is None:
        return False
    if policy is not None:
        return policy == "missing"
    if submission.submitted_at is not None:
        return False
    if seconds_late(submission, due_at=due_at, now=now) <= 0:
        return False
    return expects_submission(submission_types)


def recorded_time(
    submission: SubmissionLike | None,
    *,
    due_at: datetime | None,
    submission_types: SubmissionTypes,
    now: datetime,
) -> datetime | None:
    """The *recorded time* of §3.5, which S2 shows as ``submitted_at`` (CONTRACT §7.7).

    None without a submission or for a missing one; else ``submitted_at`` when present; else none when the
    assignment expects a submission, when the submission is not graded (no ``graded_at``) or is graded
    with score 0; else the earlier of ``graded_at`` and the due date with its seconds set to 0 (the
    plugin's ``due_at.change(sec: 0)``), ``graded_at`` when there is no due date.
    """
    if submission is None or is_missing(
        submission, due_at=due_at, submission_types=submission_types, now=now
    ):
        return None
    if submission.submitted_at is not None:
        return submission.submitted_at
    if expects_submission(submission_types):
        return None
    graded = is_graded(submission)
    graded_at = submission.graded_at if graded else None
    if graded_at is None or (graded and submission.score == 0):
        return None
    if due_at is None:
        return graded_at
    due_minute = due_at.replace(second=0, microsecond=0)
    return graded_at if graded_at < due_minute else due_minute


def status(
    submission: SubmissionLike | None,
    *,
    due_at: datetime | None,
    submission_types: SubmissionTypes,
    now: datetime,
) -> Status:
    """The status of one (assignment, student) (§3.5).

    ``submission``: the student's non-deleted submission, or ``None``; ``due_at``: the student's effective
    due date (CONTRACT §7.3); ``now``: the current UTC time.
    """
    return judge(submission, due_at=due_at, expects=expects_submission(submission_types), now=now)


_ONE_SECOND = timedelta(seconds=1)


def judge(
    submission: SubmissionLike | None, *, due_at: datetime | None, expects: bool, now: datetime
) -> Status:
    """:func:`status` in one pass, with the assignment's :func:`expects_submission` worked out by the caller.

    C2 and C3 judge every (assignment, student) pair of a course, tens of thousands per request, so the
    rules of :func:`is_missing`, :func:`is_late` and :func:`recorded_time` are applied here in the order
    :func:`status` reads them, without re-reading a field or re-parsing the types. The tests hold the two
    ways equal over every combination of the fields they read.
    """
    if submission is None:
        return Status.MISSING if due_at is not None and due_at <= now else Status.FLOATING
    if not (submission.excused or submission.custom_grade_status_id is not None):
        policy = submission.late_policy_status
        if policy:  # a policy decides late and missing alone ("" reads as unset)
            if policy == "missing":
                return Status.MISSING
            if policy == "late":
                return Status.LATE
        elif (submitted := submission.submitted_at) is not None:
            if due_at is not None:
                if submission.submission_type == "online_quiz":
                    submitted -= QUIZ_GRACE
                if submitted - due_at >= _ONE_SECOND:  # whole seconds late (seconds_late > 0)
                    return Status.LATE
            return Status.ON_TIME
        elif submission.grader_id is None and expects and due_at is not None:
            time = now - QUIZ_GRACE if submission.submission_type == "online_quiz" else now
            if time - due_at >= _ONE_SECOND:
                return Status.MISSING
    # Neither missing nor late: on time when there is a recorded time (recorded_time's rules).
    if submission.submitted_at is not None:
        return Status.ON_TIME
    if expects:
        return Status.FLOATING
    if not is_graded(submission) or submission.graded_at is None or submission.score == 0:
        return Status.FLOATING
    return Status.ON_TIME


class TardinessCounts(TypedDict):
    """C3's ``tardiness_breakdown``: integer counts, in Canvas's key order."""

    missing: int
    late: int
    on_time: int
    floating: int
    total: int


class TardinessFractions(TypedDict):
    """C2's ``tardiness_breakdown``: fractions of ``total``, in Canvas's key order."""

    missing: float
    late: float
    on_time: float
    floating: float
    total: int


@dataclass(slots=True)
class TardinessBreakdown:
    """Accumulates statuses for C3 (integer counts) and C2 (fractions).

    C3 adds one status per digital assignment and skips non-digital ones, so ``total`` is the sum of the
    four counts. C2 adds one status per (digital assignment, student) and calls :meth:`add_non_digital`
    for the students of a non-digital assignment, which only grows ``total`` (CONTRACT §3.3, §7.5).
    """

    missing: int = 0
    late: int = 0
    on_time: int = 0
    floating: int = 0
    total: int = 0

    def add(self, status: Status) -> None:
        """Count one status (and one more in ``total``)."""
        if status is Status.MISSING:
            self.missing += 1
        elif status is Status.LATE:
            self.late += 1
        elif status is Status.ON_TIME:
            self.on_time += 1
        else:
            self.floating += 1
        self.total += 1

    @classmethod
    def of(cls, statuses: Iterable[Status]) -> TardinessBreakdown:
        """A breakdown of these statuses (one per pair)."""
        counts = Counter(statuses)
        missing, late = counts[Status.MISSING], counts[Status.LATE]
        on_time, floating = counts[Status.ON_TIME], counts[Status.FLOATING]
        return cls(missing, late, on_time, floating, missing + late + on_time + floating)

    def add_non_digital(self, count: int = 1) -> None:
        """Count ``count`` students of a non-digital assignment in ``total`` only (C2)."""
        self.total += count

    def merge(self, other: TardinessBreakdown) -> None:
        """Add another breakdown's counts to this one."""
        self.missing += other.missing
        self.late += other.late
        self.on_time += other.on_time
        self.floating += other.floating
        self.total += other.total

    def counts(self) -> TardinessCounts:
        """The integer counts (C3)."""
        return TardinessCounts(
            missing=self.missing,
            late=self.late,
            on_time=self.on_time,
            floating=self.floating,
            total=self.total,
        )

    def fractions(self) -> TardinessFractions:
        """Each count divided by ``total``, ``0.0`` when ``total`` is 0 (C2, CONTRACT §7.8)."""
        return TardinessFractions(
            missing=fraction(self.missing, self.total),
            late=fraction(self.late, self.total),
            on_time=fraction(self.on_time, self.total),
            floating=fraction(self.floating, self.total),
            total=self.total,
        )
