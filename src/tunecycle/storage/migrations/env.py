"""Alembic environment for tunecycle's schema: runs on the connection the storage passes in
(``config.attributes["connection"]``), inside the storage's own locked transaction."""

from alembic import context

from tunecycle.storage.schema import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
