"""deliveries go to destinations that back off on their own, and are marked as being sent before they are

Revision ID: notify_0003_destinations
Revises: notify_0002_department_smtp
Create Date: 2026-12-04 22:40:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'notify_0003_destinations'
down_revision = 'notify_0002_department_smtp'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'destinations',
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('failures', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key'),
        schema='notify')
    op.add_column('deliveries', sa.Column('destination', sa.Text(), nullable=True), schema='notify')
    op.add_column('deliveries', sa.Column('attempt_id', sa.Uuid(), nullable=True), schema='notify')
    op.add_column('deliveries', sa.Column('sending_owner', sa.Integer(), nullable=True), schema='notify')
    op.add_column('deliveries', sa.Column('sending_at', sa.DateTime(timezone=True), nullable=True), schema='notify')
    op.add_column('deliveries', sa.Column('possible_duplicate', sa.Boolean(), server_default=sa.text('false'),
                                          nullable=False), schema='notify')
    # The same keys as domain/destinations.smtp_destination.
    op.execute("UPDATE notify.deliveries SET destination = CASE WHEN department_id IS NULL THEN 'smtp:default' "
               "ELSE 'smtp:department:' || department_id END")
    op.alter_column('deliveries', 'destination', nullable=False, schema='notify')
    op.execute("INSERT INTO notify.destinations (key) SELECT DISTINCT destination FROM notify.deliveries "
               "WHERE status = 'pending'")
    op.drop_index('ix_deliveries_due', table_name='deliveries', schema='notify',
                  postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_deliveries_destination_due', 'deliveries', ['destination', 'next_attempt_at'],
                    schema='notify', postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_deliveries_sending', 'deliveries', ['sending_owner'], schema='notify',
                    postgresql_where=sa.text("status = 'sending'"))


def downgrade() -> None:
    op.execute("UPDATE notify.deliveries SET status = 'pending' WHERE status = 'sending'")
    op.drop_index('ix_deliveries_sending', table_name='deliveries', schema='notify',
                  postgresql_where=sa.text("status = 'sending'"))
    op.drop_index('ix_deliveries_destination_due', table_name='deliveries', schema='notify',
                  postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_deliveries_due', 'deliveries', ['next_attempt_at'], schema='notify',
                    postgresql_where=sa.text("status = 'pending'"))
    for column in ('possible_duplicate', 'sending_at', 'sending_owner', 'attempt_id', 'destination'):
        op.drop_column('deliveries', column, schema='notify')
    op.drop_table('destinations', schema='notify')
