"""Policies and calendars owners edit: one row per department, department 0 the organisation's default.

Revision ID: sla_0004_policies_calendars
Revises: sla_0003_clock_episodes
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "sla_0004_policies_calendars"
down_revision = "sla_0003_clock_episodes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("policies", "calendars"):
        op.create_table(
            table,
            sa.Column("department_id", sa.Integer(), primary_key=True),
            sa.Column("settings", postgresql.JSONB(), nullable=False),
            sa.Column("updated_by", sa.Integer(), nullable=True),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            schema="sla")


def downgrade() -> None:
    op.drop_table("calendars", schema="sla")
    op.drop_table("policies", schema="sla")
