"""Hand-built institutions for analytics tests, loaded through the real importer (JSONL exports).

Tests build exactly the rows they reason about and derive expected JSON by hand from them. Built-in
roles are always present with Canvas's usual ids (``ROLE``); everything else is added explicitly. Ids
are chosen by the test or drawn from a counter starting at 1000, so small hand-picked ids never clash.

    ds = Dataset()
    root = ds.account(1, name="Root")
    course = ds.course(10, account=root, term=ds.term(1, root=root))
    ...
    await ds.load(engine, tmp_path)
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage.importer import import_paths
from tests.storage._exports import upsert, write_export

__all__ = ["ROLE", "Dataset", "ts"]

ROLE: dict[str, int] = {
    "AccountAdmin": 1,
    "StudentEnrollment": 2,
    "TeacherEnrollment": 3,
    "TaEnrollment": 4,
    "DesignerEnrollment": 5,
    "ObserverEnrollment": 6,
    "StudentViewEnrollment": 7,
}
_META_TS = "2026-01-01T00:00:00Z"
_CHANGE_TS = "2026-06-01T00:00:00Z"  # later than _META_TS: a changed row wins


def ts(value: datetime | str | None) -> str | None:
    """DAP timestamp text (UTC ``Z``) of a naive-UTC or aware datetime; strings pass through."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds") + "Z"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ts(v) if isinstance(v, datetime) else v for k, v in values.items()}


class Dataset:
    """Rows per DAP table, keyed by id."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int | str, dict[str, Any]]] = defaultdict(dict)
        self._ids = itertools.count(1000)
        self._web_ids = itertools.count(1)
        self._changes = itertools.count()
        for name, role_id in ROLE.items():
            base = "AccountMembership" if name == "AccountAdmin" else name
            self.add(
                "roles", role_id, name=name, base_role_type=base, workflow_state="built_in", account_id=None
            )

    # --- generic ----------------------------------------------------------------------------------------

    def add(self, table: str, id: int | str | None = None, **values: Any) -> Any:
        """Add (or replace) a row; returns its id."""
        key: int | str = next(self._ids) if id is None else id
        self.tables[table][key] = _clean(values)
        return key

    def update(self, table: str, id: int | str, **values: Any) -> None:
        """Change columns of an existing row."""
        self.tables[table][id].update(_clean(values))

    async def load(self, engine: AsyncEngine, directory: Path) -> None:
        """Write every table as JSONL under ``directory`` and import it."""
        for table, rows in self.tables.items():
            records = [upsert(key, _META_TS, value) for key, value in rows.items()]
            write_export(directory, table, records)
        await import_paths(engine, [directory])

    async def import_changes(self, engine: AsyncEngine, directory: Path, table: str, *ids: int | str) -> None:
        """Import only these rows of ``table`` as they are now, with a later ``meta.ts`` than :meth:`load`'s,
        from a new folder under ``directory``."""
        root = directory / f"changed-rows{next(self._changes)}"
        write_export(root, table, [upsert(i, _CHANGE_TS, self.tables[table][i]) for i in ids])
        await import_paths(engine, [root])

    # --- institution -----------------------------------------------------------------------------------

    def account(
        self,
        id: int | None = None,
        *,
        name: str = "Account",
        parent: int | None = None,
        root: int | None = None,
        state: str = "active",
        sis: str | None = None,
    ) -> int:
        """An account; ``root`` defaults to the parent's root (or itself when there is no parent)."""
        account_id: int = id if id is not None else next(self._ids)
        if root is None and parent is not None:
            root = self.tables["accounts"][parent]["root_account_id"] or parent
        return int(
            self.add(
                "accounts",
                account_id,
                name=name,
                parent_account_id=parent,
                root_account_id=root if parent is not None else None,
                workflow_state=state,
                sis_source_id=sis,
            )
        )

    def term(
        self,
        id: int | None = None,
        *,
        root: int,
        name: str = "Default Term",
        start_at: datetime | None = None,
        end_at: datetime | None = None,
        state: str = "active",
        sis: str | None = None,
    ) -> int:
        """An enrollment term of the root account."""
        return int(
            self.add(
                "enrollment_terms",
                id,
                root_account_id=root,
                name=name,
                start_at=start_at,
                end_at=end_at,
                workflow_state=state,
                sis_source_id=sis,
            )
        )

    def course(
        self,
        id: int | None = None,
        *,
        account: int,
        term: int,
        name: str = "Course",
        state: str = "available",
        sis: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> int:
        """A course in ``account`` and ``term`` (root account taken from the account)."""
        root = self.tables["accounts"][account]["root_account_id"] or account
        return int(
            self.add(
                "courses",
                id,
                name=name,
                course_code=name,
                account_id=account,
                root_account_id=root,
                enrollment_term_id=term,
                workflow_state=state,
                sis_source_id=sis,
                settings=settings,
            )
        )

    def section(self, id: int | None = None, *, course: int, name: str = "Section") -> int:
        """An active section of the course."""
        return int(self.add("course_sections", id, course_id=course, name=name, workflow_state="active"))

    def user(
        self,
        id: int | None = None,
        *,
        name: str = "User",
        sortable_name: str | None = None,
        sis_user_id: str | None = None,
        login: str | None = None,
        root: int | None = None,
    ) -> int:
        """A user, with a login (pseudonym) when ``sis_user_id`` or ``login`` is given."""
        user_id = int(
            self.add("users", id, name=name, sortable_name=sortable_name or name, workflow_state="registered")
        )
        if sis_user_id is not None or login is not None:
            self.add(
                "pseudonyms",
                None,
                user_id=user_id,
                account_id=root,
                workflow_state="active",
                unique_id=login or f"user{user_id}@example.edu",
                sis_user_id=sis_user_id,
            )
        return user_id

    def enroll(
        self,
        user: int,
        *,
        course: int,
        section: int,
        type: str = "StudentEnrollment",
        state: str = "active",
        limit_to_section: bool = False,
        observes: int | None = None,
        role: int | None = None,
        id: int | None = None,
    ) -> int:
        """An enrollment; ``role`` defaults to the built-in role of ``type``."""
        return int(
            self.add(
                "enrollments",
                id,
                user_id=user,
                course_id=course,
                course_section_id=section,
                role_id=role if role is not None else ROLE.get(type),
                type=type,
                workflow_state=state,
                limit_privileges_to_course_section=limit_to_section,
                associated_user_id=observes,
            )
        )

    def score(self, enrollment: int, current_score: float | None, *, course_score: bool = True) -> int:
        """A ``scores`` row of an enrollment (the overall course score by default)."""
        return int(
            self.add(
                "scores",
                None,
                enrollment_id=enrollment,
                course_score=course_score,
                current_score=current_score,
                workflow_state="active",
            )
        )

    def admin(
        self, user: int, *, account: int, role: int = ROLE["AccountAdmin"], state: str = "active"
    ) -> int:
        """An ``account_users`` row."""
        return int(
            self.add(
                "account_users", None, user_id=user, account_id=account, role_id=role, workflow_state=state
            )
        )

    def role_override(
        self, role: int, *, account: int, permission: str, enabled: bool, locked: bool = False
    ) -> int:
        """A ``role_overrides`` row on an account, applying to itself and its descendants."""
        return int(
            self.add(
                "role_overrides",
                None,
                role_id=role,
                context_id=account,
                context_type="Account",
                permission=permission,
                enabled=enabled,
                locked=locked,
                applies_to_self=True,
                applies_to_descendants=True,
            )
        )

    # --- coursework ------------------------------------------------------------------------------------

    def assignment(
        self,
        id: int | None = None,
        *,
        course: int,
        title: str = "Assignment",
        points_possible: float | None = 10.0,
        due_at: datetime | None = None,
        unlock_at: datetime | None = None,
        submission_types: str | list[str] = "online_text_entry",
        state: str = "published",
        only_visible_to_overrides: bool = False,
    ) -> int:
        """An assignment of the course."""
        return int(
            self.add(
                "assignments",
                id,
                context_id=course,
                context_type="Course",
                title=title,
                workflow_state=state,
                points_possible=points_possible,
                due_at=due_at,
                unlock_at=unlock_at,
                submission_types=submission_types,
                only_visible_to_overrides=only_visible_to_overrides,
            )
        )

    def submission(
        self,
        id: int | None = None,
        *,
        assignment: int,
        user: int,
        state: str = "submitted",
        submitted_at: datetime | None = None,
        score: float | None = None,
        posted_at: datetime | None = None,
        graded_at: datetime | None = None,
        excused: bool | None = None,
        submission_type: str | None = "online_text_entry",
        late_policy_status: str | None = None,
        cached_due_date: datetime | None = None,
    ) -> int:
        """A submission row (the course is taken from the assignment)."""
        course = self.tables["assignments"][assignment]["context_id"]
        return int(
            self.add(
                "submissions",
                id,
                assignment_id=assignment,
                user_id=user,
                course_id=course,
                workflow_state=state,
                submitted_at=submitted_at,
                score=score,
                posted_at=posted_at,
                graded_at=graded_at,
                excused=excused,
                submission_type=submission_type,
                late_policy_status=late_policy_status,
                cached_due_date=cached_due_date,
            )
        )

    def page_view(
        self,
        *,
        user: int | None,
        course: int | None,
        at: datetime,
        controller: str | None = "courses",
        participated: bool = False,
        url: str | None = None,
        real_user: int | None = None,
        id: str | None = None,
    ) -> str:
        """A ``web_logs`` row (a page view when it has a user and a course and no ``real_user_id``)."""
        key = id or f"pv-{next(self._web_ids):08d}"
        return str(
            self.add(
                "web_logs",
                key,
                timestamp=at,
                user_id=user,
                real_user_id=real_user,
                course_id=course,
                url=url or f"https://canvas.example.edu/courses/{course}/{controller or ''}",
                http_method="GET",
                http_status="200",
                web_application_controller=controller,
                web_application_action="show",
                web_application_context_type="Course" if course is not None else None,
                web_application_context_id=course,
                participated=participated,
            )
        )
