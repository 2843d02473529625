"""Alembic environment: runs migrations on the connection crowdlab hands over (see storage/migrate.py)."""

from __future__ import annotations

from alembic import context

from crowdlab.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a bare `alembic` command line
    raise RuntimeError("run migrations through `crowdlab.storage.migrate.upgrade`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
