"""Inbound mail keeps its Reply-To: an agent's answer goes where the customer asked answers to go.

Revision ID: tickets_0008_message_reply_to
Revises: tickets_0007_message_originals

Contact forms and shops send mail from their own no-reply address with the
customer in ``Reply-To``; mail programs answer there, and so must Destek.
"""
import sqlalchemy as sa
from alembic import op

revision = "tickets_0008_message_reply_to"
down_revision = "tickets_0007_message_originals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("reply_to_email", sa.Text(), nullable=True), schema="tickets")


def downgrade() -> None:
    op.drop_column("messages", "reply_to_email", schema="tickets")
