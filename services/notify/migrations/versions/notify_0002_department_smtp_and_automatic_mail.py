"""deliveries know their department (its SMTP server) and what automatic mail told the customer

Revision ID: notify_0002_department_smtp
Revises: notify_0001
Create Date: 2026-11-22 21:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'notify_0002_department_smtp'
down_revision = 'notify_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('deliveries', sa.Column('department_id', sa.Integer(), nullable=True), schema='notify')
    op.add_column('deliveries', sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='notify')


def downgrade() -> None:
    op.drop_column('deliveries', 'details', schema='notify')
    op.drop_column('deliveries', 'department_id', schema='notify')
