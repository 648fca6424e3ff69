"""The notify service's own tables (schema ``notify``): outgoing deliveries, staff notifications, its ticket copy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, DateTime, Index, Integer, LargeBinary, MetaData, Text, UniqueConstraint,
                        Uuid, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.shared.consumers import parked_events_table, processed_events_table
from services.shared.outbox import outbox_table

metadata = MetaData(schema="notify")


class Base(DeclarativeBase):
    metadata = metadata


outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
parked_events = parked_events_table(metadata)


class Delivery(Base):
    """One mail to send; built once so that every retry sends the very same message."""
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)  # reply | acknowledgement | attachments_notice
    ticket_number: Mapped[str] = mapped_column(Text)
    # Which department's SMTP server sends it; looked up at each attempt so a settings change applies.
    department_id: Mapped[int | None] = mapped_column(Integer)
    message_db_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(Text, unique=True)
    from_email: Mapped[str] = mapped_column(Text)
    to_email: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    # pending | sending (handed to a server by the process holding lease ``sending_owner``) | sent | failed
    status: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the outcome event tells the thread about an automatic mail (subject, body, threading).
    details: Mapped[dict | None] = mapped_column(JSONB)
    # Whose failures it shares and whose backoff it waits for (see domain/destinations.py).
    destination: Mapped[str] = mapped_column(Text)
    attempt_id: Mapped[str | None] = mapped_column(Uuid)  # the latest attempt, recorded before it began
    sending_owner: Mapped[int | None] = mapped_column(Integer)  # lease of the process sending it (lease.py)
    sending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Left "sending" by a process that died: it may have gone out already, and is sent again as it was.
    possible_duplicate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        Index("ix_deliveries_destination_due", "destination", "next_attempt_at",
              postgresql_where=text("status = 'pending'")),
        Index("ix_deliveries_sending", "sending_owner", postgresql_where=text("status = 'sending'")),
    )


class Destination(Base):
    """One place deliveries go (a department's SMTP server), and whether it is failing."""
    __tablename__ = "destinations"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # in a row
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Nothing goes to it before this (its backoff); None: as soon as mail is due.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TicketCopy(Base):
    """Notify's own copy of what it needs of each ticket, kept from tickets' events (it never reads theirs)."""
    __tablename__ = "tickets"
    number: Mapped[str] = mapped_column(Text, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    # Deleted tickets are remembered, so that their late events tell nobody anything.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffNotification(Base):
    """One thing a staff member is told, once per (event, recipient, kind)."""
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)  # domain/staff_notifications.KINDS
    ticket_number: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(Integer)  # whose address mails it
    event_id: Mapped[str] = mapped_column(Uuid)
    data: Mapped[dict] = mapped_column(JSONB)  # what its texts need (subject, sender, SLA kind)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # none (console only) | waiting (to be mailed, alone or in a digest) | queued (in delivery delivery_id)
    email_state: Mapped[str] = mapped_column(Text)
    delivery_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "kind", name="uq_notifications_once"),
        Index("ix_notifications_user", "user_id", "id"),
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL")),
        Index("ix_notifications_waiting", "user_id", "created_at", postgresql_where=text("email_state = 'waiting'")),
    )


class NotificationChoice(Base):
    """How a user chose to be told of one kind (no row: the kind's default)."""
    __tablename__ = "notification_settings"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    choice: Mapped[str] = mapped_column(Text)  # console | console_and_email | off
