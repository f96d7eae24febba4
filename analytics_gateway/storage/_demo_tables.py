"""JSONL export files of the demo institution: every DAP table except web_logs.

Records follow canvas-data-2-import.md §1.2: ``{"meta":{"ts":...,"action":"U"},"key":{"id":...},
"value":{...}}``, one per line, null properties omitted as DAP does. Values are derived from the model of
:mod:`._demo_model`, so that tables agree with each other the way Canvas's do: a submission's
``cached_due_date`` is its student's effective due date (CONTRACT §7.3), a course score is computed from the
student's posted grades, a conversation's participants are enrolled in its course, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from statistics import NormalDist
from typing import IO, Any

import orjson

from analytics_gateway.storage._demo_model import (
    ANALYST_USER_ID,
    CURRENT_TERM,
    DEMO_ADMIN_USER_ID,
    FORMER_ADMIN_USER_ID,
    OVERRIDE_STUDENT_BASE,
    PAST_TERM,
    PSEUDONYM_BASE,
    ROLE_IDS,
    ROOT_ACCOUNT_ID,
    SUBACCOUNT_ADMIN_USER_ID,
    TIME_ZONE,
    Assignment,
    Course,
    Institution,
    ascii_login,
    effective_due_dates,
)
from analytics_gateway.storage._demo_names import NICKNAMES
from analytics_gateway.storage._demo_time import ANCHOR_S, DAY, EXPORT_TS, HOUR, epoch, iso
from analytics_gateway.storage._demo_weblogs import CourseActivity, WebLogPlan, open_part
from analytics_gateway.storage.tables import DAP_TABLES

__all__ = ["CourseContent", "JsonlTable", "build_content", "web_log_plan", "write_tables"]

SUBMISSION_BASE = 10_000_000
SCORE_BASE = 2_000_000
COMMENT_BASE = 8_000_000
MODULE_BASE = 600_000
TAG_BASE = 700_000
TOPIC_BASE = 800_000
ATTACHMENT_BASE = 900_000
MEDIA_BASE = 950_000
FOLDER_BASE = 960_000
PAGE_BASE = 980_000
CONVERSATION_BASE = 4_000_000
MESSAGE_BASE = 5_000_000
PARTICIPANT_BASE = 6_000_000

JSON_GZIP_LEVEL = 6
# Small write batches: big joined buffers would be fresh memory mappings each time (page faults, sys time).
FLUSH_RECORDS = 2_000
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_RECORD_HEAD = b'{"meta":{"ts":"' + EXPORT_TS.encode() + b'","action":"U"},"key":{"id":'


class JsonlTable:
    """Writes one table's records into ``part-NNNNN.json[.gz]`` files of at most ``part_rows`` records."""

    def __init__(self, folder: Path, *, compress: bool, part_rows: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.compress = compress
        self.part_rows = part_rows
        self.rows = 0
        self._lines: list[bytes] = []
        self._part = 0
        self._in_part = 0
        self._files = ExitStack()
        self._out: IO[bytes] | None = None

    def add(self, key: int, value: dict[str, Any]) -> None:
        """Append a record; properties whose value is None are left out (a missing property is NULL)."""
        self._lines.append(
            b"".join(
                (
                    _RECORD_HEAD,
                    str(key).encode(),
                    b'},"value":',
                    orjson.dumps({k: v for k, v in value.items() if v is not None}),
                    b"}\n",
                )
            )
        )
        self._count()

    def add_clean(self, key: int, value: dict[str, Any]) -> None:
        """Append a record whose value holds no None (the caller left NULL properties out)."""
        self._lines.append(
            b"".join((_RECORD_HEAD, str(key).encode(), b'},"value":', orjson.dumps(value), b"}\n"))
        )
        self._count()

    def _count(self) -> None:
        self.rows += 1
        self._in_part += 1
        if self._in_part >= self.part_rows:
            self._flush()
            self._end_part()
        elif len(self._lines) >= FLUSH_RECORDS:
            self._flush()

    def _flush(self) -> None:
        if self._out is None:
            suffix = ".json.gz" if self.compress else ".json"
            path = self.folder / f"part-{self._part:05d}{suffix}"
            self._out = self._files.enter_context(open_part(path, self.compress, JSON_GZIP_LEVEL))
        self._out.write(b"".join(self._lines))
        self._lines.clear()

    def _end_part(self) -> None:
        self._files.close()
        self._out = None
        self._part += 1
        self._in_part = 0

    def close(self) -> int:
        """Finish the last part (an empty table still gets one, empty, part); returns the rows written."""
        if self._lines or (self._out is None and self._part == 0):
            self._flush()
        self._end_part()
        return self.rows


@dataclass
class CourseContent:
    """A course's modules, module items, discussions, files and media, decided before anything is written."""

    folder_id: int
    modules: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    tags: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    topics: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    attachments: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    media: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


def _uuid(rng: Random) -> str:
    """A Canvas-style uuid (40 random letters and digits)."""
    return "".join(rng.choices(_ALNUM, k=40))


def _rng(inst: Institution, part: str) -> Random:
    return Random(f"{inst.seed}:{part}")


def _visible(course: Course) -> bool:
    """Courses people work in (published now or in the past)."""
    return course.state in ("available", "completed")


# --- course content (also needed by the web_logs plan, so built first) -----------------------------------


def build_content(inst: Institution) -> list[CourseContent]:
    """Modules, module items, discussion topics, attachments, media objects and wiki pages of every course."""
    builder = _ContentBuilder(_rng(inst, "content"))
    return [builder.course(course) for course in inst.courses]


class _ContentBuilder:
    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.ids = {"module": MODULE_BASE, "tag": TAG_BASE, "topic": TOPIC_BASE, "file": ATTACHMENT_BASE}
        self.ids |= {"media": MEDIA_BASE, "page": PAGE_BASE}

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def course(self, course: Course) -> CourseContent:
        content = CourseContent(folder_id=FOLDER_BASE + course.index + 1)
        made = course.created + 2 * DAY
        stamp = {"created_at": iso(made), "updated_at": iso(min(made + 30 * DAY, ANCHOR_S - DAY))}
        files = self.files(course, content, stamp)
        self.media(course, content, stamp)
        # Wiki pages (not an imported table, but module items and web_logs point at them).
        pages = [
            (self.next_id("page"), slug) for slug in self.rng.sample(_PAGE_SLUGS, self.rng.randint(2, 5))
        ]
        content.pages = [slug for _, slug in pages]
        self.topics(course, content)
        self.modules(course, content, stamp, files, pages)
        return content

    def files(self, course: Course, content: CourseContent, stamp: dict[str, str]) -> list[int]:
        """Course files (some hidden or deleted) and a few students' own files; returns available ids."""
        rng = self.rng
        available: list[int] = []
        for n in range(25 if course.index == 0 else rng.randint(3, 12)):
            fid = self.next_id("file")
            ext, mime = rng.choice(_FILE_TYPES)
            x = rng.random()
            file_state = "available" if x < 0.8 else ("hidden" if x < 0.9 else "deleted")
            name = f"{rng.choice(_FILE_TITLES)} {n + 1}.{ext}"
            value = {
                "context_id": course.id,
                "context_type": "Course",
                "file_state": file_state,
                "workflow_state": "deleted" if file_state == "deleted" else "processed",
                "display_name": name,
                "filename": name.replace(" ", "_"),
                "content_type": mime,
                "size": int(rng.lognormvariate(12.5, 1.2)),
                "user_id": course.teachers[0],
                "folder_id": content.folder_id,
            }
            content.attachments.append((fid, value | stamp))
            if file_state == "available":
                available.append(fid)
        # Students' uploads live in their own (User) context: they are not course files.
        for uid in list(course.student_sections())[: rng.randint(0, 2)]:
            value = {
                "context_id": uid,
                "context_type": "User",
                "file_state": "available",
                "workflow_state": "processed",
                "display_name": "my_submission.pdf",
                "filename": "my_submission.pdf",
                "content_type": "application/pdf",
                "size": int(rng.lognormvariate(11.5, 1.0)),
                "user_id": uid,
            }
            content.attachments.append((self.next_id("file"), value | stamp))
        return available

    def media(self, course: Course, content: CourseContent, stamp: dict[str, str]) -> None:
        rng = self.rng
        for n in range(6 if course.index == 0 else rng.randint(0, 4)):
            x = rng.random()
            value = {
                "context_id": course.id,
                "context_type": "Course",
                "workflow_state": "active" if x < 0.85 else ("deleted" if x < 0.95 else "pending"),
                "media_id": "m-" + _uuid(rng)[:30],
                "title": f"Lecture {n + 1} recording.mp4",
                "user_id": course.teachers[0],
            }
            content.media.append((self.next_id("media"), value | stamp))

    def topics(self, course: Course, content: CourseContent) -> None:
        """One topic per graded discussion assignment, a few ungraded discussions, and announcements."""
        rng = self.rng
        start, end = course.active_window
        students = list(course.student_sections())
        specs: list[tuple[str | None, str, int | None, int | None]] = [
            (None, a.title, a.id, a.created)
            for a in course.assignments
            if a.kind == "discussion" and a.state != "deleted"
        ]
        for n in range(rng.randint(1, 4)):
            specs.append((None, f"{rng.choice(_DISCUSSION_TITLES)} ({n + 1})", None, None))
        for n in range(rng.randint(2, 6)):
            specs.append(("Announcement", f"{rng.choice(_ANNOUNCEMENT_TITLES)} #{n + 1}", None, None))
        for topic_type, title, assignment_id, created in specs:
            posted = min(
                created or start + int(rng.random() * max(DAY, min(end, ANCHOR_S) - start - DAY)),
                ANCHOR_S - HOUR,
            )
            x = rng.random()
            state = (
                "active" if x < 0.8 else ("deleted" if x < 0.9 else ("locked" if x < 0.95 else "unpublished"))
            )
            delayed = None
            if topic_type == "Announcement" and rng.random() < 0.08:
                state, delayed = "post_delayed", ANCHOR_S + rng.randint(1, 10) * DAY
            # Students may start discussions of their own (most courses allow it).
            student_topic = topic_type is None and students and assignment_id is None and rng.random() < 0.2
            value = {
                "context_id": course.id,
                "context_type": "Course",
                "type": topic_type,
                "title": title,
                "workflow_state": state,
                "assignment_id": assignment_id,
                "posted_at": iso(posted) if state in ("active", "locked") else None,
                "delayed_post_at": iso(delayed) if delayed else None,
                "user_id": rng.choice(students) if student_topic else course.teachers[0],
                "created_at": iso(posted - HOUR),
                "updated_at": iso(min(posted + DAY, ANCHOR_S - HOUR)),
            }
            content.topics.append((self.next_id("topic"), value))

    def modules(
        self,
        course: Course,
        content: CourseContent,
        stamp: dict[str, str],
        files: list[int],
        pages: list[tuple[int, str]],
    ) -> None:
        """Modules in due-date order; every published assignment is an item of one module (a few of none,
        a few of two), next to readings, pages and sub-headers."""
        rng = self.rng
        start = course.active_window[0]
        published = [a for a in course.assignments if a.state == "published"]
        n_modules = max(1, math.ceil(len(published) / 5))
        modules: list[int] = []
        positions: dict[int, int] = {}
        for n in range(n_modules):
            mid = self.next_id("module")
            modules.append(mid)
            positions[mid] = 0
            last = n == n_modules - 1 and n_modules > 2
            unlock = start + n * 7 * DAY if rng.random() < 0.3 else None
            value = {
                "context_id": course.id,
                "context_type": "Course",
                "name": f"Week {n + 1}: {rng.choice(_MODULE_TOPICS)}",
                "position": n + 1,
                "workflow_state": "unpublished" if last and rng.random() < 0.5 else "active",
                "unlock_at": iso(unlock) if unlock else None,
            }
            content.modules.append((mid, value | stamp))
        if n_modules > 2 and rng.random() < 0.2:  # a module deleted together with its items
            mid = self.next_id("module")
            value = {"context_id": course.id, "context_type": "Course", "name": "Old module", "position": 99}
            content.modules.append((mid, value | {"workflow_state": "deleted"} | stamp))
            tag = _tag(course, mid, "ContextModuleSubHeader", None, 1, "Archived", "deleted")
            content.tags.append((self.next_id("tag"), tag | stamp))

        def add(
            mid: int, content_type: str, content_id: int | None, title: str, url: str | None = None
        ) -> None:
            positions[mid] += 1
            state = "active" if rng.random() < 0.95 else rng.choice(("unpublished", "deleted"))
            tag = _tag(course, mid, content_type, content_id, positions[mid], title, state, url)
            content.tags.append((self.next_id("tag"), tag | stamp))

        for n, mid in enumerate(modules):
            add(mid, "ContextModuleSubHeader", None, "Readings")
            if files:
                add(mid, "Attachment", files[n % len(files)], "Reading")
            page_id, slug = pages[n % len(pages)]
            add(mid, "WikiPage", page_id, slug.replace("-", " ").title())
            if n == 0:
                add(mid, "ExternalUrl", None, "Library guide", "https://library.example.edu/guides/start")
        for n, a in enumerate(published):
            if rng.random() < 0.1 and course.index != 0:
                continue  # not in any module
            mid = modules[min(len(modules) - 1, n // 5)]
            add(mid, "Assignment", a.id, a.title)
            if rng.random() < 0.03 and len(modules) > 1:
                add(
                    modules[-1] if mid != modules[-1] else modules[0],
                    "Assignment",
                    a.id,
                    f"{a.title} (review)",
                )


def _tag(
    course: Course,
    module_id: int,
    content_type: str,
    content_id: int | None,
    position: int,
    title: str,
    state: str,
    url: str | None = None,
) -> dict[str, Any]:
    return {
        "tag_type": "context_module",
        "context_module_id": module_id,
        "context_id": course.id,
        "context_type": "Course",
        "content_type": content_type,
        "content_id": content_id if content_id is not None else 0,
        "position": position,
        "title": title,
        "url": url,
        "workflow_state": state,
    }


_PAGE_SLUGS = (
    "course-overview",
    "office-hours",
    "how-to-submit",
    "grading-policy",
    "reading-list",
    "lab-safety",
    "project-guidelines",
    "faq",
)
_DISCUSSION_TITLES = ("Introduce yourself", "Questions about the readings", "Study group", "Course feedback")
_ANNOUNCEMENT_TITLES = (
    "Welcome to the course",
    "Room change",
    "Exam information",
    "Reminder",
    "Grades posted",
)
_MODULE_TOPICS = ("Foundations", "Core ideas", "Methods", "Case studies", "Practice", "Review")
_FILE_TITLES = ("Lecture notes", "Slides", "Reading", "Worksheet", "Solutions", "Syllabus")
_FILE_TYPES = (
    ("pdf", "application/pdf"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("png", "image/png"),
    ("mp4", "video/mp4"),
    ("ipynb", "application/x-ipynb+json"),
)


# --- the web_logs plan ------------------------------------------------------------------------------------

_WEEKDAY_WEIGHTS = (1.0, 1.05, 1.0, 0.95, 0.7, 0.45, 0.8)  # Monday first
# Page visitors other than students: (kind of pages they see, how much they visit relative to a student).
_VISITORS = {
    "TeacherEnrollment": ("t", 2.0),
    "TaEnrollment": ("t", 1.5),
    "DesignerEnrollment": ("t", 0.4),
    "ObserverEnrollment": ("o", 0.15),
    "StudentViewEnrollment": ("s", 0.08),  # teachers looking at their course as the Test Student
}


def _calendar(
    first: int, last: int, dips: Iterable[tuple[int, int]]
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Days ``first`` .. ``last`` (epoch seconds, inclusive) with weekday weights; ``dips`` are holidays."""
    holidays = list(dips)
    days: list[int] = []
    weights: list[float] = []
    for day in range(first // DAY, last // DAY + 1):
        weight = _WEEKDAY_WEIGHTS[(day + 3) % 7]  # 1970-01-01 was a Thursday
        if any(lo // DAY <= day <= hi // DAY for lo, hi in holidays):
            weight *= 0.3
        days.append(day)
        weights.append(weight)
    return tuple(days), tuple(weights)


def web_log_plan(inst: Institution, content: list[CourseContent]) -> WebLogPlan:
    """Who visits which course on which days, and how much: the input of the web_logs workers."""
    cfg = inst.config
    calendars = (
        _calendar(*PAST_TERM, [(epoch(2026, 3, 16), epoch(2026, 3, 20))]),  # spring break
        # The fall term up to "today", with a Thanksgiving dip.
        _calendar(CURRENT_TERM[0], ANCHOR_S - DAY, [(epoch(2026, 11, 25), epoch(2026, 11, 27))]),
        _calendar(epoch(2026, 11, 9), ANCHOR_S - DAY, []),  # teachers preparing next term's courses
    )
    courses: list[CourseActivity] = []
    actors: list[tuple[int, int, str, int]] = []
    weights: list[float] = []
    for course, extra in zip(inst.courses, content, strict=True):
        if course.state == "deleted":
            continue
        visible = _visible(course) and course.term.key != "future"
        calendar = {"past": 0, "future": 2}.get(course.term.key, 1 if visible else 2)
        index = len(courses)
        published = [a for a in course.assignments if a.state == "published"]
        courses.append(
            CourseActivity(
                course_id=course.id,
                assignments=tuple((a.id, a.kind, a.quiz_id) for a in published),
                discussions=tuple(
                    t for t, v in extra.topics if v.get("type") is None and v["workflow_state"] == "active"
                ),
                announcements=tuple(
                    t
                    for t, v in extra.topics
                    if v.get("type") == "Announcement" and v["workflow_state"] == "active"
                ),
                files=tuple(
                    f
                    for f, v in extra.attachments
                    if v["context_type"] == "Course" and v["file_state"] == "available"
                ),
                pages=tuple(extra.pages),
                module_items=tuple(t for t, v in extra.tags if v["content_type"] == "Assignment"),
                folder_id=extra.folder_id,
            )
        )
        factor = 0.6 if course.term.key == "past" else 1.0
        seen: set[int] = set()
        for enr in course.enrollments:
            if enr.user_id in seen or enr.state not in ("active", "completed"):
                continue
            role, weight = _VISITORS.get(enr.type) or ("s", inst.engagement.get(enr.user_id, 1.0))
            if not visible and role != "t":
                continue  # unpublished and future courses: only their teachers work in them
            seen.add(enr.user_id)
            actors.append((enr.user_id, index, role, calendar))
            weights.append(weight * factor)
    total = cfg.web_logs
    parts = cfg.web_log_parts
    part_rows = tuple(total // parts + (1 if i < total % parts else 0) for i in range(parts))
    return WebLogPlan(
        seed=inst.seed,
        part_rows=part_rows,
        compress=cfg.gzip,
        calendars=calendars,
        courses=tuple(courses),
        actors=tuple(actors),
        actor_weights=tuple(weights),
        masqueraders=(DEMO_ADMIN_USER_ID, SUBACCOUNT_ADMIN_USER_ID),
    )


# --- writing ----------------------------------------------------------------------------------------------


def write_tables(inst: Institution, content: list[CourseContent], out_dir: Path) -> dict[str, int]:
    """Write every JSONL table; returns rows written per table."""
    writer = _Writer(inst, content, out_dir)
    return writer.run()


class _Writer:
    def __init__(self, inst: Institution, content: list[CourseContent], out_dir: Path) -> None:
        self.inst = inst
        self.content = content
        self.out_dir = out_dir
        self.tables: dict[str, JsonlTable] = {}
        self.pseudonym_of: dict[int, int] = {}
        self.next = {
            "submission": SUBMISSION_BASE,
            "score": SCORE_BASE,
            "comment": COMMENT_BASE,
            "conversation": CONVERSATION_BASE,
            "message": MESSAGE_BASE,
            "participant": PARTICIPANT_BASE,
            "override_student": OVERRIDE_STUDENT_BASE,
        }

    def t(self, name: str) -> JsonlTable:
        table = self.tables.get(name)
        if table is None:
            cfg = self.inst.config
            table = self.tables[name] = JsonlTable(
                self.out_dir / name, compress=cfg.gzip, part_rows=cfg.json_part_rows
            )
        return table

    def new_id(self, kind: str) -> int:
        self.next[kind] += 1
        return self.next[kind]

    def run(self) -> dict[str, int]:
        for name in DAP_TABLES:  # every table gets a folder, even one that ends up empty
            if name != "web_logs":
                self.t(name)
        self.accounts()
        self.terms()
        self.roles()
        self.users()
        self.courses()
        for course, content in zip(self.inst.courses, self.content, strict=True):
            self.course_content(course, content)
        self.activity()
        return {name: table.close() for name, table in sorted(self.tables.items())}

    # --- institution-wide tables ----------------------------------------------------------------------

    def accounts(self) -> None:
        rng = _rng(self.inst, "accounts-records")
        for acc in self.inst.accounts:
            self.t("accounts").add(
                acc.id,
                {
                    "name": acc.name,
                    "parent_account_id": acc.parent_id,
                    "root_account_id": ROOT_ACCOUNT_ID if acc.parent_id is not None else None,
                    "workflow_state": acc.state,
                    "sis_source_id": acc.sis,
                    "uuid": _uuid(rng),
                    "default_time_zone": TIME_ZONE,
                    "created_at": iso(acc.created),
                    "updated_at": iso(acc.created + 400 * DAY),
                },
            )

    def terms(self) -> None:
        for term in self.inst.terms:
            made = (term.start or epoch(2019, 6, 3)) - 120 * DAY
            self.t("enrollment_terms").add(
                term.id,
                {
                    "root_account_id": ROOT_ACCOUNT_ID,
                    "name": term.name,
                    "term_code": term.code,
                    "start_at": iso(term.start) if term.start else None,
                    "end_at": iso(term.end) if term.end else None,
                    "workflow_state": "active",
                    "sis_source_id": term.sis,
                    "created_at": iso(made),
                    "updated_at": iso(made + DAY),
                },
            )

    def roles(self) -> None:
        made = iso(epoch(2019, 6, 3, 15))
        for name, role_id in ROLE_IDS.items():
            custom = name in ("Department Analyst", "Grader")
            base = {"Department Analyst": "AccountMembership", "Grader": "TaEnrollment"}.get(name, name)
            self.t("roles").add(
                role_id,
                {
                    "name": name,
                    "account_id": ROOT_ACCOUNT_ID,
                    "root_account_id": ROOT_ACCOUNT_ID,
                    "base_role_type": base,
                    "workflow_state": "active" if custom else "built_in",
                    "created_at": made,
                    "updated_at": made,
                },
            )
        faculty = self.inst.accounts[1].id  # the first faculty
        departments = self.inst.departments
        other_dept = departments[-1].id
        overrides = [
            # Students may see their own analytics in the first faculty's courses (behaviour §5).
            (ROLE_IDS["StudentEnrollment"], faculty, "view_analytics", True, False, True, True),
            (ROLE_IDS["Department Analyst"], ROOT_ACCOUNT_ID, "view_analytics", True, False, True, True),
            (ROLE_IDS["Department Analyst"], ROOT_ACCOUNT_ID, "view_all_grades", True, False, True, True),
            (ROLE_IDS["Department Analyst"], ROOT_ACCOUNT_ID, "read_course_list", True, True, True, True),
            (ROLE_IDS["TaEnrollment"], other_dept, "view_analytics", False, False, True, True),
            (ROLE_IDS["Grader"], ROOT_ACCOUNT_ID, "manage_grades", True, False, True, True),
        ]
        for n, (role_id, account, permission, enabled, locked, self_, descendants) in enumerate(overrides, 1):
            self.t("role_overrides").add(
                n,
                {
                    "role_id": role_id,
                    "context_id": account,
                    "context_type": "Account",
                    "permission": permission,
                    "enabled": enabled,
                    "locked": locked,
                    "applies_to_self": self_,
                    "applies_to_descendants": descendants,
                    "created_at": made,
                    "updated_at": made,
                },
            )
        analyst_account = departments[min(2, len(departments) - 1)].id
        grants = [
            (DEMO_ADMIN_USER_ID, ROOT_ACCOUNT_ID, ROLE_IDS["AccountAdmin"], "active"),
            (SUBACCOUNT_ADMIN_USER_ID, faculty, ROLE_IDS["AccountAdmin"], "active"),
            (ANALYST_USER_ID, analyst_account, ROLE_IDS["Department Analyst"], "active"),
            (FORMER_ADMIN_USER_ID, ROOT_ACCOUNT_ID, ROLE_IDS["AccountAdmin"], "deleted"),
        ]
        for n, (user_id, account, role_id, state) in enumerate(grants, 1):
            self.t("account_users").add(
                n,
                {
                    "user_id": user_id,
                    "account_id": account,
                    "role_id": role_id,
                    "workflow_state": state,
                    "created_at": made,
                    "updated_at": made,
                },
            )

    def users(self) -> None:
        rng = _rng(self.inst, "users-records")
        users_t, pseudonyms_t = self.t("users"), self.t("pseudonyms")
        next_pseudonym = PSEUDONYM_BASE
        logins: set[str] = set()
        for user in self.inst.users:
            short = NICKNAMES.get(user.first, user.first) if rng.random() < 0.3 else user.first
            deleted_at = iso(user.created + 300 * DAY) if user.state == "deleted" else None
            users_t.add(
                user.id,
                {
                    "name": user.name,
                    "sortable_name": user.sortable_name,
                    "short_name": f"{short} {user.last}",
                    "workflow_state": user.state,
                    "time_zone": TIME_ZONE if rng.random() < 0.4 else None,
                    "merged_into_user_id": user.merged_into,
                    "uuid": _uuid(rng),
                    "deleted_at": deleted_at,
                    "created_at": iso(user.created),
                    "updated_at": iso(min(user.created + 200 * DAY, ANCHOR_S - DAY)),
                },
            )
            if user.kind == "test":
                continue  # the Test Student cannot log in
            base = f"{ascii_login(user.first)}.{ascii_login(user.last)}"
            login = f"{base}@demo.edu" if base not in logins else f"{base}{user.id}@demo.edu"
            logins.add(base)
            if user.kind == "student":
                sis = f"S{user.id:07d}" if rng.random() < 0.97 else None
            else:
                sis = f"E{user.id:05d}" if user.kind != "admin" or user.id == DEMO_ADMIN_USER_ID else None
            next_pseudonym += 1
            self.pseudonym_of[user.id] = next_pseudonym
            state = (
                "deleted" if user.state == "deleted" else ("suspended" if rng.random() < 0.003 else "active")
            )
            pseudonyms_t.add(
                next_pseudonym,
                {
                    "user_id": user.id,
                    "account_id": ROOT_ACCOUNT_ID,
                    "workflow_state": state,
                    "unique_id": login,
                    "sis_user_id": sis,
                    "integration_id": f"int-{user.id}" if sis and rng.random() < 0.2 else None,
                    "position": 1,
                    "deleted_at": deleted_at,
                    "last_login_at": iso(ANCHOR_S - int(rng.random() * 20 * DAY))
                    if state == "active"
                    else None,
                    "created_at": iso(user.created),
                    "updated_at": iso(min(user.created + 100 * DAY, ANCHOR_S - DAY)),
                },
            )
            if rng.random() < 0.01:  # an old login, replaced and deleted
                next_pseudonym += 1
                pseudonyms_t.add(
                    next_pseudonym,
                    {
                        "user_id": user.id,
                        "account_id": ROOT_ACCOUNT_ID,
                        "workflow_state": "deleted",
                        "unique_id": f"old.{user.id}@demo.edu",
                        "position": 2,
                        "deleted_at": iso(user.created + 30 * DAY),
                        "created_at": iso(user.created),
                        "updated_at": iso(user.created + 30 * DAY),
                    },
                )

    def courses(self) -> None:
        rng = _rng(self.inst, "courses-records")
        courses_t, sections_t, enrollments_t = (
            self.t("courses"),
            self.t("course_sections"),
            self.t("enrollments"),
        )
        for course in self.inst.courses:
            updated = iso(min(course.created + 90 * DAY, ANCHOR_S - DAY))
            courses_t.add(
                course.id,
                {
                    "name": course.name,
                    "course_code": course.code,
                    "account_id": course.account_id,
                    "root_account_id": ROOT_ACCOUNT_ID,
                    "enrollment_term_id": course.term.id,
                    "workflow_state": course.state,
                    "start_at": iso(course.start_at) if course.start_at else None,
                    "conclude_at": iso(course.conclude_at) if course.conclude_at else None,
                    "restrict_enrollments_to_course_dates": course.restrict_dates,
                    "sis_source_id": course.sis,
                    "uuid": _uuid(rng),
                    "time_zone": TIME_ZONE,
                    "settings": course.settings,
                    "created_at": iso(course.created),
                    "updated_at": updated,
                },
            )
            for section in course.sections:
                sections_t.add(
                    section.id,
                    {
                        "course_id": course.id,
                        "root_account_id": ROOT_ACCOUNT_ID,
                        "name": section.name,
                        "workflow_state": section.state,
                        "nonxlist_course_id": section.nonxlist_course_id,
                        "start_at": iso(section.start) if section.start is not None else None,
                        "end_at": iso(section.end) if section.end is not None else None,
                        "restrict_enrollments_to_section_dates": section.start is not None,
                        "sis_source_id": section.sis,
                        "created_at": iso(course.created),
                        "updated_at": updated,
                    },
                )
            start, end = course.active_window
            for enr in course.enrollments:
                live = enr.state in ("active", "completed")
                activity = min(ANCHOR_S - HOUR, start + int(rng.random() * (end - start))) if live else None
                enrollments_t.add(
                    enr.id,
                    {
                        "user_id": enr.user_id,
                        "course_id": course.id,
                        "course_section_id": enr.section_id,
                        "role_id": enr.role_id,
                        "root_account_id": ROOT_ACCOUNT_ID,
                        "type": enr.type,
                        "workflow_state": enr.state,
                        "associated_user_id": enr.associated_user_id,
                        "limit_privileges_to_course_section": enr.limited,
                        # Courses restricted to their own dates carry them on every enrollment (SIS feeds).
                        "start_at": iso(course.start_at) if course.start_at else None,
                        "end_at": iso(course.conclude_at) if course.conclude_at else None,
                        "completed_at": iso(end) if enr.state == "completed" and end < ANCHOR_S else None,
                        "last_activity_at": iso(activity) if activity else None,
                        "total_activity_time": int(rng.random() * 200 * HOUR) if activity else None,
                        "sis_pseudonym_id": self.pseudonym_of.get(enr.user_id) if course.sis else None,
                        "created_at": iso(enr.created),
                        "updated_at": iso(min(enr.created + 20 * DAY, ANCHOR_S - DAY)),
                    },
                )

    # --- per course ---------------------------------------------------------------------------------------

    def course_content(self, course: Course, content: CourseContent) -> None:
        for table, records in (
            ("context_modules", content.modules),
            ("content_tags", content.tags),
            ("discussion_topics", content.topics),
            ("attachments", content.attachments),
            ("media_objects", content.media),
        ):
            out = self.t(table)
            for key, value in records:
                out.add(key, value)

    def activity(self) -> None:
        """Assignments with overrides, submissions, comments and scores, and conversations, per course."""
        rng = _rng(self.inst, "submissions")
        conv_rng = _rng(self.inst, "conversations")
        for course in self.inst.courses:
            self.assignments(course)
            _CourseGrades(self, course, rng).run()
            if _visible(course) and course.term.key != "future":
                self.conversations(course, conv_rng)

    def assignments(self, course: Course) -> None:
        assignments_t = self.t("assignments")
        overrides_t, students_t = self.t("assignment_overrides"), self.t("assignment_override_students")
        for a in course.assignments:
            made = iso(a.created)
            changed = iso(min(a.created + 5 * DAY, ANCHOR_S - DAY))
            assignments_t.add(
                a.id,
                {
                    "context_id": course.id,
                    "context_type": "Course",
                    "title": a.title,
                    "workflow_state": a.state,
                    "points_possible": a.points,
                    "due_at": iso(a.due) if a.due else None,
                    "unlock_at": iso(a.unlock) if a.unlock else None,
                    "lock_at": iso(a.lock) if a.lock else None,
                    "all_day": a.all_day,
                    "submission_types": a.types,
                    "grading_type": a.grading_type,
                    "assignment_group_id": a.group_id,
                    "only_visible_to_overrides": a.ovto,
                    "omit_from_final_grade": a.kind == "not_graded",
                    "position": a.position,
                    "created_at": made,
                    "updated_at": changed,
                },
            )
            for o in a.overrides:
                overrides_t.add(
                    o.id,
                    {
                        "assignment_id": a.id,
                        "quiz_id": a.quiz_id,
                        "set_type": o.set_type,
                        "set_id": o.set_id,
                        "due_at": iso(o.due) if o.due else None,
                        "unlock_at": iso(o.unlock) if o.unlock else None,
                        "lock_at": iso(o.lock) if o.lock else None,
                        "due_at_overridden": o.due_overridden,
                        "unlock_at_overridden": o.unlock is not None,
                        "lock_at_overridden": o.lock is not None,
                        "all_day": a.all_day and o.due_overridden,
                        "workflow_state": o.state,
                        "title": o.title,
                        "created_at": changed,
                        "updated_at": changed,
                    },
                )
                for uid in o.students:
                    students_t.add(
                        self.new_id("override_student"),
                        {
                            "assignment_override_id": o.id,
                            "user_id": uid,
                            "assignment_id": a.id,
                            "quiz_id": a.quiz_id,
                            "workflow_state": "active" if o.state == "active" else "deleted",
                            "created_at": changed,
                            "updated_at": changed,
                        },
                    )

    def conversations(self, course: Course, rng: Random) -> None:
        """Inbox conversations in the course: student-instructor threads, class messages, student chats."""
        students = [u for u, _ in course.student_sections().items()]
        if not students:
            return
        conversations_t, messages_t = self.t("conversations"), self.t("conversation_messages")
        participants_t = self.t("conversation_message_participants")
        start, end = course.active_window
        last = min(end, ANCHOR_S - DAY)
        tag = f"course_{course.id}"
        instructors = course.teachers + course.tas
        for _ in range(max(1, len(students) // 5)):
            x = rng.random()
            generated_intro = False
            if x < 0.55:  # a student writes to an instructor (teacher or TA), who answers
                people = [
                    rng.choice(students),
                    rng.choice(instructors if rng.random() < 0.3 else course.teachers),
                ]
                authors = [people[i % 2] for i in range(rng.randint(1, 4))]
            elif x < 0.75:  # an instructor messages a group of students
                people = [
                    rng.choice(course.teachers),
                    *rng.sample(students, min(len(students), rng.randint(3, 8))),
                ]
                authors = [people[0]] + [rng.choice(people[1:]) for _ in range(rng.randint(0, 2))]
                generated_intro = rng.random() < 0.3
            else:  # students among themselves
                people = rng.sample(students, min(len(students), rng.randint(2, 3)))
                authors = [rng.choice(people) for _ in range(rng.randint(1, 3))]
            conversation = self.new_id("conversation")
            when = start + int(rng.random() * max(DAY, last - start))
            subject = rng.choice(_SUBJECTS)
            messages: list[tuple[int, int, bool, str]] = []
            if generated_intro:
                messages.append((people[0], when - 60, True, "Added participants to the conversation."))
            for author in authors:
                messages.append((author, when, False, rng.choice(_BODIES)))
                when += int(rng.random() * 2 * DAY) + 300
            final = min(when, ANCHOR_S - 60)
            conversations_t.add(
                conversation,
                {
                    "context_id": course.id,
                    "context_type": "Course",
                    "tags": tag,
                    "subject": subject,
                    "updated_at": iso(final),
                },
            )
            for author, sent, generated, body in messages:
                sent = min(sent, ANCHOR_S - 120)
                message = self.new_id("message")
                messages_t.add(
                    message,
                    {
                        "conversation_id": conversation,
                        "author_id": author,
                        "created_at": iso(sent),
                        "generated": generated,
                        # Canvas stores the root account as a message's context (canvas-data-2-import §2.2).
                        "context_id": ROOT_ACCOUNT_ID,
                        "context_type": "Account",
                        "body": body,
                    },
                )
                for uid in people:  # every participant, the author included, has a row per message
                    removed = uid != author and rng.random() < 0.03
                    participants_t.add(
                        self.new_id("participant"),
                        {
                            "conversation_message_id": message,
                            "user_id": uid,
                            "workflow_state": "deleted" if removed else "active",
                            "deleted_at": iso(min(sent + DAY, ANCHOR_S - 60)) if removed else None,
                            "tags": tag,
                        },
                    )


_SUBJECTS = (
    "Question about the assignment",
    "Extension request",
    "Office hours",
    "Group project",
    "Re: feedback on my essay",
    "Missing lab",
    "Exam review session",
    "Notes from today's lecture",
)
_BODIES = (
    "Hi, could you clarify what is expected for part 2?",
    "Thanks, that helps a lot!",
    "Sure — see you in office hours on Thursday.",
    "I was sick this week; could I get a few extra days?",
    "Reminder: the review session moved to room B-204.",
    "Does anyone want to study together before the quiz?",
    "I've uploaded a corrected version, sorry about that.",
    "Please check the rubric; points are deducted for late work.",
    "¿Alguien tiene los apuntes de la clase del lunes?",
    'The "final" draft is due Friday, not the outline.',
)
_COMMENTS_TEACHER = (
    "Nice work on the analysis.",
    "Good start — please cite your sources next time.",
    "See the rubric for details.",
    "Excellent! Very clear argument.",
    "Your answer to question 3 is incomplete.",
)
_COMMENTS_STUDENT = (
    "Thank you for the feedback!",
    "I attached the missing page, sorry.",
    "Could you explain the deduction on part b?",
)


class _CourseGrades:
    """Submissions, submission comments and scores of one course (they must agree with each other)."""

    def __init__(self, writer: _Writer, course: Course, rng: Random) -> None:
        self.w = writer
        self.inst = writer.inst
        self.course = course
        self.rng = rng
        self.graders = [*course.teachers, *course.tas]
        self.ability: dict[int, float] = {}
        self.start, self.end = course.active_window
        self.started = self.start < ANCHOR_S - DAY
        self.submissions = writer.t("submissions")
        # student → [posted points, posted possible, graded points, graded possible, ungraded past-due
        # possible]
        self.totals: dict[int, list[float]] = {}
        self.group_totals: dict[tuple[int, int], list[float]] = {}

    def run(self) -> None:
        course = self.course
        roster = course.student_sections(("active", "completed", "inactive"))
        if course.state not in ("deleted", "created", "claimed"):
            for a in course.assignments:
                if a.state == "published":
                    created = iso(a.created)
                    due_text: dict[int | None, str | None] = {None: None}
                    for uid, due in effective_due_dates(course, a, roster).items():
                        if due not in due_text:
                            due_text[due] = iso(due) if due is not None else None
                        self.submission(a, uid, due, created, due_text[due])
        self.scores()

    def _score(self, uid: int, points: float | None) -> float:
        """A score for one piece of work, to the half point: the student's ability plus some noise."""
        base = self.ability.get(uid)
        if base is None:
            base = self.inst.ability.get(uid, 0.75)
            bonus = self.inst.bonus.get((self.course.id, uid))
            if bonus is not None:
                base = max(base, 0.9) + bonus
            self.ability[uid] = base
        # Only extra credit lifts a score above full marks (a few course scores end above 100).
        ceiling = 1.2 if base > 1.0 else 1.0
        perf = base + _NOISE[self.rng.getrandbits(8)]
        return round((points or 10.0) * (ceiling if perf > ceiling else max(0.0, perf)) * 2) / 2

    def _grader(self) -> int:
        graders = self.graders
        return graders[int(self.rng.random() * len(graders))]

    def submission(
        self, a: Assignment, uid: int, due: int | None, created: str, due_text: str | None
    ) -> None:
        """One student's submission row (or, rarely, none) for a published assignment (behaviour §3.5)."""
        rng = self.rng
        r = rng.random
        now = ANCHOR_S
        past = due is not None and due < now
        # Canvas creates a row for every assigned student; a few are missing from exports (a student added
        # after the assignment was published, before the row was backfilled): missing work without a row.
        if r() < 0.03:
            self._count(a, uid, None, False, past)
            return
        start = self.start
        # Nobody works in a course before it starts (next term's courses are only being prepared).
        diligence = self.inst.diligence.get(uid, 0.8) if self.started else 0.0
        submitted: int | None = None
        graded_at: int | None = None
        grader: int | None = None
        score: float | None = None
        state = "unsubmitted"
        late_status: str | None = None
        seconds_late: int | None = None
        excused = False
        deducted: float | None = None
        custom_status: int | None = None
        kind = a.kind
        points = a.points
        if kind != "not_graded" and diligence > 0 and r() < 0.015:
            excused = True
            state = "graded"
            graded_at = min((due or start + 30 * DAY) + DAY, now - HOUR)
            grader = self._grader()
        elif kind == "paper" or kind == "none":
            # Nothing to hand in: the teacher enters grades after the exam or class.
            if past and diligence > 0 and r() < 0.85:
                assert due is not None
                when = due + (1 + int(r() * 5)) * DAY
                if when < now:
                    state, graded_at, grader = "graded", when, self._grader()
                    score = 0.0 if r() < 0.05 else self._score(uid, points)
        elif kind != "not_graded" and diligence > 0:
            if due is None:
                if r() < 0.6:  # some time while the course ran
                    submitted = start + int(r() * (min(now, self.end) - start - HOUR))
            elif not past:
                if r() < 0.3 * diligence:
                    submitted = now - int(r() * min(5 * DAY, now - start - HOUR)) - HOUR
            else:
                u = r()
                if u < diligence:  # on time: hours before the deadline
                    submitted = due - min(10 * DAY, int(rng.expovariate(1 / (10 * HOUR)))) - 60
                    if kind == "quiz" and r() < 0.04:
                        submitted = due + 1 + int(r() * 59)  # within the quiz grace minute (§3.5)
                elif u < diligence + (1 - diligence) * 0.55:  # late
                    submitted = min(due + 60 + int(rng.expovariate(1 / (30 * HOUR))), now - HOUR)
                    if submitted <= due:
                        submitted = None
            if submitted is None and past:
                assert due is not None
                x = r()
                if x < 0.3:  # the teacher marked it missing and entered a zero
                    late_status, score, state = "missing", 0.0, "graded"
                    graded_at, grader = min(due + 2 * DAY, now - HOUR), self._grader()
                elif x < 0.4:
                    late_status = "missing"
                elif x < 0.42:
                    late_status = "extended"
                elif x < 0.425:
                    # An institution-defined status ("Medical leave"): neither late nor missing (§3.5).
                    custom_status = 1
        value: dict[str, Any] = {"assignment_id": a.id, "user_id": uid, "course_id": self.course.id}
        attempt = None
        if submitted is not None:
            submitted = max(submitted, a.created + HOUR)
            state = "submitted"
            attempt = 2 if r() < 0.15 else 1
            value["submission_type"] = (
                rng.choice(a.types) if kind == "text_upload" else _SUBMISSION_TYPE[kind]
            )
            if kind == "quiz":
                # Classic quizzes grade themselves (negative grader id) and post at once.
                graded_at, grader = submitted + 1 + int(r() * 5), -(a.quiz_id or 1)
                score = self._score(uid, points)
                state = "pending_review" if r() < 0.03 else "graded"
            else:
                when = submitted + int((0.5 + r() * 5.5) * DAY)
                if when < now and r() < 0.93:
                    graded_at, grader, state = when, self._grader(), "graded"
                    score = self._score(uid, points)
            if due is not None and submitted > due + (60 if kind == "quiz" else 0):
                x = r()
                if x < 0.15:
                    late_status, seconds_late = "late", (submitted - due) // HOUR * HOUR + HOUR
                elif x < 0.2:
                    late_status = "none"  # the teacher waived the penalty
                if self.course.late_policy and late_status != "none" and score is not None and points:
                    deducted = round(min(points * 0.5, points * 0.1 * math.ceil((submitted - due) / DAY)), 2)
                    score = max(0.0, score - deducted)
            elif r() < 0.004:
                late_status, seconds_late = "late", HOUR  # marked late by hand although on time
            value["submitted_at"] = iso(submitted)
        if r() < 0.003:
            state = "deleted"
        posted_at: int | None = None
        graded = (score is not None or excused) and graded_at is not None
        # Grades are posted when entered, except under a manual post policy (muted) and a few held back.
        if graded and not a.manual_post and (kind == "quiz" or r() > 0.02):
            posted_at = graded_at
        value["workflow_state"] = state
        if due_text is not None:
            value["cached_due_date"] = due_text
        if score is not None:
            value["score"] = score
            value["grade"] = _grade(a, score)
        value["excused"] = excused
        if late_status is not None:
            value["late_policy_status"] = late_status
        if seconds_late is not None:
            value["seconds_late_override"] = seconds_late
        if deducted is not None:
            value["points_deducted"] = deducted
        if custom_status is not None:
            value["custom_grade_status_id"] = custom_status
        else:
            tardiness = _tardiness(a, due, submitted, late_status, excused, grader)
            if tardiness is not None:
                value["cached_tardiness"] = tardiness
        if posted_at is not None:
            value["posted_at"] = iso(posted_at)
        if graded_at is not None:
            value["graded_at"] = iso(graded_at)
            value["grader_id"] = grader
        if attempt is not None:
            value["attempt"] = attempt
        value["created_at"] = created
        value["updated_at"] = iso(max(a.created, min(graded_at or submitted or a.created, now - 60)))
        sid = self.w.new_id("submission")
        self.submissions.add_clean(sid, value)
        if state != "deleted" and not excused:
            self._count(a, uid, score, posted_at is not None, past)
        if state == "graded" and grader is not None and grader > 0 and kind not in ("quiz", "paper", "none"):
            self.comments(sid, uid, grader, graded_at or now - DAY, submitted, posted_at is not None, attempt)

    def _count(self, a: Assignment, uid: int, score: float | None, posted: bool, past: bool) -> None:
        points = a.points
        if not points or a.kind == "not_graded":
            return
        for totals in (
            self.totals.setdefault(uid, [0.0] * 5),
            self.group_totals.setdefault((uid, a.group_id), [0.0] * 5),
        ):
            if score is not None:
                if posted:
                    totals[0] += score
                    totals[1] += points
                totals[2] += score
                totals[3] += points
            elif past:
                totals[4] += points  # ungraded past-due work counts as zero in the final score

    def comments(
        self,
        submission: int,
        uid: int,
        grader: int,
        graded_at: int,
        submitted: int | None,
        posted: bool,
        attempt: int | None,
    ) -> None:
        """Comments on a graded submission: the grader's feedback (hidden while the grade is unposted), the
        student's note or reply, and now and then a draft the grader never sent."""
        rng = self.rng
        comments_t = self.w.t("submission_comments")
        course = self.course
        base = {
            "submission_id": submission,
            "context_id": course.id,
            "context_type": "Course",
            "attempt": attempt,
        }
        if submitted is not None and rng.random() < 0.03:
            comments_t.add(
                self.w.new_id("comment"),
                base
                | _comment_fields(
                    uid, rng.choice(_COMMENTS_STUDENT), min(submitted + 60, ANCHOR_S - 60), False, False
                ),
            )
        if rng.random() < 0.1:
            when = min(graded_at, ANCHOR_S - 120)
            teacher_only = grader in course.tas and rng.random() < 0.1
            comments_t.add(
                self.w.new_id("comment"),
                base
                | _comment_fields(grader, rng.choice(_COMMENTS_TEACHER), when, False, not posted)
                | {"teacher_only_comment": teacher_only},
            )
            if rng.random() < 0.4 and posted:
                reply = min(when + DAY, ANCHOR_S - 60)
                comments_t.add(
                    self.w.new_id("comment"),
                    base | _comment_fields(uid, rng.choice(_COMMENTS_STUDENT), reply, False, False),
                )
        if rng.random() < 0.01:  # a comment the grader started but never sent
            comments_t.add(
                self.w.new_id("comment"),
                base
                | _comment_fields(
                    grader, "Draft: revisit the grade", min(graded_at, ANCHOR_S - 60), True, False
                ),
            )

    def scores(self) -> None:
        """A course score and a score per assignment group for every student enrollment (the Test
        Student's too, as in Canvas), from the grades counted by ``_count``."""
        course = self.course
        rng = self.rng
        scores_t = self.w.t("scores")
        made = iso(min(course.created + 10 * DAY, ANCHOR_S - DAY))
        for enr in course.enrollments:
            if enr.type not in ("StudentEnrollment", "StudentViewEnrollment"):
                continue
            state = "deleted" if enr.state == "deleted" else "active"
            totals = self.totals.get(enr.user_id)
            values = _score_values(totals)
            if values["current_score"] is not None and course.state == "completed" and rng.random() < 0.01:
                values["override_score"] = min(100.0, round(values["current_score"] + 3.0, 2))
            scores_t.add(
                self.w.new_id("score"),
                {"enrollment_id": enr.id, "course_score": True, "workflow_state": state}
                | values
                | _stamps(made),
            )
            for group_id, _name in course.groups:
                scores_t.add(
                    self.w.new_id("score"),
                    {
                        "enrollment_id": enr.id,
                        "course_score": False,
                        "assignment_group_id": group_id,
                        "workflow_state": state,
                    }
                    | _score_values(self.group_totals.get((enr.user_id, group_id)))
                    | _stamps(made),
                )


# 256 quantiles of N(0, 0.08): per-piece noise of a student's performance, drawn with 8 random bits.
_NOISE = tuple(NormalDist(0.0, 0.08).inv_cdf((i + 0.5) / 256) for i in range(256))
_SUBMISSION_TYPE = {
    "upload": "online_upload",
    "text": "online_text_entry",
    "url": "online_url",
    "quiz": "online_quiz",
    "discussion": "discussion_topic",
    "external": "basic_lti_launch",
}
_LETTERS = (
    (0.93, "A"),
    (0.9, "A-"),
    (0.87, "B+"),
    (0.83, "B"),
    (0.8, "B-"),
    (0.77, "C+"),
    (0.7, "C"),
    (0.6, "D"),
)


def _grade(a: Assignment, score: float) -> str:
    """The grade text Canvas shows next to a score, by grading type."""
    ratio = score / a.points if a.points else 1.0
    if a.grading_type == "pass_fail":
        return "complete" if ratio >= 0.6 else "incomplete"
    if a.grading_type == "percent":
        return f"{round(ratio * 100, 2):g}%"
    if a.grading_type == "letter_grade":
        return next((letter for floor, letter in _LETTERS if ratio >= floor), "F")
    return f"{score:g}"


def _tardiness(
    a: Assignment,
    due: int | None,
    submitted: int | None,
    late_status: str | None,
    excused: bool,
    grader: int | None,
) -> str | None:
    """Canvas's own denormalised late/missing flag (``cached_tardiness``)."""
    if excused:
        return None
    if late_status is not None:
        return late_status if late_status in ("late", "missing") else None
    if submitted is not None:
        grace = 60 if a.kind == "quiz" else 0  # behaviour §3.5
        return "late" if due is not None and submitted > due + grace else None
    if grader is None and a.expects_submission and due is not None and due < ANCHOR_S:
        return "missing"
    return None


def _score_values(totals: list[float] | None) -> dict[str, Any]:
    def pct(points: float, possible: float) -> float | None:
        return round(100.0 * points / possible, 2) if possible > 0 else None

    if totals is None:
        return {"current_score": None, "final_score": None}
    # Canvas's current scores count graded work only; final scores also count missing work as zero.
    return {
        "current_score": pct(totals[0], totals[1]),
        "final_score": pct(totals[0], totals[1] + totals[4]),
        "unposted_current_score": pct(totals[2], totals[3]),
        "unposted_final_score": pct(totals[2], totals[3] + totals[4]),
    }


def _stamps(made: str) -> dict[str, str]:
    return {"created_at": made, "updated_at": iso(ANCHOR_S - 6 * HOUR)}


def _comment_fields(author: int, text: str, when: int, draft: bool, hidden: bool) -> dict[str, Any]:
    return {
        "author_id": author,
        "comment": text,
        "draft": draft,
        "hidden": hidden,
        "teacher_only_comment": False,
        "created_at": iso(when),
        "updated_at": iso(when),
    }
