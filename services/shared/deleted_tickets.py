"""Tickets a consumer has seen deleted, so that events about them that come late are settled, not retried.

The queues of one source run side by side: a ticket's ``ticket_deleted`` may be
handled before its ``ticket_created`` or before an earlier change. Without a
record of the deletion the first would count a deleted ticket for ever and the
others would be retried until an operator found them parked. Ticket numbers are
never given out twice, so a deletion is remembered for good.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, Table, Text, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session


def deleted_tickets_table(metadata: MetaData) -> Table:
    """``deleted_tickets`` in the consumer's own schema (its migration creates it)."""
    return Table(
        "deleted_tickets", metadata,
        Column("ticket_number", Text, primary_key=True),
        Column("deleted_at", DateTime(timezone=True), nullable=False),
    )


def remember_deleted(session: Session, table: Table, ticket_number: str, at: datetime) -> None:
    """Record that the ticket is gone (once; a second delivery changes nothing)."""
    session.execute(pg_insert(table).values(ticket_number=ticket_number, deleted_at=at)
                    .on_conflict_do_nothing())


def deleted_among(session: Session, table: Table, ticket_numbers: Iterable[str]) -> set[str]:
    """Those of these tickets known to be deleted."""
    numbers = list(set(ticket_numbers))
    if not numbers:
        return set()
    return set(session.scalars(select(table.c.ticket_number).where(table.c.ticket_number.in_(numbers))))
