"""Clock episodes: warnings, the on-hold setting, and one indexed instant the timer looks at.

``next_due_at`` is the next moment the timer has something to publish for a
clock (its warning, else its breach); NULL while paused, stopped or breached.
The timer reads only the clocks whose instant has come, through a partial
index on it, so its cost follows the clocks that are due, not those that exist.

Revision ID: sla_0003_clock_episodes
Revises: sla_0002_deleted_tickets
"""
import sqlalchemy as sa
from alembic import op

revision = "sla_0003_clock_episodes"
down_revision = "sla_0002_deleted_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clocks", sa.Column("warn_at", sa.DateTime(timezone=True)), schema="sla")
    op.add_column("clocks", sa.Column("warned_at", sa.DateTime(timezone=True)), schema="sla")
    op.add_column("clocks", sa.Column("pauses_on_hold", sa.Boolean(), nullable=False, server_default="false"),
                  schema="sla")
    op.add_column("clocks", sa.Column("warn_share", sa.Float(), nullable=False, server_default="0.8"), schema="sla")
    op.add_column("clocks", sa.Column("next_due_at", sa.DateTime(timezone=True)), schema="sla")
    # Clocks from before warnings existed never warn: their breach is what is left to publish.
    op.execute("UPDATE sla.clocks SET warned_at = coalesce(breached_at, started_at), next_due_at = CASE "
               "WHEN stopped_at IS NULL AND paused_since IS NULL AND breached_at IS NULL THEN due_at END")
    op.create_index("ix_clocks_next_due", "clocks", ["next_due_at"], schema="sla",
                    postgresql_where=sa.text("next_due_at IS NOT NULL"))
    op.drop_index("ix_clocks_running_due", table_name="clocks", schema="sla")


def downgrade() -> None:
    op.create_index("ix_clocks_running_due", "clocks", ["due_at"], schema="sla",
                    postgresql_where=sa.text("stopped_at IS NULL AND paused_since IS NULL AND breached_at IS NULL"))
    op.drop_index("ix_clocks_next_due", table_name="clocks", schema="sla")
    for column in ("next_due_at", "warn_share", "pauses_on_hold", "warned_at", "warn_at"):
        op.drop_column("clocks", column, schema="sla")
