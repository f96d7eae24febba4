"""Alembic environment: runs on the connection handed over by ``storage.engine.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from analytics_gateway.storage.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):  # pragma: no cover - misuse guard
    raise RuntimeError("run migrations through analytics_gateway.storage.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
