"""The root `Query`: `account`, `course`, `term`, `student` by id or SIS id, `node` and `legacyNode`."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from analytics_gateway.resolvers.catalog import owning_course, visible_assignments, visible_enrollments
from analytics_gateway.resolvers.errors import Forbidden, NotFound, Unauthenticated
from analytics_gateway.resolvers.lookup import (
    parse_numeric_id,
    resolve_account,
    resolve_course,
    resolve_term,
    resolve_user,
)
from analytics_gateway.resolvers.policy import administers_user
from analytics_gateway.schema._ids import decode_global_id, legacy_id
from analytics_gateway.schema.context import Info
from analytics_gateway.schema.types import (
    Account,
    Assignment,
    Course,
    Enrollment,
    Node,
    Section,
    Student,
    Term,
    _readable_account,
    _readable_course,
    account_node,
    assignment_node,
    course_node,
    described,
    enrollment_node,
    section_node,
    student_node,
    term_node,
)

__all__ = ["NodeType", "Query"]

IdArg = Annotated[
    strawberry.ID | None, strawberry.argument(description="A Relay global id or a Canvas id (`_id`).")
]
SisArg = Annotated[str | None, strawberry.argument(description="The object's SIS id.")]


@strawberry.enum(description="The kinds of object `legacyNode` finds by Canvas id.")
class NodeType(enum.Enum):
    Account = described("Account", "An account (root or sub-account).")
    Course = described("Course", "A course.")
    Term = described("Term", "An enrollment term.")
    Section = described("Section", "A course section.")
    Student = described("Student", "A user.")
    Assignment = described("Assignment", "An assignment.")
    Enrollment = described("Enrollment", "An enrollment.")


def _ref(id: strawberry.ID | None, sis_id: str | None, type_name: str, sis_prefix: str) -> str:
    """The REST-style reference of the ``id``/``sisId`` pair (exactly one must be given)."""
    if (id is None) == (sis_id is None):
        raise NotFound(f"give exactly one of id and sisId for {type_name}")
    if sis_id is not None:
        return f"{sis_prefix}:{sis_id}"
    number = legacy_id(str(id), type_name)
    if number is None:
        raise NotFound(f"{type_name} {id!r}")
    return str(number)


async def _account(info: Info, number: int) -> Account:
    return account_node(await _readable_account(info, number))


async def _course(info: Info, number: int) -> Course:
    return course_node(await _readable_course(info, number))


async def _student(info: Info, number: int) -> Student:
    """A user the caller may look up: themself; anyone for a root-account admin; for another account
    member (any account role), the users enrolled in the courses of their accounts."""
    ctx = info.context.analytics
    if ctx.viewer.user_id is None:
        raise Unauthenticated
    user = await info.context.loaders.users.load(number)
    if user is None:
        raise NotFound(f"user {number}")
    if user.id != ctx.viewer.user_id:
        root = await resolve_account(ctx, "self")
        access = await info.context.loaders.account_access.load(root.id)
        if not access.permissions and not await administers_user(ctx, user.id):
            raise Forbidden
    return student_node(user)


async def _term(info: Info, number: int) -> Term:
    if info.context.analytics.viewer.user_id is None:
        raise Unauthenticated
    found = await info.context.loaders.terms.load(number)
    if found is None:
        raise NotFound(f"term {number}")
    return term_node(found)


async def _find(info: Info, type_name: str, number: int) -> Node:
    loaders = info.context.loaders
    if type_name == "Account":
        return await _account(info, number)
    if type_name == "Course":
        return await _course(info, number)
    if type_name == "Term":
        return await _term(info, number)
    if type_name == "Student":
        return await _student(info, number)
    if type_name == "Section":
        course_id = await owning_course(loaders, "section", number)
        await _readable_course(info, course_id)
        section = next((s for s in await loaders.sections.load(course_id) if s.id == number), None)
        if section is None:
            raise NotFound(f"section {number}")
        return section_node(section)
    if type_name == "Assignment":
        course_id = await owning_course(loaders, "assignment", number)
        course = await _readable_course(info, course_id)
        # Not assigned to a student caller: as if it did not exist (the course's assignment list hides it).
        assignment = next((a for a in await visible_assignments(loaders, course.id) if a.id == number), None)
        if assignment is None:
            raise NotFound(f"assignment {number}")
        return assignment_node(assignment, course.id)
    if type_name == "Enrollment":
        course_id = await owning_course(loaders, "enrollment", number)
        await _readable_course(info, course_id)
        rows = await visible_enrollments(loaders, course_id, types=None, states=None)
        found = next((r for r in rows if r.id == number), None)
        if found is None:
            raise NotFound(f"enrollment {number}")
        return enrollment_node(found)
    raise NotFound(f"{type_name} {number}")


@strawberry.type(description="The entry points: look objects up by id or SIS id.")
class Query:
    @strawberry.field(description="An account by id (`self` is not accepted here) or SIS id.")
    async def account(self, info: Info, id: IdArg = None, sis_id: SisArg = None) -> Account | None:
        row = await resolve_account(info.context.analytics, _ref(id, sis_id, "Account", "sis_account_id"))
        return await _account(info, row.id)

    @strawberry.field(description="A course by id or SIS id (any state but deleted).")
    async def course(self, info: Info, id: IdArg = None, sis_id: SisArg = None) -> Course | None:
        ref = _ref(id, sis_id, "Course", "sis_course_id")
        if sis_id is not None:
            return await _course(info, (await resolve_course(info.context.analytics, ref)).id)
        return await _course(info, int(ref))

    @strawberry.field(description="An active term of the root account by id or SIS id.")
    async def term(self, info: Info, id: IdArg = None, sis_id: SisArg = None) -> Term | None:
        ctx = info.context.analytics
        root = await resolve_account(ctx, "self")
        row = await resolve_term(ctx, _ref(id, sis_id, "Term", "sis_term_id"), account=root)
        return await _term(info, row.id)

    @strawberry.field(
        description="A user by id or SIS user id: yourself; for account admins, the users of their courses."
    )
    async def student(self, info: Info, id: IdArg = None, sis_id: SisArg = None) -> Student | None:
        row = await resolve_user(info.context.analytics, _ref(id, sis_id, "Student", "sis_user_id"))
        return await _student(info, row.id)

    @strawberry.field(description="Any object by its Relay global id.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Relay global id.")],
    ) -> Node | None:
        decoded = decode_global_id(str(id))
        if decoded is None:
            raise NotFound(f"node {id!r}")
        return await _find(info, *decoded)

    @strawberry.field(description="Any object by its Canvas id and type.")
    async def legacy_node(
        self,
        info: Info,
        legacy_id: Annotated[strawberry.ID, strawberry.argument(name="_id", description="The Canvas id.")],
        type: Annotated[NodeType, strawberry.argument(description="What kind of object.")],
    ) -> Node | None:
        number = parse_numeric_id(str(legacy_id))
        if number is None:
            raise NotFound(f"{type.value} {legacy_id!r}")
        return await _find(info, type.value, number)


# Referenced so that every Node type is in the schema even when no field returns it directly.
NODE_TYPES: tuple[type, ...] = (Account, Course, Term, Section, Student, Assignment, Enrollment)
