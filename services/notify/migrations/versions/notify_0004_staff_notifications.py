"""staff notifications, each user's choices, and notify's own copy of each ticket's department and assignee

Revision ID: notify_0004_staff_notifications
Revises: notify_0003_destinations
Create Date: 2026-12-04 23:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'notify_0004_staff_notifications'
down_revision = 'notify_0003_destinations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tickets',
        sa.Column('number', sa.Text(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('number'),
        schema='notify')
    op.create_table(
        'notifications',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Text(), nullable=False),
        sa.Column('ticket_number', sa.Text(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('data', postgresql.JSONB(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('email_state', sa.Text(), nullable=False),
        sa.Column('delivery_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'user_id', 'kind', name='uq_notifications_once'),
        schema='notify')
    op.create_index('ix_notifications_user', 'notifications', ['user_id', 'id'], schema='notify')
    op.create_index('ix_notifications_unread', 'notifications', ['user_id'], schema='notify',
                    postgresql_where=sa.text('read_at IS NULL'))
    op.create_index('ix_notifications_waiting', 'notifications', ['user_id', 'created_at'], schema='notify',
                    postgresql_where=sa.text("email_state = 'waiting'"))
    op.create_table(
        'notification_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Text(), nullable=False),
        sa.Column('choice', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'kind'),
        schema='notify')


def downgrade() -> None:
    op.drop_table('notification_settings', schema='notify')
    op.drop_table('notifications', schema='notify')
    op.drop_table('tickets', schema='notify')
