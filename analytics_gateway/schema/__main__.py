"""``python -m analytics_gateway.schema``: print the GraphQL SDL (the committed ``schema.graphql``)."""

from __future__ import annotations

from analytics_gateway.schema import SCHEMA

if __name__ == "__main__":
    print(SCHEMA.as_str())
