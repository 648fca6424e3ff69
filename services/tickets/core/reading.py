"""Reading one ticket for people: finding it by number within the viewer's rights, with its thread.

Lists live in listing.py (filters, search, keyset pages).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.contracts import read_tracking_number
from services.shared.errors import NotFound
from services.shared.events import utcnow
from services.tickets.access import Viewer, check_can_open
from services.tickets.core.view import ticket_view
from services.tickets.models import Ticket


def find_ticket(session: Session, number, *, for_update: bool = False) -> Ticket:
    """The ticket with this tracking number (``2026-000123`` or ``#2026-000123``), or a 404."""
    written = read_tracking_number(number)
    ticket = None
    if written is not None:
        query = select(Ticket).where(Ticket.number == written)
        # One statement finds and locks it: a ticket deleted in between is simply not found.
        ticket = session.scalars(query.with_for_update() if for_update else query).first()
    if ticket is None:
        raise NotFound(f"ticket {str(number)[:40]} does not exist", "number")
    return ticket


def open_ticket(session: Session, viewer: Viewer, number, *, for_update: bool = False) -> Ticket:
    """The ticket, if the viewer may open it (owners, its department's managers, its assigned agent)."""
    ticket = find_ticket(session, number, for_update=for_update)
    check_can_open(viewer, ticket)
    return ticket


def get_ticket(session: Session, viewer: Viewer, number: str, now: datetime | None = None) -> dict:
    """One ticket with its whole thread, if the viewer may open it."""
    return ticket_view(session, open_ticket(session, viewer, number), now or utcnow())
