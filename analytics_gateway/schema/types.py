"""The GraphQL types: Account, Term, Course, Section, Enrollment, Assignment, Student and their analytics.

Leaf fields are plain attributes filled when a node is made; only connections, relations and analytics
have resolvers, and those go through the request's dataloaders (``info.context.loaders``) and the
analytics layer, so a field computes nothing GraphQL-specific and no SQL is written here. Authorization
happens on those resolvers: a failure raises the analytics layer's errors, which the schema turns into a
null with an error entry naming the field.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, TypeVar, cast

import strawberry
from graphql import GraphQLError

from analytics_gateway.resolvers.catalog import (
    account_course_ids,
    term_course_ids,
    visible_assignments,
    visible_enrollments,
)
from analytics_gateway.resolvers.course import (
    AssignmentStatistics,
    DayActivity,
    SortKey,
    course_activity,
    course_assignments,
    sort_summaries,
    student_name_order,
)
from analytics_gateway.resolvers.course import (
    StudentSummary as SummaryRow,
)
from analytics_gateway.resolvers.coursework import visible_students
from analytics_gateway.resolvers.department import DepartmentFilter as FilterKey
from analytics_gateway.resolvers.department import (
    DepartmentScope,
    department_activity,
    department_grades,
    department_statistics,
    department_statistics_by_subaccount,
    open_department,
)
from analytics_gateway.resolvers.errors import Forbidden, NotFound, Unauthenticated
from analytics_gateway.resolvers.policy import require_read_as_admin
from analytics_gateway.resolvers.records import (
    VISIBLE_COURSE_STATES,
    AccountRow,
    AssignmentRow,
    CourseRow,
    EnrollmentRow,
    SectionRow,
    TermRow,
    UserRow,
)
from analytics_gateway.resolvers.student import StudentAssignment as StudentAssignmentRow
from analytics_gateway.resolvers.tardiness import is_non_digital, parse_submission_types
from analytics_gateway.schema._ids import encode_global_id, legacy_id
from analytics_gateway.schema.connections import Connection, build, slice_of
from analytics_gateway.schema.context import Info

__all__ = [
    "Account",
    "Assignment",
    "Course",
    "Enrollment",
    "Node",
    "Section",
    "Student",
    "Term",
    "account_node",
    "course_node",
    "student_node",
    "term_node",
]

PageArgs = Annotated[int | None, strawberry.argument(description="Page size: default 20, at most 100.")]
AfterArg = Annotated[str | None, strawberry.argument(description="Items after this cursor.")]
LastArg = Annotated[
    int | None, strawberry.argument(description="The last items (before `before`), at most 100.")
]
BeforeArg = Annotated[str | None, strawberry.argument(description="Items before this cursor.")]


# --- interface and enums ----------------------------------------------------------------------------------


_Value = TypeVar("_Value", bound=str)


def described(value: _Value, description: str) -> _Value:
    """An enum member's value with a GraphQL description.

    ``strawberry.enum`` replaces the definition by the plain value when it processes the class, so a member's
    ``.value`` is this string at run time, which is what the type says.
    """
    return cast(_Value, strawberry.enum_value(value, description=description))


@strawberry.interface(description="An object with a Relay global id.")
class Node:
    id: strawberry.ID = strawberry.field(description="Relay global id: base64 of `Type-<_id>`.")


@strawberry.enum(description="A course's workflow state.")
class CourseWorkflowState(enum.Enum):
    AVAILABLE = described("available", "Published and running.")
    COMPLETED = described("completed", "Concluded (hard-concluded by an admin).")
    CREATED = described("created", "Unpublished: new, not yet claimed or published.")
    CLAIMED = described("claimed", "Unpublished: claimed by its teacher, not yet published.")


@strawberry.enum(description="How a list of students is ordered (the sorts of the student summaries).")
class StudentSortField(enum.Enum):
    NAME = described("name", "Sortable name, then id.")
    SCORE = described("score", description="Current course score (no score sorts first), then id.")
    PARTICIPATIONS = described("participations", "Participations, then id.")
    PAGE_VIEWS = described("page_views", "Page views, then id.")


@strawberry.enum(description="Sort direction.")
class SortDirection(enum.Enum):
    ASCENDING = described("ascending", "Smallest first.")
    DESCENDING = described("descending", "Largest first.")


@strawberry.input(
    description="Order of a student list: by name, current score, participations or page views."
)
class StudentSort:
    field: StudentSortField = strawberry.field(default=StudentSortField.NAME, description="What to sort on.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASCENDING, description="Which way.")


@strawberry.input(description="Which courses a course list holds.")
class CourseFilter:
    term_id: strawberry.ID | None = strawberry.field(default=None, description="Only courses of this term.")
    workflow_states: list[CourseWorkflowState] | None = strawberry.field(
        default=None, description="Only courses in these states (default: published and concluded)."
    )
    include_sub_accounts: bool = strawberry.field(
        default=True, description="Include the courses of every sub-account below (accounts only)."
    )


@strawberry.input(description="Which enrollments an enrollment list holds.")
class EnrollmentFilter:
    types: list[str] | None = strawberry.field(
        default=None, description="Enrollment types, e.g. `StudentEnrollment`, `TeacherEnrollment`."
    )
    states: list[str] | None = strawberry.field(
        default=None, description="Workflow states, e.g. `active`, `completed`, `invited` (default: any)."
    )


# --- analytics result types (shared shapes) -------------------------------------------------------------


@strawberry.type(description="Page views and participations of one UTC day.")
class DailyActivity:
    date: date = strawberry.field(description="The UTC calendar day.")
    views: int = strawberry.field(description="Page views.")
    participations: int = strawberry.field(description="Page views that were participations.")


def _daily(rows: list[DayActivity]) -> list[DailyActivity]:
    return [DailyActivity(date=r.date, views=r.views, participations=r.participations) for r in rows]


@strawberry.type(description="A total, the class maximum and the activity level 0-3 (behaviour §3.7).")
class PageViewAnalysis:
    total: int = strawberry.field(description="The student's count.")
    max: int | None = strawberry.field(description="The largest count among the students you can see.")
    level: int = strawberry.field(
        description="0 none, 1 below the first quartile, 2 below the third, 3 above."
    )


@strawberry.type(
    description="How many of the student's assignments were missing, late, on time or undecided."
)
class TardinessBreakdown:
    total: int = strawberry.field(description="Digital assignments assigned to the student.")
    late: int = strawberry.field(description="Submitted after the student's due date.")
    missing: int = strawberry.field(description="Past due without a submission.")
    on_time: int = strawberry.field(description="Submitted (or graded) in time.")
    floating: int = strawberry.field(description="Not due yet, undated, or excused.")


@strawberry.type(
    description="One student's activity and tardiness in a course (Canvas's StudentSummaryAnalytics)."
)
class StudentSummaryAnalytics:
    page_views: PageViewAnalysis = strawberry.field(description="Page views in the course.")
    participations: PageViewAnalysis = strawberry.field(description="Participations in the course.")
    tardiness_breakdown: TardinessBreakdown = strawberry.field(
        description="Status counts of their assignments."
    )


def _summary(row: SummaryRow) -> StudentSummaryAnalytics:
    t = row.tardiness
    return StudentSummaryAnalytics(
        page_views=PageViewAnalysis(total=row.page_views, max=row.max_page_views, level=row.page_views_level),
        participations=PageViewAnalysis(
            total=row.participations, max=row.max_participations, level=row.participations_level
        ),
        tardiness_breakdown=TardinessBreakdown(
            total=t["total"],
            late=t["late"],
            missing=t["missing"],
            on_time=t["on_time"],
            floating=t["floating"],
        ),
    )


@strawberry.type(
    description="Fractions of the assigned students in each status (course assignment statistics)."
)
class TardinessFractions:
    on_time: float = strawberry.field(description="Fraction on time.")
    late: float = strawberry.field(description="Fraction late.")
    missing: float = strawberry.field(description="Fraction missing.")
    floating: float = strawberry.field(description="Fraction not due yet, undated or excused.")
    total: int = strawberry.field(description="Students assigned the assignment (non-digital ones included).")


@strawberry.type(
    description="An assignment's score distribution and tardiness over the students you can see."
)
class AssignmentAnalytics:
    assignment_id: strawberry.ID = strawberry.field(name="_id", description="The assignment's Canvas id.")
    title: str | None = strawberry.field(description="The assignment's title.")
    points_possible: float | None = strawberry.field(description="Points possible.")
    due_at: datetime | None = strawberry.field(description="The base due date (students may have their own).")
    unlock_at: datetime | None = strawberry.field(description="When it unlocks.")
    muted: bool = strawberry.field(description="A current student's grade is unposted.")
    non_digital_submission: bool = strawberry.field(description="On paper, no submission or not graded.")
    min_score: float | None = strawberry.field(description="Lowest score (null without points or scores).")
    max_score: float | None = strawberry.field(description="Highest score.")
    median: float | None = strawberry.field(description="Median score (behaviour §3.6).")
    first_quartile: float | None = strawberry.field(description="First quartile of the scores.")
    third_quartile: float | None = strawberry.field(description="Third quartile of the scores.")
    tardiness_breakdown: TardinessFractions = strawberry.field(description="Status fractions.")
    course_id: strawberry.Private[int]

    @strawberry.field(description="The assignment itself.")
    async def assignment(self, info: Info) -> Assignment | None:
        work = await info.context.loaders.coursework.load(self.course_id)
        found = next((a for a in work.assignments if str(a.id) == self.assignment_id), None)
        return None if found is None else assignment_node(found, self.course_id)


def _assignment_analytics(row: AssignmentStatistics, course_id: int) -> AssignmentAnalytics:
    scored = row.points_possible is not None  # as the REST documented dialect (CONTRACT §7.8)
    s, t = row.scores, row.tardiness
    return AssignmentAnalytics(
        assignment_id=strawberry.ID(str(row.assignment_id)),
        title=row.title,
        points_possible=row.points_possible,
        due_at=row.due_at,
        unlock_at=row.unlock_at,
        muted=row.muted,
        non_digital_submission=row.non_digital_submission,
        min_score=s.min_score if scored else None,
        max_score=s.max_score if scored else None,
        median=s.median if scored else None,
        first_quartile=s.first_quartile if scored else None,
        third_quartile=s.third_quartile if scored else None,
        tardiness_breakdown=TardinessFractions(
            on_time=t["on_time"],
            late=t["late"],
            missing=t["missing"],
            floating=t["floating"],
            total=t["total"],
        ),
        course_id=course_id,
    )


@strawberry.type(description="A student's page views in one UTC hour.")
class HourlyPageViews:
    hour: datetime = strawberry.field(description="The start of the UTC hour.")
    views: int = strawberry.field(description="Page views in that hour.")


@strawberry.type(description="A student's page views on one UTC day.")
class DailyPageViews:
    date: date = strawberry.field(description="The UTC calendar day.")
    views: int = strawberry.field(description="Page views that day.")


@strawberry.type(description="One participation (a participating page view).")
class Participation:
    created_at: datetime = strawberry.field(description="When.")
    url: str | None = strawberry.field(description="The page, as logged.")


@strawberry.type(description="A student's activity in a course.")
class StudentActivity:
    hourly: list[HourlyPageViews] = strawberry.field(description="Page views per UTC hour, oldest first.")
    daily: list[DailyPageViews] = strawberry.field(description="Page views per UTC day, oldest first.")
    participations: list[Participation] = strawberry.field(description="Participations, oldest first.")
    page_views: int = strawberry.field(description="All page views in the course.")


@strawberry.type(
    description="The class's score distribution for an assignment (hidden from students at times)."
)
class ScoreStatistics:
    min_score: float | None = strawberry.field(description="Lowest score.")
    max_score: float | None = strawberry.field(description="Highest score.")
    median: float | None = strawberry.field(description="Median score.")
    first_quartile: float | None = strawberry.field(description="First quartile.")
    third_quartile: float | None = strawberry.field(description="Third quartile.")


@strawberry.type(description="The student's own submission as they may see it.")
class SubmissionSummary:
    posted_at: datetime | None = strawberry.field(description="When the grade was posted; null while hidden.")
    submitted_at: datetime | None = strawberry.field(
        description="When it counts as submitted (behaviour §3.5)."
    )
    score: float | None = strawberry.field(description="The score; null while unposted for students.")
    score_hidden: bool = strawberry.field(description="The score is withheld from you until it is posted.")
    excused: bool = strawberry.field(description="Excused from the assignment.")


@strawberry.enum(description="An assignment's status for a student (behaviour §3.5).")
class SubmissionStatus(enum.Enum):
    ON_TIME = described(
        "on_time", description="Submitted on time (or graded where no submission is expected)."
    )
    LATE = described("late", description="Submitted after the student's due date, or marked late.")
    MISSING = described("missing", description="Past due without a submission, or marked missing.")
    FLOATING = described("floating", description="None of these yet: not due, no due date, or excused.")


@strawberry.type(description="An assignment as one student has it, with the class's distribution when shown.")
class StudentAssignment:
    assignment_id: strawberry.ID = strawberry.field(name="_id", description="The assignment's Canvas id.")
    title: str | None = strawberry.field(description="Title.")
    points_possible: float | None = strawberry.field(description="Points possible.")
    due_at: datetime | None = strawberry.field(description="The student's own due date.")
    unlock_at: datetime | None = strawberry.field(description="When it unlocks.")
    status: SubmissionStatus = strawberry.field(description="On time, late, missing or floating.")
    muted: bool = strawberry.field(description="Grades are unposted (always false for graders).")
    non_digital_submission: bool = strawberry.field(description="On paper, no submission or not graded.")
    statistics: ScoreStatistics | None = strawberry.field(
        description="The class's scores; null while hidden."
    )
    module_ids: list[strawberry.ID] = strawberry.field(description="Modules holding the assignment.")
    submission: SubmissionSummary | None = strawberry.field(description="The student's submission, if any.")


def _student_assignment(row: StudentAssignmentRow) -> StudentAssignment:
    stats = row.statistics
    sub = row.submission
    return StudentAssignment(
        assignment_id=strawberry.ID(str(row.assignment_id)),
        title=row.title,
        points_possible=row.points_possible,
        due_at=row.due_at,
        unlock_at=row.unlock_at,
        status=SubmissionStatus(str(row.status)),
        muted=row.muted,
        non_digital_submission=row.non_digital_submission,
        statistics=None
        if stats is None
        else ScoreStatistics(
            min_score=stats.min_score,
            max_score=stats.max_score,
            median=stats.median,
            first_quartile=stats.first_quartile,
            third_quartile=stats.third_quartile,
        ),
        module_ids=[strawberry.ID(str(m)) for m in row.module_ids],
        submission=None
        if sub is None
        else SubmissionSummary(
            posted_at=sub.posted_at,
            submitted_at=sub.submitted_at,
            score=sub.score,
            score_hidden=sub.score_hidden,
            excused=sub.excused,
        ),
    )


@strawberry.type(description="Messages between a student and the course's instructors on one UTC day.")
class DailyMessages:
    date: date = strawberry.field(description="The UTC calendar day.")
    instructor_messages: int = strawberry.field(description="Messages and comments by instructors.")
    student_messages: int = strawberry.field(description="Messages and comments by the student.")


# --- helpers ----------------------------------------------------------------------------------------------


def _id_arg(value: strawberry.ID | str, type_name: str) -> int:
    found = legacy_id(str(value), type_name)
    if found is None:
        raise NotFound(f"{type_name} {value!r}")
    return found


async def _readable_course(info: Info, course_id: int) -> CourseRow:
    """The course if the caller holds any role in it (or an admin role above it)."""
    loaders = info.context.loaders
    row = await loaders.courses.load(course_id)
    if row is None:
        raise NotFound(f"course {course_id}")
    if info.context.analytics.viewer.user_id is None:
        raise Unauthenticated
    access = await loaders.course_access.load(course_id)
    if not access.can_read:
        raise Forbidden
    return row


async def _readable_account(info: Info, account_id: int) -> AccountRow:
    """The account if the caller holds an account role with any right on it or an ancestor."""
    loaders = info.context.loaders
    row = await loaders.accounts.load(account_id)
    if row is None:
        raise NotFound(f"account {account_id}")
    if info.context.analytics.viewer.user_id is None:
        raise Unauthenticated
    access = await loaders.account_access.load(account_id)
    if not access.permissions:
        raise Forbidden
    return row


def _states(filter: CourseFilter | None) -> list[str]:
    if filter is None or filter.workflow_states is None:
        return list(VISIBLE_COURSE_STATES)
    return [s.value for s in filter.workflow_states]


async def _course_nodes(info: Info, ids: list[int]) -> list[Course]:
    rows = await info.context.loaders.courses.load_many(ids)
    return [course_node(r) for r in rows if r is not None]


# --- department analytics -------------------------------------------------------------------------------


@strawberry.enum(description="Which courses of a department (behaviour §3.2).")
class DepartmentFilter(enum.Enum):
    CURRENT = described("current", "Published courses of the default term.")
    COMPLETED = described("completed", "Concluded courses of the default term.")
    TERM = described("term", "Published and concluded courses of `termId`.")


@strawberry.type(description="Page views of one category (from the controller that served them).")
class CategoryActivity:
    category: str = strawberry.field(description="`announcements`, `assignments`, ..., `other`.")
    views: int = strawberry.field(description="Page views.")


@strawberry.type(description="A department's page views by day and by category.")
class DepartmentActivity:
    by_date: list[DailyActivity] = strawberry.field(description="Per UTC day, oldest first.")
    by_category: list[CategoryActivity] = strawberry.field(description="Categories with views, alphabetical.")


@strawberry.type(description="How many (course, student) current scores round to each of 0..100.")
class GradeDistribution:
    counts: list[int] = strawberry.field(description="101 counts: `counts[n]` students scored n (rounded).")
    has_data: bool = strawberry.field(description="At least one score in 0..100 exists (REST canvas: nulls).")
    total: int = strawberry.field(description="All the counts.")


@strawberry.type(description="Counts over a department's courses.")
class DepartmentStatistics:
    courses: int = strawberry.field(description="Courses.")
    subaccounts: int = strawberry.field(description="Direct, non-deleted sub-accounts.")
    teachers: int = strawberry.field(description="Distinct users with a teacher enrollment.")
    students: int = strawberry.field(description="Distinct students (Test Students excluded).")
    discussion_topics: int = strawberry.field(description="Discussions and announcements, not deleted.")
    media_objects: int = strawberry.field(description="Media objects, not deleted.")
    attachments: int = strawberry.field(description="Available files.")
    assignments: int = strawberry.field(description="Assignments, not deleted.")


@strawberry.type(
    description="The counts of one account: the department's own courses, or a sub-account's tree."
)
class SubaccountStatistics:
    account_id: strawberry.ID = strawberry.field(name="_id", description="The account's Canvas id.")
    name: str | None = strawberry.field(description="The account's name.")
    courses: int = strawberry.field(description="Courses.")
    teachers: int = strawberry.field(description="Distinct teachers.")
    students: int = strawberry.field(description="Distinct students.")
    discussion_topics: int = strawberry.field(description="Discussions and announcements, not deleted.")
    media_objects: int = strawberry.field(description="Media objects, not deleted.")
    attachments: int = strawberry.field(description="Available files.")
    assignments: int = strawberry.field(description="Assignments, not deleted.")

    @strawberry.field(description="The account.")
    async def account(self, info: Info) -> Account | None:
        row = await info.context.loaders.accounts.load(int(self.account_id))
        return None if row is None else account_node(row)


@strawberry.type(description="A department's analytics for one set of its courses.")
class DepartmentAnalytics:
    scope: strawberry.Private[DepartmentScope]

    @strawberry.field(description="The term whose courses are counted (null when the root has none).")
    def term(self) -> Term | None:
        return None if self.scope.term is None else term_node(self.scope.term)

    @strawberry.field(description="Page views by day and by category of every course in the set.")
    async def activity(self, info: Info) -> DepartmentActivity | None:
        found = await department_activity(info.context.analytics, self.scope)
        return DepartmentActivity(
            by_date=[
                DailyActivity(date=d.date, views=d.views, participations=d.participations)
                for d in found.by_date
            ],
            by_category=[CategoryActivity(category=c.category, views=c.views) for c in found.by_category],
        )

    @strawberry.field(description="The grade distribution: students' current course scores, rounded, 0..100.")
    async def grades(self, info: Info) -> GradeDistribution | None:
        found = await department_grades(info.context.analytics, self.scope)
        counts = found.counts if found.counts is not None else [0] * 101
        return GradeDistribution(counts=counts, has_data=found.counts is not None, total=sum(counts))

    @strawberry.field(description="Counts of courses, people and content.")
    async def statistics(self, info: Info) -> DepartmentStatistics | None:
        s = await department_statistics(info.context.analytics, self.scope)
        return DepartmentStatistics(
            courses=s.courses,
            subaccounts=s.subaccounts,
            teachers=s.teachers,
            students=s.students,
            discussion_topics=s.discussion_topics,
            media_objects=s.media_objects,
            attachments=s.attachments,
            assignments=s.assignments,
        )

    @strawberry.field(
        description="The same counts for the account's own courses, then each direct sub-account."
    )
    async def statistics_by_subaccount(self, info: Info) -> list[SubaccountStatistics] | None:
        rows = await department_statistics_by_subaccount(info.context.analytics, self.scope)
        return [
            SubaccountStatistics(
                account_id=strawberry.ID(str(r.id)),
                name=r.name,
                courses=r.courses,
                teachers=r.teachers,
                students=r.students,
                discussion_topics=r.discussion_topics,
                media_objects=r.media_objects,
                attachments=r.attachments,
                assignments=r.assignments,
            )
            for r in rows
        ]


def _term_ref(term_id: strawberry.ID | None, filter: DepartmentFilter) -> str | None:
    if filter is not DepartmentFilter.TERM:
        if term_id is not None:
            raise GraphQLError("termId goes with filter: TERM")
        return None
    if term_id is None:
        raise GraphQLError("filter: TERM needs a termId")
    text = str(term_id)
    if text in ("default", "current"):
        return text
    number = legacy_id(text, "Term")
    return text if number is None else str(number)


# --- entities -----------------------------------------------------------------------------------------------


@strawberry.type(
    description="An account: the institution's root account or a sub-account (faculty, department)."
)
class Account(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas account id.")
    name: str | None = strawberry.field(description="The account's name.")
    row: strawberry.Private[AccountRow]

    @strawberry.field(description="The account above this one; null for the root account.")
    async def parent_account(self, info: Info) -> Account | None:
        if self.row.parent_account_id is None:
            return None
        parent = await info.context.loaders.accounts.load(self.row.parent_account_id)
        if parent is None:
            return None
        access = await info.context.loaders.account_access.load(parent.id)
        return account_node(parent) if access.permissions else None

    @strawberry.field(description="The account's direct sub-accounts (not deleted), by id.")
    async def sub_accounts_connection(
        self,
        info: Info,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Account] | None:
        children = await info.context.loaders.child_accounts.load(self.row.id)
        page = slice_of(children, first=first, after=after, last=last, before=before)

        async def make(ids: list[int]) -> list[Account]:
            rows = await info.context.loaders.accounts.load_many(ids)
            return [account_node(r) for r in rows if r is not None]

        return await build(page, make)

    @strawberry.field(
        description="Courses of the account (and, by default, of every sub-account below), by id."
    )
    async def courses_connection(
        self,
        info: Info,
        filter: Annotated[
            CourseFilter | None, strawberry.argument(description="Term, workflow states, sub-accounts.")
        ] = None,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Course] | None:
        term = None if filter is None or filter.term_id is None else _id_arg(filter.term_id, "Term")
        ids = await account_course_ids(
            info.context.loaders,
            self.row.id,
            term_id=term,
            states=_states(filter),
            include_sub_accounts=True if filter is None else filter.include_sub_accounts,
        )
        page = slice_of(ids, first=first, after=after, last=last, before=before)
        return await build(page, lambda keys: _course_nodes(info, keys))

    @strawberry.field(description="Department analytics (needs `view_analytics` on the account).")
    async def analytics(
        self,
        info: Info,
        filter: Annotated[
            DepartmentFilter, strawberry.argument(description="Which courses: CURRENT, COMPLETED or TERM.")
        ] = DepartmentFilter.CURRENT,
        term_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="With `filter: TERM`: a term id, `default` or `current`."),
        ] = None,
    ) -> DepartmentAnalytics | None:
        scope = await open_department(
            # The enum's values are exactly the analytics layer's filter names.
            info.context.analytics,
            str(self.row.id),
            cast(FilterKey, filter.value),
            _term_ref(term_id, filter),
        )
        return DepartmentAnalytics(scope=scope)


def account_node(row: AccountRow) -> Account:
    """The GraphQL object of an account."""
    return Account(
        id=strawberry.ID(encode_global_id("Account", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        name=row.name,
        row=row,
    )


@strawberry.type(description="An enrollment term of the root account.")
class Term(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas term id.")
    name: str | None = strawberry.field(description="The term's name.")
    start_at: datetime | None = strawberry.field(description="When the term starts.")
    end_at: datetime | None = strawberry.field(description="When the term ends.")
    row: strawberry.Private[TermRow]

    @strawberry.field(description="The term's courses (root-account admins only), by id.")
    async def courses_connection(
        self,
        info: Info,
        filter: Annotated[
            CourseFilter | None, strawberry.argument(description="Term, workflow states, sub-accounts.")
        ] = None,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Course] | None:
        if self.row.root_account_id is None:
            raise NotFound(f"term {self.row.id}")
        await _readable_account(info, self.row.root_account_id)
        ids = await term_course_ids(info.context.loaders, self.row.id, states=_states(filter))
        page = slice_of(ids, first=first, after=after, last=last, before=before)
        return await build(page, lambda keys: _course_nodes(info, keys))


def term_node(row: TermRow) -> Term:
    """The GraphQL object of a term."""
    return Term(
        id=strawberry.ID(encode_global_id("Term", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        name=row.name,
        start_at=row.start_at,
        end_at=row.end_at,
        row=row,
    )


@strawberry.type(description="A section of a course.")
class Section(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas section id.")
    name: str | None = strawberry.field(description="The section's name.")
    sis_id: str | None = strawberry.field(description="The section's SIS id.")
    start_at: datetime | None = strawberry.field(description="Section start, if it overrides the course's.")
    end_at: datetime | None = strawberry.field(description="Section end, if it overrides the course's.")


def section_node(row: SectionRow) -> Section:
    """The GraphQL object of a section."""
    return Section(
        id=strawberry.ID(encode_global_id("Section", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        name=row.name,
        sis_id=row.sis_source_id,
        start_at=row.start_at,
        end_at=row.end_at,
    )


@strawberry.type(description="A published assignment of a course.")
class Assignment(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas assignment id.")
    title: str | None = strawberry.field(description="Title.")
    points_possible: float | None = strawberry.field(description="Points possible.")
    due_at: datetime | None = strawberry.field(
        description="The base due date (overrides may differ per student)."
    )
    unlock_at: datetime | None = strawberry.field(description="When it unlocks.")
    submission_types: list[str] = strawberry.field(description="Canvas submission types, as exported.")
    non_digital_submission: bool = strawberry.field(description="On paper, no submission or not graded.")
    only_visible_to_overrides: bool = strawberry.field(description="Assigned only through overrides.")
    course_id: strawberry.Private[int]


def assignment_node(row: AssignmentRow, course_id: int) -> Assignment:
    """The GraphQL object of an assignment."""
    types = parse_submission_types(row.submission_types)
    return Assignment(
        id=strawberry.ID(encode_global_id("Assignment", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        title=row.title,
        points_possible=row.points_possible,
        due_at=row.due_at,
        unlock_at=row.unlock_at,
        submission_types=list(types),
        non_digital_submission=is_non_digital(types),
        only_visible_to_overrides=row.only_visible_to_overrides,
        course_id=course_id,
    )


@strawberry.type(description="A user's enrollment in a course.")
class Enrollment(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas enrollment id.")
    type: str | None = strawberry.field(
        description="`StudentEnrollment`, `TeacherEnrollment`, `TaEnrollment`, ..."
    )
    state: str | None = strawberry.field(description="Workflow state: `active`, `completed`, `invited`, ...")
    limit_privileges_to_course_section: bool = strawberry.field(description="Section-limited.")
    row: strawberry.Private[EnrollmentRow]

    @strawberry.field(description="The enrolled user.")
    async def user(self, info: Info) -> Student | None:
        found = await info.context.loaders.users.load(self.row.user_id)
        return None if found is None else student_node(found, self.row.course_id)

    @strawberry.field(description="The enrollment's section.")
    async def section(self, info: Info) -> Section | None:
        if self.row.course_section_id is None:
            return None
        sections = await info.context.loaders.sections.load(self.row.course_id)
        found = next((s for s in sections if s.id == self.row.course_section_id), None)
        return None if found is None else section_node(found)


def enrollment_node(row: EnrollmentRow) -> Enrollment:
    """The GraphQL object of an enrollment."""
    return Enrollment(
        id=strawberry.ID(encode_global_id("Enrollment", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        type=row.type,
        state=row.workflow_state,
        limit_privileges_to_course_section=bool(row.limit_privileges_to_course_section),
        row=row,
    )


@strawberry.type(description="A course's analytics: activity, assignment statistics and student summaries.")
class CourseAnalytics:
    course_id: strawberry.Private[int]

    @strawberry.field(description="Page views and participations per UTC day, every user, oldest first.")
    async def activity(self, info: Info) -> list[DailyActivity] | None:
        access = await info.context.loaders.analytics_course(self.course_id)
        return _daily(await course_activity(info.context.analytics, access))

    @strawberry.field(description="Every published assignment with its score distribution and tardiness.")
    async def assignments(self, info: Info) -> list[AssignmentAnalytics] | None:
        loaders = info.context.loaders
        access = await loaders.analytics_course(self.course_id)
        require_read_as_admin(access)
        rows = await course_assignments(
            info.context.analytics, access, coursework=lambda: loaders.coursework.load(self.course_id)
        )
        return [_assignment_analytics(r, self.course_id) for r in rows]

    @strawberry.field(description="Per visible student: page views, participations, levels and tardiness.")
    async def student_summaries(
        self,
        info: Info,
        sort: Annotated[
            StudentSort | None, strawberry.argument(description="Order (default: by name, ascending).")
        ] = None,
        student_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this student (a Canvas or Relay id).")
        ] = None,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[StudentSummary] | None:
        rows = list((await info.context.loaders.summaries.load(self.course_id)).values())
        order = sort or StudentSort()
        # The enum's values are exactly the analytics layer's sort keys.
        key = cast(SortKey, order.field.value)
        rows = sort_summaries(rows, key, order.direction is SortDirection.DESCENDING)
        if student_id is not None:
            wanted = legacy_id(str(student_id), "Student")
            rows = [r for r in rows if r.id == wanted]
        page = slice_of(rows, first=first, after=after, last=last, before=before)

        async def make(keys: list[SummaryRow]) -> list[StudentSummary]:
            users = await info.context.loaders.users.load_many([r.id for r in keys])
            return [
                StudentSummary.of(row, student_node(user or UserRow(row.id, None, None), self.course_id))
                for row, user in zip(keys, users, strict=True)
            ]

        return await build(page, make)


@strawberry.type(description="One student's summary in a course, with the student.")
class StudentSummary:
    student: Student = strawberry.field(description="The student.")
    page_views: PageViewAnalysis = strawberry.field(description="Page views in the course.")
    participations: PageViewAnalysis = strawberry.field(description="Participations in the course.")
    tardiness_breakdown: TardinessBreakdown = strawberry.field(
        description="Status counts of their assignments."
    )

    @staticmethod
    def of(row: SummaryRow, student: Student) -> StudentSummary:
        """From the analytics layer's row."""
        summary = _summary(row)
        return StudentSummary(
            student=student,
            page_views=summary.page_views,
            participations=summary.participations,
            tardiness_breakdown=summary.tardiness_breakdown,
        )


@strawberry.type(description="A course.")
class Course(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas course id.")
    name: str | None = strawberry.field(description="The course's name.")
    course_code: str | None = strawberry.field(description="The course code.")
    workflow_state: CourseWorkflowState = strawberry.field(
        description="Published (available), concluded, ..."
    )
    sis_id: str | None = strawberry.field(description="The course's SIS id.")
    row: strawberry.Private[CourseRow]

    @strawberry.field(description="The account the course is placed in.")
    async def account(self, info: Info) -> Account | None:
        if self.row.account_id is None:
            return None
        return account_node(await _readable_account(info, self.row.account_id))

    @strawberry.field(description="The course's term.")
    async def term(self, info: Info) -> Term | None:
        if self.row.enrollment_term_id is None:
            return None
        found = await info.context.loaders.terms.load(self.row.enrollment_term_id)
        return None if found is None else term_node(found)

    @strawberry.field(description="The course's sections (not deleted), by id.")
    async def sections(self, info: Info) -> list[Section] | None:
        await _readable_course(info, self.row.id)
        return [section_node(s) for s in await info.context.loaders.sections.load(self.row.id)]

    @strawberry.field(description="Enrollments you can see (section-limited callers: their sections), by id.")
    async def enrollments_connection(
        self,
        info: Info,
        filter: Annotated[
            EnrollmentFilter | None, strawberry.argument(description="Enrollment types and states.")
        ] = None,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Enrollment] | None:
        await _readable_course(info, self.row.id)
        rows = await visible_enrollments(
            info.context.loaders,
            self.row.id,
            types=None if filter is None else filter.types,
            states=None if filter is None else filter.states,
        )
        page = slice_of(rows, first=first, after=after, last=last, before=before)

        async def make(keys: list[EnrollmentRow]) -> list[Enrollment]:
            return [enrollment_node(r) for r in keys]

        return await build(page, make)

    @strawberry.field(
        description="The course's students you can see; any student-summary sort (default name)."
    )
    async def students_connection(
        self,
        info: Info,
        sort: Annotated[
            StudentSort | None, strawberry.argument(description="Order (default: by name, ascending).")
        ] = None,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Student] | None:
        loaders = info.context.loaders
        await _readable_course(info, self.row.id)
        order = sort or StudentSort()
        descending = order.direction is SortDirection.DESCENDING
        if order.field is StudentSortField.NAME:
            access = await loaders.course_access.load(self.row.id)
            ids = visible_students(access, await loaders.students.load(self.row.id))
            users = dict(zip(ids, await loaders.users.load_many(ids), strict=True))
            ids = student_name_order(
                {u: (row.sortable_name or row.name or "") if row else "" for u, row in users.items()},
                descending,
            )
        else:  # the analytic sorts need the summaries (and so C3's rights)
            rows = list((await loaders.summaries.load(self.row.id)).values())
            ids = [r.id for r in sort_summaries(rows, order.field.value, descending)]
        page = slice_of(ids, first=first, after=after, last=last, before=before)

        async def make(keys: list[int]) -> list[Student]:
            users = await loaders.users.load_many(keys)
            return [student_node(u, self.row.id) for u in users if u is not None]

        return await build(page, make)

    @strawberry.field(description="The course's published assignments (students: those assigned to them).")
    async def assignments_connection(
        self,
        info: Info,
        first: PageArgs = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Assignment] | None:
        await _readable_course(info, self.row.id)
        rows = await visible_assignments(info.context.loaders, self.row.id)  # behaviour §3.4
        page = slice_of(rows, first=first, after=after, last=last, before=before)

        async def make(keys: list[AssignmentRow]) -> list[Assignment]:
            return [assignment_node(a, self.row.id) for a in keys]

        return await build(page, make)

    @strawberry.field(description="The course's analytics (needs `view_analytics` on the course).")
    async def analytics(self, info: Info) -> CourseAnalytics | None:
        await info.context.loaders.analytics_course(self.row.id)
        return CourseAnalytics(course_id=self.row.id)


def course_node(row: CourseRow) -> Course:
    """The GraphQL object of a course."""
    try:
        state = CourseWorkflowState(row.workflow_state)
    except ValueError:
        state = CourseWorkflowState.CREATED
    return Course(
        id=strawberry.ID(encode_global_id("Course", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        name=row.name,
        course_code=row.course_code,
        workflow_state=state,
        sis_id=row.sis_source_id,
        row=row,
    )


CourseIdArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The course (Canvas or Relay id); defaults to the course the student came from."
    ),
]


@strawberry.type(description="A user as a student: their analytics in a course.")
class Student(Node):
    id: strawberry.ID = strawberry.field(description="Relay global id.")
    legacy_id: strawberry.ID = strawberry.field(name="_id", description="The Canvas user id.")
    name: str | None = strawberry.field(description="The user's name.")
    sortable_name: str | None = strawberry.field(description="The name as sorted: `Last, First`.")
    course_id: strawberry.Private[int | None]

    def _course(self, course_id: strawberry.ID | None) -> int:
        if course_id is not None:
            return _id_arg(course_id, "Course")
        if self.course_id is None:
            raise GraphQLError("courseId is required here")
        return self.course_id

    @strawberry.field(description="Page views, participations (each with class max and level) and tardiness.")
    async def summary_analytics(
        self, info: Info, course_id: CourseIdArg = None
    ) -> StudentSummaryAnalytics | None:
        course = self._course(course_id)
        rows = await info.context.loaders.summaries.load(course)
        row = rows.get(int(self.legacy_id))
        if row is None:
            raise NotFound(f"user {self.legacy_id} is not a visible student of course {course}")
        return _summary(row)

    @strawberry.field(description="Hourly and daily page views and the participations in the course.")
    async def activity(self, info: Info, course_id: CourseIdArg = None) -> StudentActivity | None:
        course = self._course(course_id)
        found = await info.context.loaders.activity.load((course, int(self.legacy_id)))
        return StudentActivity(
            hourly=[HourlyPageViews(hour=h, views=v) for h, v in found.hourly],
            daily=[DailyPageViews(date=d, views=v) for d, v in found.daily],
            participations=[Participation(created_at=p.created_at, url=p.url) for p in found.participations],
            page_views=found.page_views,
        )

    @strawberry.field(
        description="The student's assignments with status, score and the class's distribution."
    )
    async def assignments(self, info: Info, course_id: CourseIdArg = None) -> list[StudentAssignment] | None:
        course = self._course(course_id)
        rows = await info.context.loaders.student_assignments.load((course, int(self.legacy_id)))
        return [_student_assignment(r) for r in rows]

    @strawberry.field(description="Messages with the instructors per UTC day (conversations and comments).")
    async def communication(self, info: Info, course_id: CourseIdArg = None) -> list[DailyMessages] | None:
        course = self._course(course_id)
        found = await info.context.loaders.communication.load((course, int(self.legacy_id)))
        return [
            DailyMessages(
                date=d.date, instructor_messages=d.instructor_messages, student_messages=d.student_messages
            )
            for d in found.days
        ]


def student_node(row: UserRow, course_id: int | None = None) -> Student:
    """The GraphQL object of a user, reached in ``course_id`` (None: from the root)."""
    return Student(
        id=strawberry.ID(encode_global_id("Student", row.id)),
        legacy_id=strawberry.ID(str(row.id)),
        name=row.name,
        sortable_name=row.sortable_name,
        course_id=course_id,
    )
