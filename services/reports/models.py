"""The reports service's read model (schema ``reports``), built only from events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, MetaData, SmallInteger, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.shared.consumers import parked_events_table, processed_events_table
from services.shared.deleted_tickets import deleted_tickets_table

metadata = MetaData(schema="reports")


class Base(DeclarativeBase):
    metadata = metadata


processed_events = processed_events_table(metadata)
parked_events = parked_events_table(metadata)
deleted_tickets = deleted_tickets_table(metadata)


class TicketFact(Base):
    """What reports need to know of one ticket."""
    __tablename__ = "ticket_facts"
    ticket_number: Mapped[str] = mapped_column(Text, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    priority: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
