"""The committed ``schema.graphql`` is the schema the server runs, and every type and field is documented."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from analytics_gateway.schema import SCHEMA

SDL = Path(__file__).parents[2] / "schema.graphql"


def test_committed_sdl_is_current() -> None:
    assert SDL.read_text(encoding="utf-8") == SCHEMA.as_str() + "\n", (
        "schema.graphql is out of date: run `python -m analytics_gateway.schema > schema.graphql`"
    )


def test_every_type_and_field_has_a_description() -> None:
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
        if isinstance(kind, GraphQLEnumType):
            continue
    assert not missing, f"undocumented: {missing}"
