"""The demo institution as an in-memory model: accounts, terms, people, courses, rosters and assignments.

Everything that several exported tables must agree on is decided here, once (who is enrolled where, in which
section and state; which assignments exist, when they are due and for whom). The record writers
(:mod:`._demo_tables`) and the web_logs plan (:mod:`._demo_weblogs`) only read this model.

Each part of the model draws from its own ``random.Random`` seeded with ``"<seed>:<part>"``: the result is the
same on every run and platform, and changing how one part is generated does not reshuffle the others.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from random import Random

from analytics_gateway.storage._demo_names import (
    FACULTIES,
    FIRST_NAMES,
    LAST_NAMES,
    Department,
)
from analytics_gateway.storage._demo_time import ANCHOR_S, DAY, HOUR, epoch

__all__ = [
    "ROLE_IDS",
    "SCALE_CONFIGS",
    "Account",
    "Assignment",
    "Course",
    "Enrollment",
    "Institution",
    "Override",
    "ScaleConfig",
    "Section",
    "Term",
    "User",
    "build_institution",
]

ROOT_ACCOUNT_ID = 1
DEMO_ADMIN_USER_ID = 1
SUBACCOUNT_ADMIN_USER_ID = 2
ANALYST_USER_ID = 3
FORMER_ADMIN_USER_ID = 4
ADMIN_COUNT = 4

# Ids of different tables live in disjoint ranges, so that a query joining on the wrong column finds
# nothing instead of silently matching (a course id used as a user id, ...).
COURSE_BASE = 100_000
SECTION_BASE = 200_000
ASSIGNMENT_BASE = 300_000
GROUP_BASE = 400_000
QUIZ_BASE = 450_000
PSEUDONYM_BASE = 500_000
ENROLLMENT_BASE = 1_000_000
OVERRIDE_BASE = 3_000_000
OVERRIDE_STUDENT_BASE = 3_500_000

# Built-in roles first (Canvas gives them the lowest ids), then two custom roles.
ROLE_IDS: dict[str, int] = {
    "AccountAdmin": 1,
    "StudentEnrollment": 2,
    "TeacherEnrollment": 3,
    "TaEnrollment": 4,
    "DesignerEnrollment": 5,
    "ObserverEnrollment": 6,
    "Department Analyst": 7,
    "Grader": 8,
}
ROLE_FOR_TYPE = {
    "StudentEnrollment": 2,
    "StudentViewEnrollment": 2,  # Canvas gives the Test Student the student role
    "TeacherEnrollment": 3,
    "TaEnrollment": 4,
    "DesignerEnrollment": 5,
    "ObserverEnrollment": 6,
}

TIME_ZONE = "America/Chicago"


@dataclass(frozen=True)
class ScaleConfig:
    """Sizes of one demo scale."""

    name: str
    faculties: int
    departments: int  # per faculty
    courses: int
    users: int
    web_logs: int
    web_log_parts: int
    gzip: bool
    largest_students: int  # active students of the largest course (course id COURSE_BASE + 1)
    largest_assignments: int  # its published assignments
    median_students: int
    max_other_students: int
    published_range: tuple[int, int]
    json_part_rows: int


SCALE_CONFIGS: dict[str, ScaleConfig] = {
    "small": ScaleConfig("small", 1, 2, 12, 300, 50_000, 2, True, 60, 12, 24, 48, (6, 12), 200_000),
    "medium": ScaleConfig("medium", 3, 2, 100, 5_000, 1_000_000, 4, True, 250, 25, 60, 200, (8, 20), 200_000),
    "large": ScaleConfig(
        "large", 4, 3, 1_000, 50_000, 20_000_000, 20, False, 500, 40, 75, 400, (8, 25), 500_000
    ),
}


@dataclass(slots=True)
class Account:
    """A row of ``accounts``."""

    id: int
    name: str
    parent_id: int | None
    sis: str | None
    state: str
    created: int
    department: Department | None = None


@dataclass(slots=True)
class Term:
    """A row of ``enrollment_terms``; ``key`` is default/past/current/future."""

    id: int
    key: str
    name: str
    code: str | None
    sis: str | None
    start: int | None
    end: int | None


@dataclass(slots=True)
class User:
    """A person (or a course's Test Student); ``kind`` says which population they were drawn from."""

    id: int
    first: str
    last: str
    kind: str  # admin, teacher, ta, designer, observer, student, test
    state: str = "registered"
    created: int = 0
    merged_into: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def sortable_name(self) -> str:
        return f"{self.last}, {self.first}"


@dataclass(slots=True)
class Section:
    """A row of ``course_sections``."""

    id: int
    course_id: int
    name: str
    sis: str | None
    state: str = "active"
    nonxlist_course_id: int | None = None
    start: int | None = None  # lab sections run for part of the term
    end: int | None = None


@dataclass(slots=True)
class Enrollment:
    """A row of ``enrollments``."""

    id: int
    user_id: int
    course_id: int
    section_id: int
    type: str
    state: str
    role_id: int
    associated_user_id: int | None = None
    limited: bool = False
    created: int = 0


@dataclass(slots=True)
class Override:
    """A row of ``assignment_overrides``; ``students`` are its ``assignment_override_students`` (ADHOC)."""

    id: int
    assignment_id: int
    set_type: str  # ADHOC or CourseSection
    set_id: int | None
    students: list[int]
    due: int | None
    due_overridden: bool
    unlock: int | None
    lock: int | None
    state: str
    title: str


@dataclass(slots=True)
class Assignment:
    """A row of ``assignments``; ``kind`` names the submission style (upload, quiz, paper, ...)."""

    id: int
    course_id: int
    title: str
    kind: str
    types: list[str]
    points: float | None
    grading_type: str
    group_id: int
    due: int | None
    unlock: int | None
    lock: int | None
    all_day: bool
    state: str
    ovto: bool  # only_visible_to_overrides
    position: int
    manual_post: bool  # grades held back until the teacher posts them (muted)
    quiz_id: int | None
    created: int
    overrides: list[Override] = field(default_factory=list)

    @property
    def expects_submission(self) -> bool:
        """Canvas's "expects a submission" (behaviour §3.5)."""
        return self.kind in EXPECTING_KINDS


@dataclass(slots=True)
class Course:
    """A course with its roster and assignments."""

    id: int
    index: int
    name: str
    code: str
    account_id: int
    term: Term
    state: str
    sis: str | None
    settings: dict[str, object]
    start_at: int | None
    conclude_at: int | None
    restrict_dates: bool
    created: int
    sections: list[Section] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    teachers: list[int] = field(default_factory=list)
    tas: list[int] = field(default_factory=list)
    designers: list[int] = field(default_factory=list)
    test_student: int = 0
    assignments: list[Assignment] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)
    late_policy: bool = False

    @property
    def instructors(self) -> list[int]:
        return self.teachers + self.tas

    @property
    def active_window(self) -> tuple[int, int]:
        """When people worked in the course: its term's dates (the fall term for the Default Term)."""
        start = self.term.start if self.term.start is not None else CURRENT_TERM[0]
        end = self.term.end if self.term.end is not None else CURRENT_TERM[1]
        return start, end

    def student_sections(self, states: tuple[str, ...] = ("active", "completed")) -> dict[int, list[int]]:
        """Students (StudentEnrollment in one of ``states``) and their sections, in enrollment order."""
        found: dict[int, list[int]] = {}
        for enr in self.enrollments:
            if enr.type == "StudentEnrollment" and enr.state in states:
                found.setdefault(enr.user_id, []).append(enr.section_id)
        return found


@dataclass
class Institution:
    """The whole generated model."""

    config: ScaleConfig
    seed: int
    accounts: list[Account]
    terms: list[Term]
    users: list[User]
    courses: list[Course]
    ability: dict[int, float]
    diligence: dict[int, float]
    bonus: dict[tuple[int, int], float]  # extra credit of a student in a course
    engagement: dict[int, float]
    busiest: int  # the clearly busiest student of the largest course
    departments: list[Account]


EXPECTING_KINDS = frozenset({"upload", "text", "text_upload", "url", "quiz", "discussion"})

SUBMISSION_TYPES: dict[str, list[str]] = {
    "upload": ["online_upload"],
    "text": ["online_text_entry"],
    "text_upload": ["online_text_entry", "online_upload"],
    "url": ["online_url"],
    "quiz": ["online_quiz"],
    "discussion": ["discussion_topic"],
    "paper": ["on_paper"],
    "none": ["none"],
    "not_graded": ["not_graded"],
    "external": ["external_tool"],
}
KIND_WEIGHTS = {
    "upload": 22,
    "text": 12,
    "text_upload": 6,
    "url": 4,
    "quiz": 24,
    "discussion": 10,
    "paper": 8,
    "none": 5,
    "not_graded": 4,
    "external": 5,
}
GROUP_OF_KIND = {
    "quiz": "Quizzes",
    "discussion": "Discussions",
    "paper": "Exams",
}
KIND_TITLES: dict[str, tuple[str, ...]] = {
    "upload": ("Problem Set", "Lab Report", "Project Milestone", "Homework"),
    "text": ("Reflection", "Reading Response", "Short Essay"),
    "text_upload": ("Essay", "Case Study"),
    "url": ("Portfolio Link", "Project Website"),
    "quiz": ("Quiz", "Weekly Quiz", "Practice Test"),
    "discussion": ("Discussion", "Forum Post"),
    "paper": ("Midterm Exam", "In-class Exam", "Final Exam"),
    "none": ("Participation", "Attendance"),
    "not_graded": ("Survey", "Check-in"),
    "external": ("Lab Simulation", "Textbook Exercises"),
}

PAST_TERM = (epoch(2026, 1, 12, 6), epoch(2026, 5, 8, 23))
CURRENT_TERM = (epoch(2026, 8, 24, 5), epoch(2026, 12, 18, 23))
FUTURE_TERM = (epoch(2027, 1, 11, 6), epoch(2027, 5, 7, 23))


def _utc_offset_hours(seconds: int) -> int:
    """America/Chicago's offset from UTC (2026 and 2027 daylight-saving dates)."""
    if epoch(2026, 3, 8, 8) <= seconds < epoch(2026, 11, 1, 7) or epoch(2027, 3, 14, 8) <= seconds:
        return 5
    return 6


def local_time(day_start_utc: int, hour: int, minute: int, second: int = 0) -> int:
    """Epoch second of a Chicago wall-clock time on the UTC day starting at ``day_start_utc``."""
    naive = day_start_utc + hour * HOUR + minute * 60 + second
    return naive + _utc_offset_hours(naive) * HOUR


def ascii_login(text: str) -> str:
    """A login-safe (lower-case ASCII letters only) form of a name."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L").replace("ø", "o"))
    return "".join(ch for ch in decomposed.lower() if "a" <= ch <= "z")


def build_institution(config: ScaleConfig, seed: int) -> Institution:
    """Generate the model of one scale and seed."""
    builder = _Builder(config, seed)
    return builder.build()


class _Builder:
    def __init__(self, config: ScaleConfig, seed: int) -> None:
        self.cfg = config
        self.seed = seed
        self.accounts: list[Account] = []
        self.departments: list[Account] = []
        self.faculties: list[Account] = []
        self.terms: list[Term] = []
        self.users: list[User] = []
        self.courses: list[Course] = []
        self.next_enrollment = ENROLLMENT_BASE + 1
        self.next_section = SECTION_BASE + 1
        self.next_assignment = ASSIGNMENT_BASE + 1
        self.next_group = GROUP_BASE + 1
        self.next_override = OVERRIDE_BASE + 1

    def rng(self, part: str) -> Random:
        return Random(f"{self.seed}:{part}")

    def build(self) -> Institution:
        self._accounts()
        self._terms()
        pools = self._users()
        self._courses(pools)
        ability, diligence, bonus, engagement, busiest = self._student_traits(pools["student"])
        self._observers(pools["observer"])
        self._assignments()
        return Institution(
            config=self.cfg,
            seed=self.seed,
            accounts=self.accounts,
            terms=self.terms,
            users=self.users,
            courses=self.courses,
            ability=ability,
            diligence=diligence,
            bonus=bonus,
            engagement=engagement,
            busiest=busiest,
            departments=self.departments,
        )

    # --- accounts and terms -----------------------------------------------------------------------------

    def _accounts(self) -> None:
        created = epoch(2019, 6, 3, 15)
        self.accounts.append(Account(ROOT_ACCOUNT_ID, "Demo University", None, None, "active", created))
        next_id = 2
        for faculty in FACULTIES[: self.cfg.faculties]:
            fac = Account(next_id, faculty.name, ROOT_ACCOUNT_ID, f"FAC-{faculty.code}", "active", created)
            self.accounts.append(fac)
            self.faculties.append(fac)
            next_id += 1
            for dept in faculty.departments[: self.cfg.departments]:
                acc = Account(next_id, dept.name, fac.id, f"DEPT-{dept.code}", "active", created + DAY, dept)
                self.accounts.append(acc)
                self.departments.append(acc)
                next_id += 1
        # A sub-account closed years ago: still exported (soft delete), holds nothing.
        self.accounts.append(
            Account(next_id, "Continuing Education (archived)", ROOT_ACCOUNT_ID, "CE", "deleted", created)
        )

    def _terms(self) -> None:
        self.terms = [
            Term(1, "default", "Default Term", None, None, None, None),
            Term(2, "past", "Spring 2026", "SP26", "2026SP", *PAST_TERM),
            Term(3, "current", "Fall 2026", "FA26", "2026FA", *CURRENT_TERM),
            Term(4, "future", "Spring 2027", "SP27", "2027SP", *FUTURE_TERM),
        ]

    # --- people -----------------------------------------------------------------------------------------

    def _users(self) -> dict[str, list[int]]:
        rng = self.rng("users")
        cfg = self.cfg
        counts = {
            "admin": ADMIN_COUNT,
            "teacher": max(4, round(cfg.courses * 0.6)),
            "ta": max(3, round(cfg.courses * 0.3)),
            "designer": max(1, cfg.courses // 50),
            "observer": max(3, cfg.users // 160),
        }
        counts["student"] = cfg.users - sum(counts.values()) - cfg.courses  # one Test Student per course
        pools: dict[str, list[int]] = {}
        next_id = 1
        for kind in ("admin", "teacher", "ta", "designer", "observer", "student"):
            ids = list(range(next_id, next_id + counts[kind]))
            pools[kind] = ids
            for uid in ids:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                # Staff accounts are older than student accounts.
                since = epoch(2022, 5, 1) if kind == "student" else epoch(2019, 8, 1)
                created = since + int(rng.random() * 800 * DAY)
                self.users.append(User(uid, first, last, kind, created=created))
            next_id += counts[kind]
        self.users[0].first, self.users[0].last = "Demo", "Administrator"
        # A few accounts never finished registration; a few were deleted (one merged into another user).
        students = pools["student"]
        for uid in rng.sample(students, max(2, len(students) // 50)):
            self.users[uid - 1].state = "pre_registered"
        deleted = rng.sample(students, max(2, len(students) // 500))
        for uid in deleted:
            self.users[uid - 1].state = "deleted"
        self.users[deleted[0] - 1].merged_into = next(u for u in students if u not in deleted)
        pools["student"] = [u for u in students if self.users[u - 1].state != "deleted"]
        return pools

    def _new_test_student(self, created: int) -> int:
        uid = len(self.users) + 1
        self.users.append(User(uid, "Test", "Student", "test", created=created))
        return uid

    # --- courses ----------------------------------------------------------------------------------------

    def _course_plan(self, rng: Random) -> list[tuple[str, str]]:
        """(term key, workflow state) of every course, the largest (current, available) first."""
        n = self.cfg.courses
        n_default = max(1, round(n * 0.03))
        n_past = max(2, round(n * 0.18))
        n_future = max(1, round(n * 0.10))
        n_current = n - n_default - n_past - n_future
        plan: list[tuple[str, str]] = [("current", "available")]
        current_states = (
            ["deleted"] * max(1, round(n_current * 0.015))
            + ["claimed"] * max(1, round(n_current * 0.02))
            + ["created"] * round(n_current * 0.02)
        )
        current_states += ["available"] * (n_current - 1 - len(current_states))
        future_created = max(1, round(n_future * 0.55))
        future_claimed = round(n_future * 0.15)
        future_states = (
            ["created"] * future_created
            + ["claimed"] * future_claimed
            + ["available"] * (n_future - future_created - future_claimed)
        )
        default_states = ["available"] * n_default
        if n_default > 2:
            default_states[-1] = "created"
        rng.shuffle(current_states)
        rng.shuffle(future_states)
        plan += [("past", "completed")] * n_past
        plan += [("default", s) for s in default_states]
        plan += [("current", s) for s in current_states]
        plan += [("future", s) for s in future_states]
        return plan

    def _courses(self, pools: dict[str, list[int]]) -> None:
        rng = self.rng("courses")
        terms = {t.key: t for t in self.terms}
        plan = self._course_plan(rng)
        teacher_cycle = _Cycle(rng, pools["teacher"])
        ta_cycle = _Cycle(rng, pools["ta"])
        designer_cycle = _Cycle(rng, pools["designer"])
        student_cycles = {key: _Cycle(rng, pools["student"]) for key in terms}
        csci = next((d for d in self.departments if d.department and d.department.code == "CSCI"), None)
        for index, (term_key, state) in enumerate(plan):
            term = terms[term_key]
            course_id = COURSE_BASE + 1 + index
            largest = index == 0
            if term_key == "default":
                account = self.accounts[0]
            elif largest and csci is not None:
                account = csci
            elif rng.random() < 0.1:
                account = rng.choice(self.faculties)
            else:
                account = rng.choice(self.departments)
            dept = account.department or self._department_under(account, rng)
            created = (term.start or CURRENT_TERM[0]) - int((20 + rng.random() * 60) * DAY)
            owner: int | None = None
            if term_key == "default":
                owner = teacher_cycle.next()
                name = f"Sandbox – {self.users[owner - 1].last}"
                code, sis = "SANDBOX", None
            else:
                number, title = (101, "Introduction to Programming") if largest else rng.choice(dept.titles)
                name = f"{dept.code} {number}: {title}"
                code = f"{dept.code} {number}"
                sis = f"{term.sis}-{dept.code}{number}-{index + 1:04d}"
            settings: dict[str, object] = {
                "allow_student_discussion_topics": rng.random() < 0.7,
                "hide_final_grades": rng.random() < 0.05,
                "hide_distribution_graphs": not largest and rng.random() < 0.12,
                "restrict_student_past_view": False,
            }
            if index == 1:
                settings["hide_distribution_graphs"] = True  # at least one, at every scale
            restrict = rng.random() < 0.05
            course = Course(
                id=course_id,
                index=index,
                name=name,
                code=code,
                account_id=account.id,
                term=term,
                state=state,
                sis=sis,
                settings=settings,
                start_at=(term.start or CURRENT_TERM[0]) + 3 * DAY if restrict else None,
                conclude_at=(term.end or CURRENT_TERM[1]) - 2 * DAY if restrict else None,
                restrict_dates=restrict,
                created=created,
                late_policy=rng.random() < 0.2,
            )
            self.courses.append(course)
            size = self._course_size(rng, course, largest)
            self._sections(rng, course, size, largest)
            self._staff(rng, course, (teacher_cycle, ta_cycle, designer_cycle), size, largest, owner)
            self._students(rng, course, student_cycles[term_key], size, largest)
            course.test_student = self._new_test_student(created + 7 * DAY)
            self._enroll(
                course, course.test_student, course.sections[0].id, "StudentViewEnrollment", "active"
            )
        # One section of a course was cross-listed into another course (nonxlist_course_id = its origin).
        live = [c for c in self.courses if c.state == "available" and c.term.key == "current"]
        if len(live) >= 3:
            host, origin = live[1], live[2]
            host.sections[-1].nonxlist_course_id = origin.id

    def _department_under(self, account: Account, rng: Random) -> Department:
        children = [d for d in self.departments if d.parent_id == account.id and d.department is not None]
        chosen = rng.choice(children) if children else self.departments[0]
        assert chosen.department is not None
        return chosen.department

    def _course_size(self, rng: Random, course: Course, largest: bool) -> int:
        cfg = self.cfg
        if largest:
            return cfg.largest_students
        if course.term.key == "default":
            return 3
        median = cfg.median_students
        size = round(median * math.exp(rng.gauss(0.0, 0.6)))
        if course.state in ("created", "claimed"):
            size //= 3
        return max(4, min(cfg.max_other_students, size))

    def _sections(self, rng: Random, course: Course, size: int, largest: bool) -> None:
        if largest:
            count = 3
        elif size <= 25:
            count = 1 if rng.random() < 0.8 else 2
        elif size <= 80:
            count = rng.choice((1, 2, 2))
        else:
            count = rng.choice((2, 3))
        start, end = course.active_window
        for n in range(count):
            lab = n > 0 and rng.random() < 0.3
            name = course.name if n == 0 else (f"Lab {n:02d}" if lab else f"Section {n + 1:02d}")
            sis = f"{course.sis}-S{n + 1:02d}" if course.sis else None
            section = Section(self.next_section, course.id, name, sis)
            if lab:  # labs start a week late and end a week early
                section.start, section.end = start + 7 * DAY, end - 7 * DAY
            course.sections.append(section)
            self.next_section += 1
        if rng.random() < 0.04:  # a section created by mistake and deleted, without enrollments
            course.sections.append(Section(self.next_section, course.id, "Section (old)", None, "deleted"))
            self.next_section += 1

    def _enroll(
        self,
        course: Course,
        user_id: int,
        section_id: int,
        enrollment_type: str,
        state: str,
        *,
        associated: int | None = None,
        limited: bool = False,
        role_id: int | None = None,
    ) -> Enrollment:
        enr = Enrollment(
            self.next_enrollment,
            user_id,
            course.id,
            section_id,
            enrollment_type,
            state,
            role_id or ROLE_FOR_TYPE[enrollment_type],
            associated,
            limited,
            course.created + DAY + (self.next_enrollment % 977) * 600,
        )
        self.next_enrollment += 1
        course.enrollments.append(enr)
        return enr

    def _staff_state(self, course: Course) -> str:
        if course.state == "deleted":
            return "deleted"
        if course.state == "completed":
            return "completed"
        return "active"

    def _staff(
        self,
        rng: Random,
        course: Course,
        cycles: tuple[_Cycle, _Cycle, _Cycle],
        size: int,
        largest: bool,
        owner: int | None,
    ) -> None:
        teachers, tas, designers = cycles
        state = self._staff_state(course)
        live_sections = [s for s in course.sections if s.state == "active"]
        first = live_sections[0].id
        if owner is not None:  # a sandbox belongs to the teacher whose name it carries
            course.teachers.append(owner)
        else:
            course.teachers.append(teachers.next())
            if rng.random() < 0.15 or largest:
                course.teachers.append(teachers.next(exclude=course.teachers))
        for uid in course.teachers:
            self._enroll(course, uid, first, "TeacherEnrollment", state)
        n_tas = 4 if largest else (rng.randint(1, 3) if size > 40 else (1 if rng.random() < 0.2 else 0))
        for n in range(n_tas):
            uid = tas.next(exclude=course.tas)
            course.tas.append(uid)
            # TAs of multi-section courses are often limited to the section they lead.
            limited = len(live_sections) > 1 and (rng.random() < 0.35 or (largest and n == 0))
            section = live_sections[n % len(live_sections)].id if limited else first
            role = ROLE_IDS["Grader"] if rng.random() < 0.1 else None
            self._enroll(course, uid, section, "TaEnrollment", state, limited=limited, role_id=role)
        if rng.random() < 0.1 or largest:
            uid = designers.next()
            course.designers.append(uid)
            self._enroll(course, uid, first, "DesignerEnrollment", state)

    def _student_state(self, rng: Random, course: Course) -> str:
        if course.state == "deleted":
            return "deleted"
        if course.state in ("created", "claimed"):
            return "creation_pending"  # students of an unpublished course wait for it
        if course.state == "completed":
            return "deleted" if rng.random() < 0.01 else "completed"
        if course.term.key == "future":
            return "invited" if rng.random() < 0.3 else "active"
        x = rng.random()
        if x < 0.95:
            return "active"
        if x < 0.965:
            return "invited"
        if x < 0.98:
            return "inactive"
        if x < 0.99:
            return "deleted"
        return "completed"  # finished early (e.g. an incomplete resolved)

    def _students(self, rng: Random, course: Course, pool: _Cycle, size: int, largest: bool) -> None:
        sections = [s.id for s in course.sections if s.state == "active"]
        chosen = pool.take(size)
        for n, uid in enumerate(chosen):
            state = "active" if largest else self._student_state(rng, course)
            section = sections[n % len(sections)] if largest else rng.choice(sections)
            self._enroll(course, uid, section, "StudentEnrollment", state)
            # Some students sit in two sections of one course (a lecture and a lab section, ...).
            if len(sections) > 1 and rng.random() < 0.04 and state in ("active", "completed"):
                other = rng.choice([s for s in sections if s != section])
                self._enroll(course, uid, other, "StudentEnrollment", state)
        if largest:
            # Students who are enrolled but not active: never counted as the course's students.
            for state in ("invited", "invited", "invited", "inactive", "inactive", "deleted", "deleted"):
                uid = pool.next(exclude=chosen)
                chosen.append(uid)
                self._enroll(course, uid, rng.choice(sections), "StudentEnrollment", state)

    def _observers(self, observers: list[int]) -> None:
        rng = self.rng("observers")
        live = [c for c in self.courses if c.state == "available" and c.term.key == "current"]
        for uid in observers:
            course = rng.choice(live)
            students = [
                e for e in course.enrollments if e.type == "StudentEnrollment" and e.state == "active"
            ]
            if not students:
                continue
            for target in rng.sample(students, min(len(students), rng.choice((1, 1, 2)))):
                self._enroll(
                    course, uid, target.section_id, "ObserverEnrollment", "active", associated=target.user_id
                )

    def _student_traits(
        self, students: list[int]
    ) -> tuple[dict[int, float], dict[int, float], dict[tuple[int, int], float], dict[int, float], int]:
        rng = self.rng("traits")
        ability: dict[int, float] = {}
        diligence: dict[int, float] = {}
        engagement: dict[int, float] = {}
        for uid in students:
            ability[uid] = min(1.0, max(0.3, rng.gauss(0.8, 0.12)))
            # A few students never hand anything in ("ghosts"): their course score stays null.
            diligence[uid] = 0.0 if rng.random() < 0.01 else min(0.99, max(0.45, rng.gauss(0.85, 0.1)))
            engagement[uid] = min(4.0, math.exp(rng.gauss(0.0, 0.7)))
        bonus: dict[tuple[int, int], float] = {}
        for course in self.courses:
            current = [u for u, _ in course.student_sections().items() if diligence.get(u, 0) > 0]
            if len(current) >= 20 and (course.index == 0 or rng.random() < 0.5):
                # Extra credit: this student's course score ends above 100.
                bonus[(course.id, rng.choice(current))] = 0.2
        largest = self.courses[0]
        roster = list(largest.student_sections())
        busiest = roster[len(roster) // 3]
        engagement[busiest] = 14.0  # far above the cap of everyone else (4.0)
        diligence[busiest] = 0.97
        return ability, diligence, bonus, engagement, busiest

    # --- assignments ------------------------------------------------------------------------------------

    def _assignments(self) -> None:
        rng = self.rng("assignments")
        kinds = list(KIND_WEIGHTS)
        kind_weights = list(KIND_WEIGHTS.values())
        for course in self.courses:
            groups: dict[str, int] = {}
            for name in ("Assignments", "Quizzes", "Discussions", "Exams"):
                groups[name] = self.next_group
                course.groups.append((self.next_group, name))
                self.next_group += 1
            largest = course.index == 0
            lo, hi = self.cfg.published_range
            if largest:
                published = self.cfg.largest_assignments
            elif course.state in ("created", "claimed"):
                published = 0
            elif course.term.key == "future":
                published = rng.randint(2, 5)
            elif course.term.key == "default":
                published = 2
            else:
                published = rng.randint(lo, hi)
            unpublished = rng.choice((0, 1, 1, 2)) + (3 if course.state in ("created", "claimed") else 0)
            deleted = 1 if rng.random() < 0.3 or largest else 0
            start, end = course.active_window
            sections = [s.id for s in course.sections if s.state == "active"]
            students = list(course.student_sections(("active", "completed", "inactive")))
            span = end - start - 10 * DAY
            specs = [("published", n, published) for n in range(published)]
            specs += [("unpublished", published + n, published) for n in range(unpublished)]
            specs += [("deleted", rng.randrange(max(1, published)), published) for _ in range(deleted)]
            kind_counts: dict[str, int] = {}
            for position, (state, slot, total) in enumerate(specs, 1):
                kind = rng.choices(kinds, weights=kind_weights)[0]
                if largest and position <= 4:
                    kind = ("upload", "quiz", "paper", "text")[position - 1]
                kind_counts[kind] = kind_counts.get(kind, 0) + 1
                title = f"{rng.choice(KIND_TITLES[kind])} {kind_counts[kind]}"
                frac = (slot + 0.5) / max(1, total)
                day0 = (start + 5 * DAY + int(frac * span)) // DAY * DAY
                if rng.random() < 0.75:
                    due: int | None = local_time(day0, 23, 59, 59)
                    all_day = True
                else:
                    due, all_day = local_time(day0, 10, 0), False
                if rng.random() < 0.05 or (largest and position == 5):
                    due, all_day = None, False  # no due date: such work is "floating"
                points: float | None = {
                    "quiz": rng.choice((10.0, 15.0, 20.0)),
                    "discussion": rng.choice((5.0, 10.0)),
                    "paper": 100.0,
                    "none": 10.0,
                    "not_graded": None,
                    "external": 10.0,
                }.get(kind, rng.choice((10.0, 20.0, 25.0, 50.0, 100.0)))
                if points is not None and rng.random() < 0.03:
                    points = None
                if kind == "not_graded":
                    grading_type = "not_graded"
                else:
                    grading_type = rng.choices(
                        ("points", "percent", "letter_grade", "pass_fail"), weights=(80, 8, 6, 6)
                    )[0]
                unlock = due - 7 * DAY if due is not None and rng.random() < 0.6 else None
                lock = due + 3 * DAY if due is not None and rng.random() < 0.25 else None
                assignment = Assignment(
                    id=self.next_assignment,
                    course_id=course.id,
                    title=title,
                    kind=kind,
                    types=SUBMISSION_TYPES[kind],
                    points=points,
                    grading_type=grading_type,
                    group_id=groups[GROUP_OF_KIND.get(kind, "Assignments")],
                    due=due,
                    unlock=unlock,
                    lock=lock,
                    all_day=all_day,
                    state=state,
                    ovto=False,
                    position=position,
                    manual_post=rng.random() < 0.08,
                    quiz_id=QUIZ_BASE + self.next_assignment - ASSIGNMENT_BASE if kind == "quiz" else None,
                    created=course.created + int(rng.random() * 10 * DAY),
                )
                self.next_assignment += 1
                course.assignments.append(assignment)
                if state == "published":
                    self._overrides(rng, course, assignment, sections, students, position)

    def _overrides(
        self,
        rng: Random,
        course: Course,
        a: Assignment,
        sections: list[int],
        students: list[int],
        position: int,
    ) -> None:
        if len(students) < 4:
            return
        largest = course.index == 0
        base = a.due if a.due is not None else course.active_window[0] + 40 * DAY
        # Differentiated assignments: the largest course has two (one per override kind), others a few.
        forced = largest and position in (8, 9)
        if forced or (a.expects_submission and rng.random() < 0.04) or (course.index == 1 and position == 3):
            a.ovto = True
            chosen = rng.sample(students, max(2, min(8, len(students) // 10)))
            self._add_override(a, "ADHOC", None, chosen, base + DAY, True, rng)
            if len(sections) > 1 and (not forced or position == 9):
                self._add_override(a, "CourseSection", sections[-1], [], base, True, rng)
            return
        x = rng.random()
        if x < 0.03:  # an extension for a couple of students
            chosen = rng.sample(students, rng.randint(1, 3))
            due = None if rng.random() < 0.1 else base + rng.randint(2, 5) * DAY
            self._add_override(a, "ADHOC", None, chosen, due, True, rng)
        elif x < 0.05 and len(sections) > 1:  # a section with its own deadline
            self._add_override(a, "CourseSection", rng.choice(sections), [], base + DAY, True, rng)
        elif x < 0.06:  # only the availability window differs: the base due date still applies
            chosen = rng.sample(students, 2)
            self._add_override(a, "ADHOC", None, chosen, None, False, rng)

    def _add_override(
        self,
        a: Assignment,
        set_type: str,
        set_id: int | None,
        students: list[int],
        due: int | None,
        due_overridden: bool,
        rng: Random,
    ) -> None:
        title = f"{len(students)} students" if set_type == "ADHOC" else "Section override"
        state = "deleted" if rng.random() < 0.05 and not a.ovto else "active"
        # An override that keeps the base due date changes the availability window instead.
        anchor = due or a.due
        unlock = anchor - 10 * DAY if anchor is not None and not due_overridden else None
        lock = anchor + 5 * DAY if anchor is not None and not due_overridden else None
        override = Override(
            self.next_override,
            a.id,
            set_type,
            set_id,
            students,
            due if due_overridden else None,
            due_overridden,
            unlock,
            lock,
            state,
            title,
        )
        self.next_override += 1
        a.overrides.append(override)


class _Cycle:
    """Hands out ids from a pool in a reshuffled cyclic order: everyone is used about equally often."""

    def __init__(self, rng: Random, pool: list[int]) -> None:
        self.rng = rng
        self.pool = list(pool)
        self.order: list[int] = []

    def next(self, exclude: list[int] | None = None) -> int:
        for _ in range(len(self.pool) * 2 + 2):
            if not self.order:
                self.order = list(self.pool)
                self.rng.shuffle(self.order)
            uid = self.order.pop()
            if not exclude or uid not in exclude:
                return uid
        return self.pool[0]  # pragma: no cover - pools are always larger than an exclusion list

    def take(self, count: int) -> list[int]:
        """``count`` distinct ids (fewer if the pool is smaller)."""
        count = min(count, len(self.pool))
        chosen: list[int] = []
        seen: set[int] = set()
        while len(chosen) < count:
            if not self.order:
                self.order = list(self.pool)
                self.rng.shuffle(self.order)
            uid = self.order.pop()
            if uid not in seen:
                seen.add(uid)
                chosen.append(uid)
        return chosen


def effective_due_dates(course: Course, a: Assignment, roster: dict[int, list[int]]) -> dict[int, int | None]:
    """The due date of ``a`` for every student of ``roster`` it is assigned to (CONTRACT §7.3).

    ``roster`` maps students to the sections of their active or completed student enrollments. Students
    missing from the result are not assigned the assignment (only_visible_to_overrides).
    """
    active = [o for o in a.overrides if o.state == "active"]
    if not active:
        if a.ovto:
            return {}
        return dict.fromkeys(roster, a.due)
    by_section: dict[int, list[Override]] = {}
    by_student: dict[int, list[Override]] = {}
    for o in active:
        if o.set_type == "CourseSection" and o.set_id is not None:
            by_section.setdefault(o.set_id, []).append(o)
        elif o.set_type == "ADHOC":
            for uid in o.students:
                by_student.setdefault(uid, []).append(o)
    result: dict[int, int | None] = {}
    for uid, sections in roster.items():
        applicable = list(by_student.get(uid, ()))
        for sid in sections:
            applicable.extend(by_section.get(sid, ()))
        if not applicable:
            if not a.ovto:
                result[uid] = a.due
            continue
        dues = [o.due if o.due_overridden else a.due for o in applicable]
        # The latest date wins; no due date at all counts as the latest (§7.3).
        result[uid] = None if any(d is None for d in dues) else max(d for d in dues if d is not None)
    return result


def clamp_past(seconds: int) -> int:
    """A time that must lie before the institution's "today"."""
    return min(seconds, ANCHOR_S - HOUR)
