"""web_logs of the demo institution: DAP TSV part files, generated in parallel worker processes.

web_logs is by far the largest table (20 million rows at the large scale), so its generator is built for
speed: everything that does not change per row (a course's pages with their URL, controller, method, status
and participation flag; a person's "user / course" columns; day and time-of-day texts) is formatted once,
distributions are sampled through lookup tables, and a row costs one f-string, one ``getrandbits`` call and
a list append.

Rows come in *sessions*: a person picks a day (weekday pattern) and an hour (daily rhythm, UTC for a
Chicago campus), then visits a handful of pages of one course a few seconds to minutes apart. A few
sessions are special, as in real exports: masquerading admins (``real_user_id`` set), pages outside any
course, requests by nobody logged in, and requests logged twice (DAP delivers web_logs at least once).

Each part is generated from its own ``Random("<seed>:web_logs:<part>")``, so a part's bytes do not depend
on which process wrote it or how many workers there were. Workers are *spawned* (not forked): the caller
may be an asyncio program with database threads, which ``fork`` would copy in an undefined state. This
module imports only the standard library and :mod:`._demo_time`, to keep a worker's start-up cheap.
"""

from __future__ import annotations

import gzip
import multiprocessing
import multiprocessing.pool
from bisect import bisect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate, groupby
from math import log
from pathlib import Path
from random import Random
from typing import IO, cast

from analytics_gateway.storage._demo_time import EXPORT_TS, HOUR, TOD, day_prefix

__all__ = ["HEADER", "CourseActivity", "WebLogJob", "WebLogPlan", "open_part", "start_web_logs"]

COLUMNS = (
    "timestamp",
    "user_id",
    "real_user_id",
    "course_id",
    "url",
    "http_method",
    "http_status",
    "web_application_controller",
    "web_application_action",
    "web_application_context_type",
    "web_application_context_id",
    "participated",
)
HEADER = "\t".join(["meta.ts", "meta.action", "key.id", *(f"value.{c}" for c in COLUMNS)]) + "\n"

# Generating in process is cheaper than starting workers below this many rows (the small demo, tests).
POOL_MIN_ROWS = 200_000
# Small write batches: big joined buffers would be fresh memory mappings each time (page faults, sys time).
FLUSH_LINES = 4_000
PAGE_BITS = 11
PAGE_TABLE_SIZE = 1 << PAGE_BITS
GZIP_LEVEL = 4  # web_logs compress ~8:1 at level 4; higher levels cost much more time for little gain
DUPLICATE_EVERY = 2_999  # one session in this many has its last request logged twice
GLOBAL_SESSIONS = 0.02  # pages outside any course (dashboard, inbox, calendar)
MASQUERADE_SESSIONS = 0.005  # an admin acting as the user
ANONYMOUS_SESSIONS = 0.002  # the login page, before anyone is logged in
STUDENT_PARTICIPATION = 0.14
STAFF_PARTICIPATION = 0.09

_NULL = "\\N"


@dataclass(frozen=True)
class CourseActivity:
    """What people can visit in one course."""

    course_id: int
    assignments: tuple[tuple[int, str, int | None], ...]  # (assignment id, kind, quiz id), published only
    discussions: tuple[int, ...]
    announcements: tuple[int, ...]
    files: tuple[int, ...]
    pages: tuple[str, ...]  # wiki page slugs
    module_items: tuple[int, ...]
    folder_id: int


@dataclass(frozen=True)
class WebLogPlan:
    """Everything a worker needs to write any part: picklable, built once by the parent process."""

    seed: int
    part_rows: tuple[int, ...]
    compress: bool
    calendars: tuple[tuple[tuple[int, ...], tuple[float, ...]], ...]  # (day numbers, day weights)
    courses: tuple[CourseActivity, ...]
    actors: tuple[tuple[int, int, str, int], ...]  # (user id, course index, role s/t/o, calendar index)
    actor_weights: tuple[float, ...]
    masqueraders: tuple[int, ...]


# --- page templates -----------------------------------------------------------------------------------------
# (controller, action, url, method, status, participated, weight). In `url`, {c} is the course id and {x} the
# item. Controllers come in the case Canvas logs them, plus a few odd spellings (analytics matches
# case-insensitively, behaviour §3.3); controllers outside the category table fall into `other`.
Template = tuple[str | None, str | None, str, str, int, bool, float]

_STUDENT_COURSE: tuple[Template, ...] = (
    ("courses", "show", "/courses/{c}", "GET", 200, False, 12.0),
    ("courses", "show", "/courses/{c}", "GET", 304, False, 1.5),
    ("COURSES", "show", "/courses/{c}/", "GET", 200, False, 0.2),
    ("context_modules", "index", "/courses/{c}/modules", "GET", 200, False, 8.0),
    ("Context_Modules", "index", "/courses/{c}/modules", "GET", 200, False, 0.4),
    ("assignments", "index", "/courses/{c}/assignments", "GET", 200, False, 5.0),
    ("assignments", "syllabus", "/courses/{c}/assignments/syllabus", "GET", 200, False, 1.0),
    (
        "assignment_groups",
        "index",
        "/api/v1/courses/{c}/assignment_groups?include[]=assignments",
        "GET",
        200,
        False,
        0.8,
    ),
    ("assignments_api", "index", "/api/v1/courses/{c}/assignments?per_page=50", "GET", 200, False, 1.0),
    ("assignments", "show", "/courses/{c}/assignments/9999999", "GET", 404, False, 0.2),
    ("announcements", "index", "/courses/{c}/announcements", "GET", 200, False, 2.0),
    ("discussion_topics", "index", "/courses/{c}/discussion_topics", "GET", 200, False, 2.0),
    ("gradebooks", "grade_summary", "/courses/{c}/grades", "GET", 200, False, 5.0),
    ("files", "index", "/courses/{c}/files", "GET", 200, False, 1.5),
    ("files", "index", "/courses/{c}/files?search_term=lab\\report", "GET", 200, False, 0.05),
    ("folders", "api_index", "/api/v1/folders/{x}/folders", "GET", 200, False, 0.4),
    ("wiki_pages", "front_page", "/courses/{c}/pages", "GET", 200, False, 2.0),
    ("groups", "index", "/courses/{c}/groups", "GET", 200, False, 0.4),
    ("collaborations", "index", "/courses/{c}/collaborations", "GET", 200, False, 0.2),
    ("conferences", "index", "/courses/{c}/conferences", "GET", 200, False, 0.2),
    ("external_tools", "show", "/courses/{c}/external_tools/41", "GET", 200, False, 1.0),
    ("quizzes/quizzes_api", "index", "/api/v1/courses/{c}/quizzes", "GET", 200, False, 0.5),
    (None, None, "/courses/{c}/files/{x}/download?download_frd=1", "GET", 302, False, 0.3),
)
_STAFF_COURSE: tuple[Template, ...] = (
    ("courses", "show", "/courses/{c}", "GET", 200, False, 10.0),
    ("courses", "settings", "/courses/{c}/settings", "GET", 200, False, 1.0),
    ("gradebooks", "show", "/courses/{c}/gradebook", "GET", 200, False, 10.0),
    ("Gradebooks", "show", "/courses/{c}/gradebook", "GET", 200, False, 0.3),
    ("gradebook2", "show", "/courses/{c}/gradebook2", "GET", 200, False, 0.2),
    ("gradebooks", "update_submission", "/courses/{c}/gradebook/update_submission", "POST", 302, True, 2.0),
    ("grading_standards", "index", "/courses/{c}/grading_standards", "GET", 200, False, 0.3),
    ("gradebook_uploads", "new", "/courses/{c}/gradebook_upload/new", "GET", 200, False, 0.2),
    ("assignment_groups", "reorder", "/courses/{c}/assignment_groups/reorder", "POST", 200, True, 0.2),
    ("assignments", "index", "/courses/{c}/assignments", "GET", 200, False, 3.0),
    ("question_banks", "index", "/courses/{c}/question_banks", "GET", 200, False, 0.3),
    ("quiz_questions", "create", "/courses/{c}/quizzes/0/questions", "POST", 200, True, 0.2),
    ("discussion_topics", "create", "/courses/{c}/discussion_topics", "POST", 201, True, 0.5),
    ("announcements", "index", "/courses/{c}/announcements", "GET", 200, False, 1.0),
    ("files", "create", "/courses/{c}/files", "POST", 201, True, 0.4),
    ("folders", "create", "/api/v1/folders/{x}/folders", "POST", 200, True, 0.1),
    ("context_modules", "index", "/courses/{c}/modules", "GET", 200, False, 4.0),
    ("context_modules", "update", "/courses/{c}/modules/reorder", "POST", 200, True, 0.4),
    ("context", "roster", "/courses/{c}/users", "GET", 200, False, 1.5),
    ("collaborations", "index", "/courses/{c}/collaborations", "GET", 200, False, 0.1),
    ("conferences", "index", "/courses/{c}/conferences", "GET", 200, False, 0.2),
    ("groups", "index", "/courses/{c}/groups", "GET", 200, False, 0.3),
    (
        "submissions_api",
        "bulk_update",
        "/api/v1/courses/{c}/submissions/update_grades",
        "POST",
        200,
        True,
        0.5,
    ),
)
_OBSERVER_COURSE: tuple[Template, ...] = (
    ("courses", "show", "/courses/{c}", "GET", 200, False, 5.0),
    ("gradebooks", "grade_summary", "/courses/{c}/grades", "GET", 200, False, 5.0),
    ("assignments", "index", "/courses/{c}/assignments", "GET", 200, False, 2.0),
    ("announcements", "index", "/courses/{c}/announcements", "GET", 200, False, 2.0),
)
# Per item: the weight is the total over all items of that kind in the course.
_STUDENT_ASSIGNMENT: tuple[Template, ...] = (
    ("assignments", "show", "/courses/{c}/assignments/{x}", "GET", 200, False, 14.0),
    ("Assignments", "show", "/courses/{c}/assignments/{x}", "GET", 200, False, 0.3),
)
_STUDENT_SUBMIT: tuple[Template, ...] = (
    ("submissions", "create", "/courses/{c}/assignments/{x}/submissions", "POST", 302, True, 4.0),
)
_STUDENT_QUIZ: tuple[Template, ...] = (
    ("quizzes/quizzes", "show", "/courses/{c}/quizzes/{x}", "GET", 200, False, 3.0),
    ("quizzes", "show", "/courses/{c}/quizzes/{x}", "GET", 200, False, 0.8),
    ("Quizzes/Quizzes", "show", "/courses/{c}/quizzes/{x}", "GET", 200, False, 0.3),
    ("quizzes/quiz_submissions", "create", "/courses/{c}/quizzes/{x}/submissions", "POST", 302, True, 2.0),
)
_STAFF_ASSIGNMENT: tuple[Template, ...] = (
    (
        "gradebooks",
        "speed_grader",
        "/courses/{c}/gradebook/speed_grader?assignment_id={x}",
        "GET",
        200,
        False,
        8.0,
    ),
    ("assignments", "edit", "/courses/{c}/assignments/{x}/edit", "GET", 200, False, 2.0),
    ("assignments", "update", "/courses/{c}/assignments/{x}", "PUT", 200, True, 1.0),
    ("submissions", "index", "/courses/{c}/assignments/{x}/submissions", "GET", 200, False, 1.0),
)
_STAFF_QUIZ: tuple[Template, ...] = (
    ("quizzes/quizzes", "edit", "/courses/{c}/quizzes/{x}/edit", "GET", 200, False, 1.0),
    ("quizzes/quiz_questions", "update", "/courses/{c}/quizzes/{x}/questions/1", "PUT", 200, True, 0.3),
)
_STUDENT_TOPIC: tuple[Template, ...] = (
    ("discussion_topics", "show", "/courses/{c}/discussion_topics/{x}", "GET", 200, False, 5.0),
    ("discussion_entries", "create", "/courses/{c}/discussion_topics/{x}/entries", "POST", 201, True, 2.0),
)
_ANNOUNCEMENT: tuple[Template, ...] = (
    ("discussion_topics", "show", "/courses/{c}/discussion_topics/{x}", "GET", 200, False, 1.5),
)
_FILE: tuple[Template, ...] = (
    ("files", "show", "/courses/{c}/files/{x}", "GET", 200, False, 4.0),
    ("files", "show", "/courses/{c}/files/{x}/download", "GET", 302, False, 1.0),
)
_PAGE: tuple[Template, ...] = (
    ("wiki_pages", "show", "/courses/{c}/pages/{x}", "GET", 200, False, 4.0),
    ("wiki_page_revisions", "index", "/courses/{c}/pages/{x}/revisions", "GET", 200, False, 0.1),
)
_MODULE_ITEM: tuple[Template, ...] = (
    ("context_modules", "item_redirect", "/courses/{c}/modules/items/{x}", "GET", 302, False, 4.0),
)
# Outside any course: context User (the person's own id), no course_id.
_GLOBAL: tuple[tuple[str, str, str, float], ...] = (
    ("users", "user_dashboard", "/", 6.0),
    ("conversations", "index", "/conversations", 2.0),
    ("calendars", "show", "/calendar", 1.0),
    ("profile", "settings", "/profile/settings", 0.3),
    ("users", "grades", "/grades", 0.7),
)
_ANONYMOUS = (
    f"/login/canvas\tGET\t200\tlogin/canvas\tnew\t{_NULL}\t{_NULL}\tf\n",
    f"/login/canvas\tPOST\t302\tlogin/canvas\tcreate\t{_NULL}\t{_NULL}\tf\n",
)

_SUBMITTING_KINDS = frozenset({"upload", "text", "text_upload", "url"})

# Hour of day (UTC) weights for a campus in America/Chicago: busy 9-12 and 19-23 local, quiet at night.
_LOCAL_HOUR_WEIGHTS = (
    0.8, 0.4, 0.2, 0.1, 0.05, 0.05, 0.15, 0.4, 0.8, 1.2, 1.4, 1.4,
    1.2, 1.3, 1.4, 1.3, 1.2, 1.1, 1.1, 1.3, 1.5, 1.5, 1.3, 1.1,
)  # fmt: skip
_UTC_HOUR_WEIGHTS = tuple(_LOCAL_HOUR_WEIGHTS[(h - 6) % 24] for h in range(24))


# Distributions are sampled through lookup tables of quantiles indexed by random bits: a list index is much
# cheaper than a distribution call or a bisection, and the resolution is more than enough here.


def _quantile_table(values: Sequence[int], weights: Sequence[float], size: int) -> tuple[int, ...]:
    """``size`` evenly spaced quantiles of a discrete distribution."""
    cum = list(accumulate(weights))
    return tuple(values[bisect(cum, (i + 0.5) / size * cum[-1])] for i in range(size))


def _start_seconds(size: int) -> tuple[int, ...]:
    """Seconds of the (UTC) day a session starts: hours weighted by the daily rhythm, uniform within."""
    hours = _quantile_table(range(24), _UTC_HOUR_WEIGHTS, size)  # sorted: one run per hour
    seconds: list[int] = []
    for hour, run in groupby(hours):
        length = len(list(run))
        seconds.extend(hour * HOUR + j * HOUR // length for j in range(length))
    return tuple(seconds)


_START_SECONDS = _start_seconds(1 << 16)  # indexed by 16 random bits
# Pages per session (1 + exponential, mean ~7) and seconds between two pages of a session (exponential,
# mean ~1 minute), indexed by 8 random bits.
_SESSION_LENGTHS = tuple(1 + int(-6.0 * log(1.0 - (i + 0.5) / 256)) for i in range(256))
_GAPS = tuple(4 + int(-60.0 * log(1.0 - (i + 0.5) / 256)) for i in range(256))
# Milliseconds, indexed by 10 random bits.
_MILLIS = tuple(f".{i * 1000 // 1024:03d}Z" for i in range(1024))
_LAST_SECOND = 86_399


def _tsv(text: str) -> str:
    """PostgreSQL COPY text escaping (canvas-data-2-import.md §1.2)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _fragment(course_id: int, template: Template, item: object) -> str:
    """The columns of a row from ``url`` to ``participated``, for one page of one course."""
    controller, action, url, method, status, participated, _ = template
    return (
        f"{_tsv(url.format(c=course_id, x=item))}\t{method}\t{status}\t"
        f"{_NULL if controller is None else controller}\t{_NULL if action is None else action}\t"
        f"Course\t{course_id}\t{'t' if participated else 'f'}\n"
    )


class _Pages:
    """One course's pages for one kind of visitor, as a table to draw visits from."""

    def __init__(self, course: CourseActivity, role: str) -> None:
        entries: list[tuple[str, float, bool]] = []

        def add(templates: tuple[Template, ...], items: Sequence[object]) -> None:
            if not items:
                return
            for template in templates:
                share = template[6] / len(items)
                for item in items:
                    entries.append((_fragment(course.course_id, template, item), share, template[5]))

        def add_course(templates: tuple[Template, ...]) -> None:
            for template in templates:
                if "/files/{x}" in template[2]:
                    add((template,), course.files[:1])
                else:
                    add((template,), [course.folder_id])

        assignments = [a[0] for a in course.assignments]
        if role == "o":
            add_course(_OBSERVER_COURSE)
            add(_STUDENT_ASSIGNMENT[:1], assignments)
            add(_ANNOUNCEMENT, course.announcements)
            target = 0.0
        elif role == "s":
            add_course(_STUDENT_COURSE)
            add(_STUDENT_ASSIGNMENT, assignments)
            add(_STUDENT_SUBMIT, [a[0] for a in course.assignments if a[1] in _SUBMITTING_KINDS])
            add(_STUDENT_QUIZ, [a[2] for a in course.assignments if a[2] is not None])
            add(_STUDENT_TOPIC, course.discussions)
            add(_ANNOUNCEMENT, course.announcements)
            add(_FILE, course.files)
            add(_PAGE, course.pages)
            add(_MODULE_ITEM, course.module_items)
            target = STUDENT_PARTICIPATION
        else:
            add_course(_STAFF_COURSE)
            add(_STAFF_ASSIGNMENT, assignments)
            add(_STAFF_QUIZ, [a[2] for a in course.assignments if a[2] is not None])
            add(_STUDENT_TOPIC[:1], course.discussions)
            add(_ANNOUNCEMENT, course.announcements)
            add(_FILE, course.files)
            add(_PAGE, course.pages)
            target = STAFF_PARTICIPATION
        # Scale participating pages so that they are `target` of the visits (~12% overall).
        total_p = sum(w for _, w, p in entries if p)
        total_n = sum(w for _, w, p in entries if not p)
        factor = target * total_n / ((1.0 - target) * total_p) if total_p > 0 and target > 0 else 1.0
        weights = [w * factor if p else w for _, w, p in entries]
        # A table of PAGE_TABLE_SIZE fragments, each page repeated in proportion to its weight (largest
        # remainder rounding): a visit is then one list index by random bits.
        total = sum(weights)
        shares = [w / total * PAGE_TABLE_SIZE for w in weights]
        counts = [int(x) for x in shares]
        by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
        for i in by_remainder[: PAGE_TABLE_SIZE - sum(counts)]:
            counts[i] += 1
        table: list[str] = []
        for (fragment, _, _), count in zip(entries, counts, strict=True):
            table += [fragment] * count
        self.table = table


class _Generator:
    """Writes parts of a plan; built once per process (pages formatted once, reused by every part)."""

    def __init__(self, plan: WebLogPlan) -> None:
        self.plan = plan
        pages: dict[tuple[int, str], _Pages] = {}
        self.actors: list[tuple[str, int, int, _Pages, int]] = []
        for user_id, course_index, role, calendar in plan.actors:
            key = (course_index, "s" if role == "s" else role)
            if key not in pages:
                pages[key] = _Pages(plan.courses[course_index], key[1])
            course_id = plan.courses[course_index].course_id
            self.actors.append(
                (f"{user_id}\t{_NULL}\t{course_id}\t", user_id, course_id, pages[key], calendar)
            )
        self.actor_cum = list(accumulate(plan.actor_weights))
        # Per calendar, 4096 quantiles of its days (as "YYYY-MM-DDT" texts), indexed by 12 random bits.
        self.calendars = [
            tuple(day_prefix(d) for d in _quantile_table(days, weights, 1 << 12))
            for days, weights in plan.calendars
        ]
        global_weights = [g[3] for g in _GLOBAL]
        self.global_cum = list(accumulate(global_weights))

    def _global_fragments(self, user_id: int) -> list[str]:
        return [
            f"{url}\tGET\t200\t{controller}\t{action}\tUser\t{user_id}\tf\n"
            for controller, action, url, _ in _GLOBAL
        ]

    def write_part(self, folder: Path, index: int) -> int:
        """Write part ``index``; returns its number of rows (duplicates included)."""
        plan = self.plan
        rows = plan.part_rows[index]
        rng = Random(f"{plan.seed}:web_logs:{index}")
        rand, bits, choices = rng.random, rng.getrandbits, rng.choices
        actors, actor_cum, calendars = self.actors, self.actor_cum, self.calendars
        actor_range = range(len(actors))
        meta = f"{EXPORT_TS}\tU\t"
        tod, millis, gaps, lengths = TOD, _MILLIS, _GAPS, _SESSION_LENGTHS
        starts = _START_SECONDS
        masqueraders = plan.masqueraders
        special = GLOBAL_SESSIONS + MASQUERADE_SESSIONS + ANONYMOUS_SESSIONS
        suffix = ".tsv.gz" if plan.compress else ".tsv"
        path = folder / f"part-{index:05d}{suffix}"
        lines: list[str] = []
        append = lines.append
        produced = 0
        session = 0
        with open_part(path, plan.compress) as out:
            out.write(HEADER.encode())
            while produced < rows:
                for actor in choices(actor_range, cum_weights=actor_cum, k=1024):
                    if produced >= rows:
                        break
                    session += 1
                    who, user_id, course_id, pages, calendar = actors[actor]
                    day = calendars[calendar][bits(12)]
                    second = starts[bits(16)]
                    count = min(lengths[bits(8)], rows - produced)
                    roll = rand()
                    if roll >= special:
                        table = pages.table
                        visited = [table[bits(PAGE_BITS)] for _ in range(count)]
                    elif roll < GLOBAL_SESSIONS:
                        who = f"{user_id}\t{_NULL}\t{_NULL}\t"
                        visited = choices(
                            self._global_fragments(user_id), cum_weights=self.global_cum, k=count
                        )
                    elif roll < GLOBAL_SESSIONS + MASQUERADE_SESSIONS:
                        real = masqueraders[int(rand() * len(masqueraders))]
                        who = f"{user_id}\t{real}\t{course_id}\t"
                        table = pages.table
                        visited = [table[bits(PAGE_BITS)] for _ in range(count)]
                    else:
                        who = f"{_NULL}\t{_NULL}\t{_NULL}\t"
                        visited = choices(_ANONYMOUS, k=count)
                    # The random parts of the session's request ids (uuid4), drawn and hex-formatted at once.
                    hx = "%0*x" % (32 * count, bits(128 * count))  # noqa: UP031
                    o = 0
                    for fragment in visited:
                        y = bits(18)
                        append(
                            f"{meta}{hx[o : o + 8]}-{hx[o + 8 : o + 12]}-4{hx[o + 13 : o + 16]}-"
                            f"a{hx[o + 17 : o + 20]}-{hx[o + 20 : o + 32]}\t"
                            f"{day}{tod[second]}{millis[y & 1023]}\t{who}{fragment}"
                        )
                        o += 32
                        second += gaps[y >> 10]
                        if second > _LAST_SECOND:
                            second = _LAST_SECOND
                    produced += count
                    if session % DUPLICATE_EVERY == 0 and produced < rows:
                        append(lines[-1])  # the same request (same id) delivered twice
                        produced += 1
                    if len(lines) >= FLUSH_LINES:
                        out.write("".join(lines).encode())
                        lines.clear()
            out.write("".join(lines).encode())
        return produced


@contextmanager
def open_part(path: Path, compress: bool, level: int = GZIP_LEVEL) -> Iterator[IO[bytes]]:
    """A part file to write bytes to, gzip-compressed or plain."""
    with path.open("wb") as raw:
        if not compress:
            yield raw
            return
        # No file name and a zero mtime in the gzip header: the same rows give the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=level) as zipped:
            yield cast(IO[bytes], zipped)


# --- workers ----------------------------------------------------------------------------------------------

_worker: tuple[_Generator, Path] | None = None


def _init_worker(plan: WebLogPlan, folder: str) -> None:
    global _worker
    _worker = (_Generator(plan), Path(folder))


def _run_part(index: int) -> int:
    assert _worker is not None, "worker not initialised"
    generator, folder = _worker
    return generator.write_part(folder, index)


class WebLogJob:
    """web_logs parts being written (in worker processes, or lazily in this one); ``wait`` for the rows."""

    def __init__(self, plan: WebLogPlan, folder: Path, workers: int) -> None:
        self.plan = plan
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        parts = len(plan.part_rows)
        self._pool: multiprocessing.pool.Pool | None = None
        self._result: multiprocessing.pool.AsyncResult[list[int]] | None = None
        if workers > 1 and parts > 1 and sum(plan.part_rows) >= POOL_MIN_ROWS:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(
                min(workers, parts), initializer=_init_worker, initargs=(plan, str(folder))
            )
            self._result = self._pool.map_async(_run_part, range(parts), chunksize=1)

    def wait(self) -> list[int]:
        """Rows written per part, in part order (blocks until every part is on disk)."""
        if self._result is None:
            generator = _Generator(self.plan)
            return [generator.write_part(self.folder, i) for i in range(len(self.plan.part_rows))]
        try:
            return self._result.get()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (after ``wait``, or to abandon the job)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def start_web_logs(plan: WebLogPlan, folder: Path, workers: int) -> WebLogJob:
    """Start writing ``folder/part-NNNNN.tsv[.gz]`` for every part of ``plan``."""
    return WebLogJob(plan, folder, workers)
