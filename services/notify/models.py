"""The notify service's own tables (schema ``notify``): outgoing deliveries and their state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, MetaData, Text, text
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
    status: Mapped[str] = mapped_column(Text)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the outcome event tells the thread about an automatic mail (subject, body, threading).
    details: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = (
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )
