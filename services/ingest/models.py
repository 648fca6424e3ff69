"""The ingest service's own tables (schema ``ingest``): channel checkpoints."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, MetaData, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.shared.consumers import parked_events_table, processed_events_table

metadata = MetaData(schema="ingest")


class Base(DeclarativeBase):
    metadata = metadata


processed_events = processed_events_table(metadata)
parked_events = parked_events_table(metadata)


class MailboxCheckpoint(Base):
    """How far an IMAP mailbox has been imported: its UIDVALIDITY and the last UID committed."""
    __tablename__ = "mailbox_checkpoints"
    mailbox: Mapped[str] = mapped_column(Text, primary_key=True)  # "user@host:port/folder"
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
