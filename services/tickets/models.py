"""The tickets service's own tables (schema ``tickets``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (ARRAY, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, MetaData,
                        SmallInteger, Text, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.shared.consumers import parked_events_table, processed_events_table
from services.shared.outbox import outbox_table

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


class Membership(Base):
    """A user's role in one department: ``agent`` or ``manager``."""
    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"),
                                               primary_key=True)
    role: Mapped[str] = mapped_column(Text)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(Text, unique=True)
    phone: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    to_emails: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    is_auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivery_status: Mapped[str | None] = mapped_column(Text)  # outbound: queued | sent | failed
    delivery_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The same mail delivered twice to one department is one message.
        Index("ux_messages_department_rfc_id", "department_id", "rfc_message_id", unique=True,
              postgresql_where=text("rfc_message_id IS NOT NULL")),
        Index("ix_messages_rfc_id", "rfc_message_id"),
        # A mail that arrives before the one it answers is found through its references.
        Index("ix_messages_references", "references", postgresql_using="gin"),
        Index("ix_messages_ticket_created", "ticket_id", "created_at"),
    )


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
