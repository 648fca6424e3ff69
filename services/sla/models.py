"""The sla service's own tables (schema ``sla``): one clock per ticket and kind."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, DateTime, Float, Index, Integer, MetaData, SmallInteger, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.shared.consumers import parked_events_table, processed_events_table
from services.shared.deleted_tickets import deleted_tickets_table
from services.shared.outbox import outbox_table

metadata = MetaData(schema="sla")


class Base(DeclarativeBase):
    metadata = metadata


outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
parked_events = parked_events_table(metadata)
deleted_tickets = deleted_tickets_table(metadata)


class SlaClock(Base):
    """A running, paused or stopped deadline of one ticket (first response, resolution or next update)."""
    __tablename__ = "clocks"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_number: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)  # first_response | resolution
    priority: Mapped[int] = mapped_column(SmallInteger)
    calendar: Mapped[str] = mapped_column(Text)
    target_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paused_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pauses_on_hold: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    warn_share: Mapped[float] = mapped_column(Float, server_default=text("0.8"))
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # Clock.next_due()

    __table_args__ = (
        UniqueConstraint("ticket_number", "kind"),
        Index("ix_clocks_next_due", "next_due_at", postgresql_where=text("next_due_at IS NOT NULL")),
    )


class SlaPolicyRow(Base):
    """An owner's SLA policy for a department (``department_id`` 0: the default for every other department)."""
    __tablename__ = "policies"
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settings: Mapped[dict] = mapped_column(JSONB)  # policies.policy_to_wire()
    updated_by: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CalendarRow(Base):
    """A department's working calendar (``department_id`` 0: the default); see domain/calendar_settings.py."""
    __tablename__ = "calendars"
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settings: Mapped[dict] = mapped_column(JSONB)
    updated_by: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
