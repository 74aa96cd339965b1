"""Alembic environment for NOVAMIND Desktop, on SQLite and PostgreSQL.

The database URL comes from the caller (novamind_desktop.infrastructure.migrations puts it in
config.attributes["url"]), else DATABASE_URL, else the app's default SQLite file. Each
migration runs in its own transaction, so a failure leaves the database at the last complete
revision (SQLite DDL is transactional once sqlite3 stops managing BEGIN itself, which
database.make_engine does). SQLite needs batch mode for ALTER and runs with foreign keys off
while tables are rebuilt.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any

from sqlalchemy.engine import make_url

from alembic import context
from novamind_desktop.infrastructure.database import (
    DATABASE_URL_VAR,
    default_database_url,
    make_engine,
)

# The exclusion constraint is declared on the model (records.py) for PostgreSQL only; Alembic
# does not compare exclusion constraints, so tests/integration check it in pg_constraint.
from novamind_desktop.infrastructure.records import Base

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> Any:
    if config.attributes.get("url") is not None:
        return make_url(config.attributes["url"])
    text = os.environ.get(DATABASE_URL_VAR, "").strip()
    return make_url(text) if text else default_database_url()


def _options(is_sqlite: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "target_metadata": target_metadata,
        "render_as_batch": is_sqlite,
        "compare_type": True,
        "transaction_per_migration": True,
    }
    on_version_apply = config.attributes.get("on_version_apply")
    if on_version_apply is not None:
        options["on_version_apply"] = on_version_apply
    return options


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url.render_as_string(hide_password=False),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(url.get_backend_name() == "sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    engine = make_engine(url, for_migrations=True)
    try:
        with engine.connect() as connection:
            # SQLite DDL is transactional here (make_engine emits BEGIN itself), so each
            # migration commits or rolls back as a whole on both databases.
            context.configure(
                connection=connection,
                transactional_ddl=True,
                **_options(url.get_backend_name() == "sqlite"),
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
