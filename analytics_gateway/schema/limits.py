"""Query limits, built once at start-up (design: a per-request rule defeats the validation cache).

Depth 15, aliases 20 and tokens 5,000 are Canvas's own defaults. The static cost is an estimate of how
many objects a query can make: every field costs 1, times the size of every list above it; a connection
counts ``first``/``last`` items (20 when neither is given, at most 100; a variable counts its default, or
100), any other list 10. A query over :data:`MAX_COST` is refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as create_alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_validator

from analytics_gateway.schema.connections import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

__all__ = [
    "LIMIT_EXTENSIONS",
    "MAX_ALIASES",
    "MAX_COST",
    "MAX_DEPTH",
    "MAX_TOKENS",
    "CostLimitRule",
    "query_cost",
]

MAX_DEPTH = 15
MAX_ALIASES = 20
MAX_TOKENS = 5_000
MAX_COST = 50_000
LIST_WEIGHT = 10
CACHE_SIZE = 1_000


def _unwrap(kind: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        if isinstance(kind, GraphQLList):
            is_list = True
        kind = kind.of_type
    return kind, is_list


def _page_size(node: FieldNode, variables: dict[str, Any]) -> int:
    for argument in node.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(0, min(int(value.value), MAX_PAGE_SIZE))
        if isinstance(value, VariableNode):
            default = variables.get(value.name.value)
            return max(0, min(default, MAX_PAGE_SIZE)) if isinstance(default, int) else MAX_PAGE_SIZE
    return DEFAULT_PAGE_SIZE


def query_cost(
    selection_set: SelectionSetNode | None,
    parent: GraphQLNamedType,
    context: ValidationContext,
    variables: dict[str, Any],
    seen: frozenset[str] = frozenset(),
) -> int:
    """The static cost of a selection set on ``parent`` (see the module docstring)."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += 1
            fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
            definition = fields.get(selection.name.value)
            if definition is None or selection.selection_set is None:
                continue
            child, is_list = _unwrap(definition.type)
            if child.name.endswith("Connection"):
                factor = _page_size(selection, variables)
            elif is_list and not (
                parent.name.endswith("Connection") and selection.name.value in ("nodes", "edges")
            ):
                factor = LIST_WEIGHT
            else:
                factor = 1
            total += factor * query_cost(selection.selection_set, child, context, variables, seen)
        elif isinstance(selection, InlineFragmentNode):
            target = parent
            if selection.type_condition is not None:
                target = context.schema.get_type(selection.type_condition.name.value) or parent
            total += query_cost(selection.selection_set, target, context, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                continue
            target = context.schema.get_type(fragment.type_condition.name.value) or parent
            total += query_cost(fragment.selection_set, target, context, variables, seen | {name})
    return total


class CostLimitRule(ValidationRule):
    """Refuses an operation whose static cost exceeds :data:`MAX_COST`."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        defaults: dict[str, Any] = {}
        for definition in node.variable_definitions or ():
            if isinstance(definition.default_value, IntValueNode):
                defaults[definition.variable.name.value] = int(definition.default_value.value)
        cost = query_cost(node.selection_set, root, self.context, defaults)
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"Query cost {cost} exceeds the maximum of {MAX_COST}: ask for fewer items "
                    "(smaller `first`) or fewer nested lists.",
                    node,
                )
            )


_RULES: list[type[Any]] = [
    create_depth_validator(MAX_DEPTH, None, None),
    create_alias_validator(MAX_ALIASES),
    CostLimitRule,
]

LIMIT_EXTENSIONS: list[Callable[[], SchemaExtension]] = [
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    lambda: ParserCache(maxsize=CACHE_SIZE),
    lambda: AddValidationRules(_RULES),
    lambda: ValidationCache(maxsize=CACHE_SIZE),
]
"""Schema extension factories: the same rule classes every request, so validation results are cached."""
