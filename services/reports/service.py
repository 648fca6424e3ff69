"""The reports service: a read model fed by events, queried by RPC."""
from __future__ import annotations

from nameko.rpc import rpc

from services.reports import facts
from services.reports.models import parked_events, processed_events
from services.shared.batch_consumers import consumes_batch, first_time_many
from services.shared.consumers import EventInbox
from services.shared.database import Database
from services.shared.service_base import ServiceBase


class ReportsService(ServiceBase):
    name = "reports"

    db = Database()
    inbox = EventInbox(parked_events)

    @consumes_batch("tickets", "ticket_created")
    def handle_ticket_created(self, events):
        self._apply(events, "handle_ticket_created", facts.ticket_created)

    @consumes_batch("tickets", "reply_posted")
    def handle_reply_posted(self, events):
        self._apply(events, "handle_reply_posted", facts.reply_posted)

    @consumes_batch("tickets", "ticket_status_changed")
    def handle_ticket_status_changed(self, events):
        self._apply(events, "handle_ticket_status_changed", facts.status_changed)

    @consumes_batch("tickets", "ticket_updated")
    def handle_ticket_updated(self, events):
        self._apply(events, "handle_ticket_updated", facts.ticket_updated)

    @consumes_batch("tickets", "ticket_deleted")
    def handle_ticket_deleted(self, events):
        self._apply(events, "handle_ticket_deleted", facts.ticket_deleted)

    @rpc
    def summary(self, department_ids=None):
        """``{"total_tickets", "open_tickets", "responded_tickets", "avg_first_response_seconds", ...}``."""
        with self.db.transaction() as session:
            return facts.summary(session, department_ids)

    def _apply(self, events, handler, apply):
        with self.db.transaction() as session:
            for event in first_time_many(session, processed_events, events, handler):
                apply(session, event)


SERVICE = ReportsService
