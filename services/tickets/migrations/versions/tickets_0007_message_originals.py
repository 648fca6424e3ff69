"""Inbound mail keeps its original and what reading it had to guess.

Revision ID: tickets_0007_message_originals
Revises: tickets_0006_message_citations

``original_archive``/``original_offset``/``original_size``: where the mail
is, exactly as it arrived, in the mail archive (``services.shared.mail_archive``),
for an agent to download when what was read of it looks wrong (NULL for
messages that did not come as mail, and for mail with a file over the size
limit). ``parse_notes``: what the parser had to guess or could
not read (an unknown charset, a broken MIME structure), shown on the message.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "tickets_0007_message_originals"
down_revision = "tickets_0006_message_citations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("original_archive", sa.Text(), nullable=True), schema="tickets")
    op.add_column("messages", sa.Column("original_offset", sa.BigInteger(), nullable=True), schema="tickets")
    op.add_column("messages", sa.Column("original_size", sa.BigInteger(), nullable=True), schema="tickets")
    op.add_column("messages", sa.Column("parse_notes", ARRAY(sa.Text()), nullable=False,
                                        server_default=sa.text("'{}'::text[]")), schema="tickets")


def downgrade() -> None:
    for column in ("parse_notes", "original_size", "original_offset", "original_archive"):
        op.drop_column("messages", column, schema="tickets")
