"""Automatic assignment: each department's mode and cap, its round-robin cursor, and people's availability.

Revision ID: tickets_0009_assignment
Revises: tickets_0008_reply_to_and_cc

One row per department that has ever been set (none means ``off``) holds the
mode, the cap of open tickets per agent and the round-robin cursor (the agent
who got the last ticket). The row is locked ``FOR UPDATE`` by the transaction
that creates a ticket of the department, so two workers never read the same
cursor. A user is ``available`` or ``away``; ``away_until`` makes the absence
end by itself (out of office until a date).
"""
import sqlalchemy as sa
from alembic import op

revision = "tickets_0009_assignment"
down_revision = "tickets_0008_reply_to_and_cc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_assignment",
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("tickets.departments.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("mode", sa.Text(), nullable=False, server_default="off"),
        sa.Column("max_open_per_agent", sa.Integer(), nullable=True),
        sa.Column("last_assigned_user_id", sa.Integer(),
                  sa.ForeignKey("tickets.users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("mode IN ('off', 'round_robin', 'least_open')", name="assignment_mode_known"),
        sa.CheckConstraint("max_open_per_agent IS NULL OR max_open_per_agent >= 1", name="assignment_cap_positive"),
        schema="tickets")
    op.add_column("users", sa.Column("availability", sa.Text(), nullable=False, server_default="available"),
                  schema="tickets")
    op.add_column("users", sa.Column("away_until", sa.DateTime(timezone=True), nullable=True), schema="tickets")
    op.create_check_constraint("users_availability_known", "users", "availability IN ('available', 'away')",
                               schema="tickets")
    # Counting an agent's open tickets at every assignment must not scan the department's tickets.
    op.create_index("tickets_open_by_assignee", "tickets", ["assignee_id"], schema="tickets",
                    postgresql_where=sa.text("status NOT IN ('resolved', 'closed') AND assignee_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("tickets_open_by_assignee", table_name="tickets", schema="tickets")
    op.drop_constraint("users_availability_known", "users", schema="tickets")
    op.drop_column("users", "away_until", schema="tickets")
    op.drop_column("users", "availability", schema="tickets")
    op.drop_table("department_assignment", schema="tickets")
