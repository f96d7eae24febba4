"""The two reads of a course's submissions agree: in full (C2, C3) and as class scores (one student's S2,
from the importer's ``assignment_class_scores``).

Exports should hold one live submission per (assignment, student); where one holds two, both reads keep the
lowest id, so REST's S2 (score facts) and GraphQL's (full coursework) show the same class statistics.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.resolvers.context import AnalyticsContext, Viewer
from analytics_gateway.resolvers.coursework import load_coursework
from analytics_gateway.storage.queries.coursework import ClassScores, get_class_scores, get_submissions
from tests._dataset import Dataset

POSTED = datetime(2026, 9, 2, 8, 0)


def _course() -> tuple[Dataset, list[int], list[int]]:
    d = Dataset()
    account = d.account(1)
    course = d.course(10, account=account, term=d.term(3, root=account))
    section = d.section(course=course)
    students = [d.user(200 + i) for i in range(4)]
    for user in students:
        d.enroll(user, course=course, section=section)
    outsider = d.user(299)  # a submission without a current enrollment: never in the class's facts
    a1 = d.assignment(500, course=course, due_at=datetime(2026, 9, 1))
    a2 = d.assignment(501, course=course)
    d.submission(700, assignment=a1, user=students[0], score=8.0, state="graded", posted_at=POSTED)
    d.submission(705, assignment=a1, user=students[0], score=2.0, state="graded")  # a second live row
    d.submission(701, assignment=a1, user=students[1], score=6.0, state="graded")  # graded, unposted
    d.submission(702, assignment=a1, user=students[2], submitted_at=datetime(2026, 8, 30))
    d.submission(703, assignment=a1, user=students[3], state="deleted", score=1.0)
    d.submission(704, assignment=a1, user=outsider, score=3.0, state="graded", posted_at=POSTED)
    d.submission(690, assignment=a2, user=students[1], score=9.0, state="graded", posted_at=POSTED)
    d.submission(691, assignment=a2, user=students[1], score=4.0, state="graded", posted_at=POSTED)
    return d, students, [a1, a2]


async def test_both_reads_keep_the_lowest_id_of_a_pair(engine: AsyncEngine, tmp_path: Path) -> None:
    d, _, assignments = _course()
    await d.load(engine, tmp_path)
    async with engine.connect() as conn:
        full = await get_submissions(conn=conn, assignment_ids=assignments)
        class_scores = await get_class_scores(conn=conn, assignment_ids=assignments)
    assert [s.id for s in full] == [700, 705, 701, 702, 704, 690, 691]  # by assignment, user, id
    first = class_scores[500]  # 700 (not 705), 701 (unposted), 702 (submitted); not 703 nor the outsider
    assert sorted(first.scores) == [6.0, 8.0]
    assert first.shown == 3
    assert first.muted
    assert class_scores[501] == ClassScores(scores=[9.0], shown=1, muted=False)


async def test_one_students_coursework_has_the_class_statistics_of_the_full_one(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    d, students, assignments = _course()
    await d.load(engine, tmp_path)
    ctx = AnalyticsContext(engine=engine, viewer=Viewer(None), now=datetime(2026, 9, 5))
    full = await load_coursework(ctx, 10)
    narrow = await load_coursework(ctx, 10, user_ids=[students[1]], class_scores=True)
    for aid in assignments:
        wide, thin = full.scores_of(aid), narrow.scores_of(aid)
        assert (sorted(wide.scores), wide.shown, wide.muted) == (sorted(thin.scores), thin.shown, thin.muted)
        assert narrow.status(aid, students[1]) == full.status(aid, students[1])
    assert narrow.submission(500, students[0]) is None  # only the asked student's rows in full
    first = full.submission(500, students[0])
    assert first is not None
    assert first.id == 700


async def test_a_page_of_students_has_no_class_scores(engine: AsyncEngine, tmp_path: Path) -> None:
    d, students, _ = _course()
    await d.load(engine, tmp_path)
    ctx = AnalyticsContext(engine=engine, viewer=Viewer(None), now=datetime(2026, 9, 5))
    page = await load_coursework(ctx, 10, user_ids=students[:2])
    assert set(page.statuses(500)) == set(students[:2])  # judged: the page's students only
    with pytest.raises(ValueError, match="class_scores=True"):
        page.scores_of(500)
