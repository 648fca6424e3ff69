"""the email channel: department mailboxes, attachments, held inbound mail, the sender rate-limit index

Revision ID: tickets_0004_mail
Revises: tickets_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "tickets_0004_mail"
down_revision = "tickets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_mail_settings",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("imap_host", sa.Text(), nullable=True),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("imap_security", sa.Text(), nullable=False),
        sa.Column("imap_user", sa.Text(), nullable=True),
        sa.Column("imap_password", sa.LargeBinary(), nullable=True),
        sa.Column("imap_folder", sa.Text(), nullable=False),
        sa.Column("imap_move_to", sa.Text(), nullable=True),
        sa.Column("imap_enabled", sa.Boolean(), nullable=False),
        sa.Column("smtp_host", sa.Text(), nullable=True),
        sa.Column("smtp_port", sa.Integer(), nullable=True),
        sa.Column("smtp_security", sa.Text(), nullable=False),
        sa.Column("smtp_username", sa.Text(), nullable=True),
        sa.Column("smtp_password", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["tickets.departments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("department_id"),
        schema="tickets",
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("content_id", sa.Text(), nullable=True),
        sa.Column("not_kept_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["tickets.messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets",
    )
    op.create_index("ix_tickets_attachments_message_id", "attachments", ["message_id"], schema="tickets")
    op.create_table(
        "held_messages",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("rfc_message_id", sa.Text(), nullable=False),
        sa.Column("from_email", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["tickets.departments.id"]),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets",
    )
    op.create_index("ux_held_messages_department_rfc_id", "held_messages", ["department_id", "rfc_message_id"],
                    unique=True, schema="tickets")
    op.create_index("ix_held_messages_status_created", "held_messages", ["status", "created_at"],
                    schema="tickets")
    op.create_index("ix_messages_inbound_sender_created", "messages", ["from_email", "created_at"],
                    schema="tickets", postgresql_where=sa.text("direction = 'inbound'"))


def downgrade() -> None:
    op.drop_index("ix_messages_inbound_sender_created", table_name="messages", schema="tickets")
    op.drop_table("held_messages", schema="tickets")
    op.drop_table("attachments", schema="tickets")
    op.drop_table("department_mail_settings", schema="tickets")
