"""ticket core: categories, pipelines and stages, AI assignee, time in stage, Turkish-folded search

Revision ID: tickets_0002_pipelines
Revises: tickets_0001

Triggers keep two things right whoever writes a ticket (the API, mail intake,
a customer merge, a bulk load): a new ticket without a stage lands in the
first stage of the first Service pipeline, and ``search_text`` always holds
the folded number, subject and customer of the ticket.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "tickets_0002_pipelines"
down_revision = "tickets_0001"
branch_labels = None
depends_on = None

# A frozen copy of domain/text_folding.py's table: a migration must not change when the code does.
FOLD_FROM = "İIıŞşĞğÇçÖöÜüÂâÎîÛû"
FOLD_TO = "iiissggccoouuaaiiuu"
SEARCH_VECTOR_SQL = ("to_tsvector('simple'::regconfig, "
                     "regexp_replace(coalesce(search_text, ''), '[^[:alnum:]]+', ' ', 'g'))")
DEFAULT_PIPELINES = [
    ("Satış", "sales", ["Lead", "Qualified", "Proposal", "Won", "Lost"]),
    ("Servis", "service", ["New", "In progress", "Waiting", "Done"]),
]
TICKET_INDEXES = [
    ("ix_tickets_updated_id", ["updated_at", "id"]),
    ("ix_tickets_created_id", ["created_at", "id"]),
    ("ix_tickets_priority_id", ["priority", "id"]),
    ("ix_tickets_stage_entered_id", ["stage_entered_at", "id"]),
    ("ix_tickets_board", ["stage_id", "priority", "stage_entered_at", "id"]),
    ("ix_tickets_assignee", ["assignee_id"]),
    ("ix_tickets_category", ["category_id"]),
    ("ix_tickets_subcategory", ["subcategory_id"]),
]

FUNCTIONS = f"""
CREATE FUNCTION tickets.turkish_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- translate before lower(): lower('İ') depends on the server's locale
  SELECT lower(translate(value, '{FOLD_FROM}', '{FOLD_TO}'))
$$;

CREATE FUNCTION tickets.ticket_search_text(p_number text, p_subject text, p_customer_id integer)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT tickets.turkish_fold(concat_ws(' ', p_number, p_subject, c.name, c.email, c.phone,
         CASE WHEN c.phone LIKE '+90%' THEN '0' || substr(c.phone, 4) END))
  FROM (SELECT 1) AS one LEFT JOIN tickets.customers c ON c.id = p_customer_id
$$;

CREATE FUNCTION tickets.tickets_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.pipeline_id IS NULL AND NEW.stage_id IS NULL THEN
      SELECT s.pipeline_id, s.id INTO NEW.pipeline_id, NEW.stage_id
        FROM tickets.stages s JOIN tickets.pipelines p ON p.id = s.pipeline_id
       WHERE p.type = 'service' ORDER BY p.position, p.id, s.position, s.id LIMIT 1;
    END IF;
    IF NEW.stage_entered_at IS NULL THEN  -- never NULL: lists sort and page by it
      NEW.stage_entered_at := coalesce(NEW.created_at, now());
    END IF;
  END IF;
  NEW.search_text := tickets.ticket_search_text(NEW.number, NEW.subject, NEW.customer_id);
  RETURN NEW;
END
$$;

CREATE FUNCTION tickets.customers_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tickets.tickets SET search_text = tickets.ticket_search_text(number, subject, customer_id)
   WHERE customer_id = NEW.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER tickets_before_insert BEFORE INSERT ON tickets.tickets
  FOR EACH ROW EXECUTE FUNCTION tickets.tickets_before_write();
CREATE TRIGGER tickets_before_update BEFORE UPDATE OF number, subject, customer_id ON tickets.tickets
  FOR EACH ROW EXECUTE FUNCTION tickets.tickets_before_write();
CREATE TRIGGER customers_refresh_ticket_search AFTER UPDATE OF name, email, phone ON tickets.customers
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
                     OR OLD.phone IS DISTINCT FROM NEW.phone)
  EXECUTE FUNCTION tickets.customers_after_update();
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _create_catalogue_tables()
    _add_ticket_columns()
    op.execute(FUNCTIONS)
    _seed_default_pipelines()
    _backfill_tickets()
    for name, columns in TICKET_INDEXES:
        op.create_index(name, "tickets", columns, schema="tickets")
    op.create_index("ix_tickets_search_trgm", "tickets", ["search_text"], schema="tickets",
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    op.create_index("ix_tickets_search_vector", "tickets", ["search_vector"], schema="tickets",
                    postgresql_using="gin")


def _create_catalogue_tables() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["tickets.categories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema="tickets")
    op.create_index("ix_tickets_categories_parent_id", "categories", ["parent_id"], schema="tickets")
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("type IN ('sales', 'service')", name="ck_pipelines_type"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        schema="tickets")
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pipeline_id"], ["tickets.pipelines.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pipeline_id", "id", name="ux_stages_pipeline_id"),
        schema="tickets")


def _add_ticket_columns() -> None:
    for column in (
            sa.Column("category_id", sa.Integer(), nullable=True),
            sa.Column("subcategory_id", sa.Integer(), nullable=True),
            sa.Column("assignee_ai_agent", sa.Text(), nullable=True),
            sa.Column("pipeline_id", sa.Integer(), nullable=True),
            sa.Column("stage_id", sa.Integer(), nullable=True),
            sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("search_text", sa.Text(), nullable=True),
            sa.Column("search_vector", postgresql.TSVECTOR(),
                      sa.Computed(SEARCH_VECTOR_SQL, persisted=True), nullable=True)):
        op.add_column("tickets", column, schema="tickets")
    op.create_foreign_key("tickets_category_id_fkey", "tickets", "categories", ["category_id"], ["id"],
                          source_schema="tickets", referent_schema="tickets", ondelete="SET NULL")
    op.create_foreign_key("tickets_subcategory_id_fkey", "tickets", "categories", ["subcategory_id"], ["id"],
                          source_schema="tickets", referent_schema="tickets", ondelete="SET NULL")
    op.create_foreign_key("fk_tickets_pipeline_stage", "tickets", "stages", ["pipeline_id", "stage_id"],
                          ["pipeline_id", "id"], source_schema="tickets", referent_schema="tickets")
    op.create_check_constraint("ck_tickets_pipeline_with_stage", "tickets",
                               "(pipeline_id IS NULL) = (stage_id IS NULL)", schema="tickets")
    op.create_check_constraint("ck_tickets_one_assignee", "tickets",
                               "assignee_id IS NULL OR assignee_ai_agent IS NULL", schema="tickets")


def _seed_default_pipelines() -> None:
    bind = op.get_bind()
    for position, (name, kind, stages) in enumerate(DEFAULT_PIPELINES):
        pipeline_id = bind.execute(sa.text(
            "INSERT INTO tickets.pipelines (name, type, position) VALUES (:n, :t, :p) RETURNING id"),
            {"n": name, "t": kind, "p": position}).scalar_one()
        for stage_position, stage in enumerate(stages):
            bind.execute(sa.text("INSERT INTO tickets.stages (pipeline_id, name, position) VALUES (:i, :n, :p)"),
                         {"i": pipeline_id, "n": stage, "p": stage_position})


def _backfill_tickets() -> None:
    op.execute("""
        UPDATE tickets.tickets t SET pipeline_id = s.pipeline_id, stage_id = s.id
          FROM (SELECT s.pipeline_id, s.id FROM tickets.stages s JOIN tickets.pipelines p ON p.id = s.pipeline_id
                 WHERE p.type = 'service' ORDER BY p.position, p.id, s.position, s.id LIMIT 1) s""")
    op.execute("UPDATE tickets.tickets SET stage_entered_at = created_at, "
               "search_text = tickets.ticket_search_text(number, subject, customer_id)")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS customers_refresh_ticket_search ON tickets.customers")
    op.execute("DROP TRIGGER IF EXISTS tickets_before_update ON tickets.tickets")
    op.execute("DROP TRIGGER IF EXISTS tickets_before_insert ON tickets.tickets")
    for function in ("customers_after_update()", "tickets_before_write()",
                     "ticket_search_text(text, text, integer)", "turkish_fold(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS tickets.{function}")
    for name in ("ix_tickets_search_vector", "ix_tickets_search_trgm", *(n for n, _ in TICKET_INDEXES)):
        op.drop_index(name, table_name="tickets", schema="tickets")
    for name in ("ck_tickets_one_assignee", "ck_tickets_pipeline_with_stage", "fk_tickets_pipeline_stage",
                 "tickets_subcategory_id_fkey", "tickets_category_id_fkey"):
        op.drop_constraint(name, "tickets", schema="tickets")
    for column in ("search_vector", "search_text", "stage_entered_at", "stage_id", "pipeline_id",
                   "assignee_ai_agent", "subcategory_id", "category_id"):
        op.drop_column("tickets", column, schema="tickets")
    op.drop_table("stages", schema="tickets")
    op.drop_table("pipelines", schema="tickets")
    op.drop_index("ix_tickets_categories_parent_id", table_name="categories", schema="tickets")
    op.drop_table("categories", schema="tickets")
