"""customers' search, contacts and merges; internal notes; calls and card figures; the audit trail

Revision ID: tickets_0003_customers
Revises: tickets_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "tickets_0003_customers"
down_revision = "tickets_0001"
branch_labels = None
depends_on = None

# Must stay equal to services.tickets.domain.text_folding.CUSTOMER_SEARCH_TEXT_SQL (a test checks it).
CUSTOMER_SEARCH_TEXT_SQL = (
    "lower(translate(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''), "
    "'İIıŞşĞğÇçÖöÜüÂâÎîÛû', 'iiissggccoouuaaiiuu'))")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _customers()
    _notes_and_calls()
    _audit()


def _customers() -> None:
    op.add_column("customers", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True), schema="tickets")
    op.add_column("customers", sa.Column("merged_into_id", sa.Integer(), nullable=True), schema="tickets")
    op.create_foreign_key("fk_customers_merged_into", "customers", "customers", ["merged_into_id"], ["id"],
                          source_schema="tickets", referent_schema="tickets")
    op.add_column("customers", sa.Column("search_text", sa.Text(), sa.Computed(CUSTOMER_SEARCH_TEXT_SQL,
                                                                              persisted=True), nullable=False),
                  schema="tickets")
    op.create_index("ix_customers_search_text", "customers", ["search_text"], schema="tickets",
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    op.execute("CREATE INDEX ix_customers_listed ON tickets.customers "
               "(last_contact_at DESC NULLS LAST, id DESC) WHERE merged_into_id IS NULL")
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["tickets.customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets")
    op.create_index("ix_tickets_customer_contacts_customer_id", "customer_contacts", ["customer_id"],
                    schema="tickets")
    op.create_index("ux_customer_contacts_kind_value", "customer_contacts", ["kind", "value"], unique=True,
                    schema="tickets")
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("merged_by_user_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["tickets.customers.id"]),
        sa.ForeignKeyConstraint(["target_id"], ["tickets.customers.id"]),
        sa.ForeignKeyConstraint(["merged_by_user_id"], ["tickets.users.id"]),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets")
    op.create_index("ix_tickets_customer_merges_source_id", "customer_merges", ["source_id"], schema="tickets")
    op.create_index("ix_tickets_customer_merges_target_id", "customer_merges", ["target_id"], schema="tickets")


def _notes_and_calls() -> None:
    op.add_column("tickets", sa.Column("call_count", sa.Integer(), server_default="0", nullable=False),
                  schema="tickets")
    op.add_column("tickets", sa.Column("last_call_at", sa.DateTime(timezone=True), nullable=True), schema="tickets")
    op.create_table(
        "notes",
        sa.Column("id", sa.BigInteger(), nullable=False),  # bigserial: its sequence is tickets.notes_id_seq
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_user_id"], ["tickets.users.id"]),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets")
    op.create_index("ix_notes_ticket_created", "notes", ["ticket_id", "created_at"], schema="tickets")
    op.create_table(
        "calls",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("provider_call_id", sa.Text(), nullable=True),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.tickets.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["tickets.customers.id"]),
        sa.ForeignKeyConstraint(["recorded_by_user_id"], ["tickets.users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_call_id"),
        schema="tickets")
    op.create_index("ix_tickets_calls_customer_id", "calls", ["customer_id"], schema="tickets")
    op.create_index("ix_calls_ticket_started", "calls", ["ticket_id", "started_at"], schema="tickets")
    op.create_index("ix_calls_unlinked_started", "calls", ["started_at"], schema="tickets",
                    postgresql_where=sa.text("ticket_id IS NULL"))


def _audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets")
    op.create_index("ix_audit_log_at", "audit_log", ["at"], schema="tickets")
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor_user_id", "at"], schema="tickets")
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"], schema="tickets")
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"], schema="tickets")


def downgrade() -> None:
    op.drop_table("audit_log", schema="tickets")
    op.drop_table("calls", schema="tickets")
    op.drop_table("notes", schema="tickets")
    op.drop_column("tickets", "last_call_at", schema="tickets")
    op.drop_column("tickets", "call_count", schema="tickets")
    op.drop_table("customer_merges", schema="tickets")
    op.drop_table("customer_contacts", schema="tickets")
    op.execute("DROP INDEX IF EXISTS tickets.ix_customers_listed")
    op.drop_index("ix_customers_search_text", table_name="customers", schema="tickets")
    op.drop_column("customers", "search_text", schema="tickets")
    op.drop_constraint("fk_customers_merged_into", "customers", schema="tickets", type_="foreignkey")
    op.drop_column("customers", "merged_into_id", schema="tickets")
    op.drop_column("customers", "updated_at", schema="tickets")
