"""Create the database if needed and bring every service's schema to its latest migration.

Run once per deploy, before the services start (``python -m services.shared.migrate``):
running migrations on every replica's start would race.
"""
from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.shared.config import load_settings

MIGRATED_SERVICES = ("tickets", "ingest", "notify", "sla", "reports", "gateway")
ROOT = Path(__file__).resolve().parents[1]


def ensure_database(url: str) -> None:
    """Create the configured database if the server does not have it yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": target.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def alembic_config(service: str, url: str) -> Config:
    """Alembic settings for one service's own migration history."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / service / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = service
    return config


def upgrade_all(url: str | None = None, services=MIGRATED_SERVICES) -> None:
    """Migrate each service's schema to head."""
    url = url or load_settings().database_url
    ensure_database(url)
    for service in services:
        # "heads": features are developed side by side as branches of one history.
        command.upgrade(alembic_config(service, url), "heads")


def run_migrations_online(config: Config, metadata) -> None:
    """The body of every service's ``migrations/env.py``: its own schema, its own version table."""
    from alembic import context
    schema = config.attributes["schema"]
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        context.configure(connection=connection, target_metadata=metadata, version_table_schema=schema,
                          include_schemas=True,
                          include_name=lambda name, type_, _: type_ != "schema" or name == schema)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main() -> None:
    """``python -m services.shared.migrate [service ...]``"""
    upgrade_all(services=sys.argv[1:] or MIGRATED_SERVICES)


if __name__ == "__main__":
    main()
