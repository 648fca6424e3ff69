"""The reports service: a read model fed by events, queried by RPC."""
from __future__ import annotations

from nameko.rpc import rpc

from services.reports import facts
from services.reports.models import parked_events, processed_events
from services.shared.consumers import EventInbox, consumes, first_time
from services.shared.database import Database
from services.shared.service_base import ServiceBase


class ReportsService(ServiceBase):
    name = "reports"

    db = Database()
    inbox = EventInbox(parked_events)

    @consumes("tickets", "ticket_created")
    def handle_ticket_created(self, event):
        self._apply(event, "handle_ticket_created", facts.ticket_created)

    @consumes("tickets", "reply_posted")
    def handle_reply_posted(self, event):
        self._apply(event, "handle_reply_posted", facts.reply_posted)

    @consumes("tickets", "ticket_status_changed")
    def handle_ticket_status_changed(self, event):
        self._apply(event, "handle_ticket_status_changed", facts.status_changed)

    @rpc
    def summary(self, department_ids=None):
        """``{"total_tickets", "open_tickets", "responded_tickets", "avg_first_response_seconds", ...}``."""
        with self.db.transaction() as session:
            return facts.summary(session, department_ids)

    def _apply(self, event, handler, apply):
        with self.db.transaction() as session:
            if first_time(session, processed_events, event, handler):
                apply(session, event)


SERVICE = ReportsService
