"""The committed ``schema.graphql`` is the live schema; every type, field, argument, enum value has docs."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from analytics_gateway.schema import SCHEMA

SDL = Path(__file__).parents[2] / "schema.graphql"


def test_committed_sdl_is_current() -> None:
    assert SDL.read_text(encoding="utf-8") == SCHEMA.as_str() + "\n", (
        "schema.graphql is out of date: run `python -m analytics_gateway.schema > schema.graphql`"
    )


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing: list[str] = []
    for name, kind in SCHEMA._schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, v in kind.values.items() if not v.description]
    assert not missing, f"undocumented: {missing}"
