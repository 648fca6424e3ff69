"""Inbound mail keeps its Reply-To and Cc: where answers should go, and who else was told.

Revision ID: tickets_0008_reply_to_and_cc
Revises: tickets_0007_message_originals

Contact forms and shops send mail from their own no-reply address with the
customer in ``Reply-To``; mail programs answer there, and so must Destek.
``cc_emails`` shows an agent who the customer copied.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "tickets_0008_reply_to_and_cc"
down_revision = "tickets_0007_message_originals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("reply_to_email", sa.Text(), nullable=True), schema="tickets")
    op.add_column("messages", sa.Column("cc_emails", ARRAY(sa.Text()), nullable=False,
                                        server_default=sa.text("'{}'::text[]")), schema="tickets")


def downgrade() -> None:
    op.drop_column("messages", "cc_emails", schema="tickets")
    op.drop_column("messages", "reply_to_email", schema="tickets")
