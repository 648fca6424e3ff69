"""Join the schema's branches; index In-Reply-To so a reply that came first is found by its answer.

Inbound batches look up "which stored message answers this Message-ID" in
both References and In-Reply-To; References had a GIN index, In-Reply-To
had none, so that lookup scanned every message.

Revision ID: tickets_0005_inbound_lookups
"""
from alembic import op

revision = "tickets_0005_inbound_lookups"
down_revision = ("tickets_0002_pipelines", "tickets_0003_customers", "tickets_0004_mail")
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_messages_in_reply_to", "messages", ["in_reply_to"], schema="tickets",
                    postgresql_using="gin")


def downgrade():
    op.drop_index("ix_messages_in_reply_to", table_name="messages", schema="tickets")
