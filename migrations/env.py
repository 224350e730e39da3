"""Alembic environment: runs on the connection the service hands over (see intake/store/database.py)."""

from alembic import context
from sqlmodel import SQLModel

import intake.store.learning
import intake.store.models
import intake.store.steps  # noqa: F401 - the review steps table (issue 11)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through intake.store.database.migrate(), which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
