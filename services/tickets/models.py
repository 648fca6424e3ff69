"""The tickets service's own tables (schema ``tickets``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (ARRAY, BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey,
                        ForeignKeyConstraint, Index, Integer, LargeBinary, UniqueConstraint,
                        Computed, FetchedValue, MetaData, Sequence,
                        SmallInteger, Text, text)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.shared.consumers import parked_events_table, processed_events_table
from services.shared.outbox import outbox_table
from services.tickets.domain.text_folding import CUSTOMER_SEARCH_TEXT_SQL, SEARCH_VECTOR_SQL

metadata = MetaData(schema="tickets")


class Base(DeclarativeBase):
    metadata = metadata


outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
parked_events = parked_events_table(metadata)


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    send_acknowledgement: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    availability: Mapped[str] = mapped_column(Text, default="available", server_default="available")  # | away
    away_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # out of office until then


class Membership(Base):
    """A user's role in one department: ``agent`` or ``manager``."""
    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"),
                                               primary_key=True)
    role: Mapped[str] = mapped_column(Text)


class DepartmentAssignment(Base):
    """A department's automatic assignment: mode, cap, and the round-robin cursor (locked per new ticket)."""
    __tablename__ = "department_assignment"
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"),
                                               primary_key=True)
    mode: Mapped[str] = mapped_column(Text, default="off")  # off | round_robin | least_open
    max_open_per_agent: Mapped[int | None] = mapped_column(Integer)  # None: no cap
    last_assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(Text, unique=True)
    phone: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))  # hidden once merged
    # Turkish-folded name, email and phone, kept by PostgreSQL itself so that every writer keeps it right.
    search_text: Mapped[str] = mapped_column(Text, Computed(CUSTOMER_SEARCH_TEXT_SQL, persisted=True))


class TicketCounter(Base):
    """The last ticket number handed out per year; allocated outside the creating transaction."""
    __tablename__ = "ticket_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(Text, unique=True)
    subject: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(SmallInteger, default=3)
    status: Mapped[str] = mapped_column(Text, default="new")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(Text, default="email")
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    is_auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    call_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # kept by calls.py
    last_call_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # kept by calls.py
    # ticket core (issue 3): category tree, AI assignee, pipeline stage, search text
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    assignee_ai_agent: Mapped[str | None] = mapped_column(Text)  # set only when assignee_id is not
    # A trigger fills these when a writer leaves them empty (migration tickets_0002_pipelines).
    pipeline_id: Mapped[int | None] = mapped_column(Integer, server_default=FetchedValue())
    stage_id: Mapped[int | None] = mapped_column(Integer, server_default=FetchedValue())
    stage_entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                              server_default=FetchedValue())
    search_text: Mapped[str | None] = mapped_column(Text, server_default=FetchedValue(), deferred=True)
    search_vector = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True), deferred=True)

    __table_args__ = (
        Index("ix_tickets_department_status_updated", "department_id", "status", "updated_at"),
        Index("ix_tickets_customer", "customer_id"),
    )


class Message(Base):
    """One entry of a ticket's thread: an inbound or outbound message."""
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    direction: Mapped[str] = mapped_column(Text)  # inbound | outbound
    channel: Mapped[str] = mapped_column(Text, default="email")
    rfc_message_id: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    references: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    from_name: Mapped[str] = mapped_column(Text, default="")
    from_email: Mapped[str] = mapped_column(Text, default="")
    reply_to_email: Mapped[str | None] = mapped_column(Text)  # inbound: where its sender wants answers
    to_emails: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    cc_emails: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default=text("'{}'::text[]"))
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    is_auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivery_status: Mapped[str | None] = mapped_column(Text)  # outbound: queued | sent | failed
    delivery_error: Mapped[str | None] = mapped_column(Text)
    # Inbound mail as it arrived, in the mail archive (None: not mail, or a file of it over the limit).
    original_archive: Mapped[str | None] = mapped_column(Text)
    original_offset: Mapped[int | None] = mapped_column(BigInteger)
    original_size: Mapped[int | None] = mapped_column(BigInteger)
    parse_notes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default=text("'{}'::text[]"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The same mail delivered twice to one department is one message.
        Index("ux_messages_department_rfc_id", "department_id", "rfc_message_id", unique=True,
              postgresql_where=text("rfc_message_id IS NOT NULL")),
        Index("ix_messages_rfc_id", "rfc_message_id"),
        Index("ix_messages_ticket_created", "ticket_id", "created_at"),
    )


class MessageCitation(Base):
    """A Message-ID that a stored message answers (In-Reply-To or References); written by a trigger.

    A mail that arrives before the one it answers, or beside another answer to it, is found through these.
    """
    __tablename__ = "message_citations"
    cited_id: Mapped[str] = mapped_column(Text, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_message_citations_message", "message_id"),)


class HistoryEntry(Base):
    """One change to a ticket: who, when, which field, old → new."""
    __tablename__ = "history"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- the email channel: department mailboxes, attachments, held inbound mail ---

class DepartmentMailSettings(Base):
    """A department's mailbox: where ingest reads its mail (IMAP) and notify sends it (SMTP)."""
    __tablename__ = "department_mail_settings"
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"),
                                               primary_key=True)
    imap_host: Mapped[str | None] = mapped_column(Text)
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_security: Mapped[str] = mapped_column(Text, default="tls")  # none | starttls | tls
    imap_user: Mapped[str | None] = mapped_column(Text)
    imap_password: Mapped[bytes | None] = mapped_column(LargeBinary)  # secrets_box, "mailbox:<id>"
    imap_folder: Mapped[str] = mapped_column(Text, default="INBOX")
    imap_move_to: Mapped[str | None] = mapped_column(Text)  # None: mark imported mail \Seen instead
    imap_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    smtp_host: Mapped[str | None] = mapped_column(Text)
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(Text, default="starttls")
    smtp_username: Mapped[str | None] = mapped_column(Text)
    smtp_password: Mapped[bytes | None] = mapped_column(LargeBinary)  # secrets_box, "mailbox:<id>:smtp"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Attachment(Base):
    """A file of a thread message; its bytes live in the attachment store under ``sha256``."""
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str | None] = mapped_column(Text)  # None: not kept (see not_kept_reason)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content_id: Mapped[str | None] = mapped_column(Text)
    not_kept_reason: Mapped[str | None] = mapped_column(Text)  # e.g. "larger than the 25 MB limit"


# Added from here so that the Message class itself stays as it was: ``message.attachments``.
Message.attachments = relationship(Attachment, order_by=Attachment.id, passive_deletes=True)


# The per-sender rate limit counts a sender's recent inbound messages.
Index("ix_messages_inbound_sender_created", Message.from_email, Message.created_at,
      postgresql_where=text("direction = 'inbound'"))


class HeldMessage(Base):
    """An inbound message kept aside instead of entering a ticket (a mail storm, or one that failed)."""
    __tablename__ = "held_messages"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(Text)  # rate_limited | failed
    error: Mapped[str | None] = mapped_column(Text)
    rfc_message_id: Mapped[str] = mapped_column(Text)
    from_email: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSONB)  # the normalised inbound message, as received
    status: Mapped[str] = mapped_column(Text, default="held")  # held | released
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ux_held_messages_department_rfc_id", "department_id", "rfc_message_id", unique=True),
        Index("ix_held_messages_status_created", "status", "created_at"),
    )


# --- customers' contacts and merges, internal notes, calls, the audit trail (issue 3) ---

class CustomerContact(Base):
    """A further email or phone of a customer (e.g. brought over by a merge); unique across customers."""
    __tablename__ = "customer_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(Text)  # email | phone
    value: Mapped[str] = mapped_column(Text)  # normalised: lower-case address or E.164
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ux_customer_contacts_kind_value", "kind", "value", unique=True),)


class CustomerMerge(Base):
    """One merge of two customers: who, when, and what the source held before it was folded in."""
    __tablename__ = "customer_merges"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    merged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict] = mapped_column(JSONB)  # the source's contacts and the tickets and calls moved


class Note(Base):
    """An internal note on a ticket; its text is sealed with secrets_box (context ``note:<id>``)."""
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(BigInteger, Sequence("notes_id_seq", schema="tickets"),
                                    primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_notes_ticket_created", "ticket_id", "created_at"),)


class Call(Base):
    """A phone call, linked to a ticket or waiting to be; kept when its ticket is deleted."""
    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    provider_call_id: Mapped[str | None] = mapped_column(Text, unique=True)  # idempotency key
    direction: Mapped[str] = mapped_column(Text, default="inbound")  # inbound | outbound
    phone: Mapped[str | None] = mapped_column(Text)  # E.164
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(Text)  # success | failed | no_answer
    summary: Mapped[str] = mapped_column(Text, default="")  # the AI agent's summary
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_calls_ticket_started", "ticket_id", "started_at"),
                      Index("ix_calls_unlinked_started", "started_at", postgresql_where=text("ticket_id IS NULL")))


class AuditEntry(Base):
    """One entry of the audit trail: logins, logouts, failed logins, changes and deletions."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the trail outlives users
    action: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(Text)
    object_id: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),
                      Index("ix_audit_log_actor_at", "actor_user_id", "at"),
                      Index("ix_audit_log_object", "object_type", "object_id"),
                      Index("ix_audit_log_action_at", "action", "at"))


# --- ticket core (issue 3): categories, pipelines and stages, the ticket list's indexes ---

class Category(Base):
    """An admin-defined category; one with a ``parent_id`` is a subcategory (two levels)."""
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Pipeline(Base):
    """A Kanban pipeline of type ``sales`` or ``service`` with ordered stages."""
    __tablename__ = "pipelines"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    type: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("type IN ('sales', 'service')", name="ck_pipelines_type"),)


class Stage(Base):
    __tablename__ = "stages"
    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    # The target of tickets' (pipeline_id, stage_id): a ticket's stage always belongs to its pipeline.
    __table_args__ = (UniqueConstraint("pipeline_id", "id", name="ux_stages_pipeline_id"),)


Ticket.__table__.append_constraint(ForeignKeyConstraint(
    ["pipeline_id", "stage_id"], ["stages.pipeline_id", "stages.id"], name="fk_tickets_pipeline_stage"))
Ticket.__table__.append_constraint(CheckConstraint(
    "(pipeline_id IS NULL) = (stage_id IS NULL)", name="ck_tickets_pipeline_with_stage"))
Ticket.__table__.append_constraint(CheckConstraint(
    "assignee_id IS NULL OR assignee_ai_agent IS NULL", name="ck_tickets_one_assignee"))
# Keyset pagination walks one of these per sort order; the board one serves a column's cards in order.
Index("ix_tickets_updated_id", Ticket.updated_at, Ticket.id)
Index("ix_tickets_created_id", Ticket.created_at, Ticket.id)
Index("ix_tickets_priority_id", Ticket.priority, Ticket.id)
Index("ix_tickets_stage_entered_id", Ticket.stage_entered_at, Ticket.id)
Index("ix_tickets_board", Ticket.stage_id, Ticket.priority, Ticket.stage_entered_at, Ticket.id)
Index("ix_tickets_assignee", Ticket.assignee_id)
Index("ix_tickets_category", Ticket.category_id)
Index("ix_tickets_subcategory", Ticket.subcategory_id)
Index("ix_tickets_search_trgm", Ticket.search_text, postgresql_using="gin",
      postgresql_ops={"search_text": "gin_trgm_ops"})
Index("ix_tickets_search_vector", Ticket.search_vector, postgresql_using="gin")
