"""Alembic environment: runs the migrations on the connection handed over by db.migrate."""

from alembic import context

from db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is called by hand
    from db.engine import make_engine
    from zielcockpit.settings import Settings

    connection = make_engine(Settings.resolve().database_url).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
