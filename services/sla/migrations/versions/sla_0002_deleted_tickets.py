"""Remember deleted tickets, so that their late events are settled instead of retried and parked.

Revision ID: sla_0002_deleted_tickets
Revises: sla_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "sla_0002_deleted_tickets"
down_revision = "sla_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deleted_tickets",
        sa.Column("ticket_number", sa.Text(), primary_key=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        schema="sla")


def downgrade() -> None:
    op.drop_table("deleted_tickets", schema="sla")
