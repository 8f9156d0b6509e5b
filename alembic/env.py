"""Alembic environment: the URL comes from the gateway's settings (or an explicit connection)."""

from sqlmodel import SQLModel

import dictachat.chat.models  # noqa: F401  (registers the chat's tables)
import gateway.models  # noqa: F401  (registers the gateway's tables)
from alembic import context
from common.db import make_engine
from common.settings import get_settings

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(get_settings().storage.database_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `alembic upgrade head` against a database")
run_migrations()
