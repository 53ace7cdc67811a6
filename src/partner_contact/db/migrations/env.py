"""Alembic environment: always run on a connection handed in by partner_contact.db.migrate."""

from alembic import context

from partner_contact.db.base import Base, import_all_models

import_all_models()
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `partner-contact db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
