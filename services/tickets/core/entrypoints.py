"""Tickets opened, read, listed, changed, deleted and their history: the ticket core's RPC methods."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.core import creation, listing, reading, updates
from services.tickets.core.view import ticket_view
from services.tickets.events import record_events


class TicketCoreEntrypoints:
    """Create, read, list, update, delete; every change lands in the ticket's history."""

    @rpc
    def list_tickets(self, user_id, filters=None):
        """A page of the tickets this user may list: ``{"items", "total", "total_is_exact", "next_cursor"}``."""
        with self.db.transaction() as session:
            return listing.list_tickets(session, load_viewer(session, user_id), filters or {})

    @rpc
    def get_ticket(self, user_id, number):
        """One ticket with its thread, if this user may open it."""
        with self.db.transaction() as session:
            return reading.get_ticket(session, load_viewer(session, user_id), number)

    @rpc
    def create_ticket(self, user_id, data):
        """``{"subject": "Kargo", "priority": 2, "department_id": 1, "customer": {"email": "a@b.co"}}`` → the ticket."""
        now = utcnow()
        with self.db.transaction() as session:
            viewer = load_viewer(session, user_id)
            ticket, events = creation.create_ticket(session, viewer, data, now, settings=self.settings)
            record_events(session, events)
            return ticket_view(session, ticket, now)

    @rpc
    def update_ticket(self, user_id, number, changes):
        """``{"status": "in_progress", "priority": 2, "assignee_id": 7, "stage_id": 3, ...}`` → the ticket."""
        now = utcnow()
        with self.db.transaction() as session:
            ticket, events = updates.update_ticket(session, load_viewer(session, user_id), number, changes, now)
            record_events(session, events)
            return ticket_view(session, ticket, now)

    @rpc
    def delete_ticket(self, user_id, number):
        """Delete a ticket for good (owners, the department's managers); its customer and calls stay."""
        now = utcnow()
        with self.db.transaction() as session:
            events = updates.delete_ticket(session, load_viewer(session, user_id), number, now)
            record_events(session, events)

    @rpc
    def get_ticket_history(self, user_id, number):
        """``{"ticket_number", "items": [{"at", "actor", "actor_name", "field", "old", "new"}]}``, oldest first."""
        with self.db.transaction() as session:
            return updates.ticket_history(session, load_viewer(session, user_id), number)
