"""Alembic environment of the gateway service: its own schema and version table."""
from alembic import context

from services.shared.migrate import run_migrations_online
from services.gateway.models import metadata

run_migrations_online(context.config, metadata)
