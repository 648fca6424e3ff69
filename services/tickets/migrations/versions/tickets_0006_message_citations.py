"""Which stored message cites a Message-ID, in a table of its own with a B-tree index.

Revision ID: tickets_0006_message_citations
Revises: tickets_0005_inbound_lookups

Threading asks, for every mail of an inbound batch, "which stored message
answers this Message-ID, or answers the mail it answers". Asked of GIN
indexes on ``messages.references`` and ``messages.in_reply_to`` with a few
hundred IDs at once, PostgreSQL estimated half the table would match and
read all of it (0.7 s per batch at 50,000 messages, growing with the table).
One row per cited Message-ID, kept by a statement-level trigger whoever
writes a message, answers the same question with index lookups, and costs
less to write than the two GIN indexes it replaces.
"""
from alembic import op

revision = "tickets_0006_message_citations"
down_revision = "tickets_0005_inbound_lookups"
branch_labels = None
depends_on = None

CITATIONS_OF_NEW_MESSAGES = """
CREATE FUNCTION tickets.messages_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets.message_citations (cited_id, message_id, ticket_id, created_at)
    SELECT DISTINCT cited.id, new_rows.id, new_rows.ticket_id, new_rows.created_at
    FROM new_rows, unnest(new_rows.in_reply_to || new_rows."references") AS cited(id)
    WHERE cited.id <> '';
    RETURN NULL;
END $$;
CREATE TRIGGER messages_record_citations AFTER INSERT ON tickets.messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets.messages_after_insert();
"""


def upgrade():
    op.execute("""
        CREATE TABLE tickets.message_citations (
            cited_id text NOT NULL,
            message_id bigint NOT NULL REFERENCES tickets.messages (id) ON DELETE CASCADE,
            ticket_id bigint NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (cited_id, message_id))""")
    op.execute("CREATE INDEX ix_message_citations_message ON tickets.message_citations (message_id)")
    op.execute("""
        INSERT INTO tickets.message_citations (cited_id, message_id, ticket_id, created_at)
        SELECT DISTINCT cited.id, m.id, m.ticket_id, m.created_at
        FROM tickets.messages m, unnest(m.in_reply_to || m."references") AS cited(id)
        WHERE cited.id <> ''""")
    op.execute(CITATIONS_OF_NEW_MESSAGES)
    op.execute("DROP INDEX tickets.ix_messages_references")
    op.execute("DROP INDEX tickets.ix_messages_in_reply_to")


def downgrade():
    op.execute('CREATE INDEX ix_messages_references ON tickets.messages USING gin ("references")')
    op.execute("CREATE INDEX ix_messages_in_reply_to ON tickets.messages USING gin (in_reply_to)")
    op.execute("DROP TRIGGER messages_record_citations ON tickets.messages")
    op.execute("DROP FUNCTION tickets.messages_after_insert()")
    op.execute("DROP TABLE tickets.message_citations")
