"""The change history of tickets: who changed which field, when, from what to what."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.tickets.models import HistoryEntry, Ticket


def record_change(session: Session, ticket: Ticket, actor: str, field: str, old, new, at: datetime) -> None:
    """Append one change of one field to a ticket's history."""
    session.add(HistoryEntry(ticket_id=ticket.id, actor=actor, field=field,
                             old_value=None if old is None else str(old),
                             new_value=None if new is None else str(new), at=at))
