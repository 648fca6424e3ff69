"""Reading one ticket for people: with its thread, if the viewer may open it.

Lists live in listing.py (filters, search, keyset pages).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.shared.events import utcnow
from services.tickets.access import Viewer, open_ticket
from services.tickets.core.view import ticket_view


def get_ticket(session: Session, viewer: Viewer, number: str, now: datetime | None = None) -> dict:
    """One ticket with its whole thread, if the viewer may open it."""
    return ticket_view(session, open_ticket(session, viewer, number), now or utcnow())
