"""The reports service: a read model fed by events, queried by RPC."""
from __future__ import annotations

from services.reports import facts, schemas
from services.reports.models import parked_events, processed_events
from services.shared.batch_consumers import consumes_batch, first_time_many, refuse
from services.shared.consumers import EventInbox
from services.shared.contracts.events import (ReplyPosted, TicketCreated, TicketDeleted, TicketStatusChanged,
                                              TicketUpdated, among, as_sent, read_events)
from services.shared.database import Database
from services.shared.rpc import rpc
from services.shared.service_base import ServiceBase

# Figures are read by people, not by the second: events wait up to half a second to make a
# batch (one worker, one transaction, a few statements) as large as the load allows; one batch at a
# time keeps each queue's events (two status changes of a ticket) in the order they happened.
BATCHES = {"max_wait": 0.5, "ordered": True}


class ReportsService(ServiceBase):
    name = "reports"

    db = Database()
    inbox = EventInbox(parked_events)

    @consumes_batch("tickets", "ticket_created", **BATCHES)
    def handle_ticket_created(self, events):
        created = _read(events, TicketCreated)
        with self.db.transaction() as session:
            facts.tickets_created(session, created, "handle_ticket_created")

    @consumes_batch("tickets", "reply_posted", **BATCHES)
    def handle_reply_posted(self, events):
        self._apply_batch(events, ReplyPosted, "handle_reply_posted", facts.replies_posted)

    @consumes_batch("tickets", "ticket_status_changed", **BATCHES)
    def handle_ticket_status_changed(self, events):
        self._apply_batch(events, TicketStatusChanged, "handle_ticket_status_changed", facts.statuses_changed)

    @consumes_batch("tickets", "ticket_updated", **BATCHES)
    def handle_ticket_updated(self, events):
        self._apply_each(events, TicketUpdated, "handle_ticket_updated", facts.ticket_updated)

    @consumes_batch("tickets", "ticket_deleted", **BATCHES)
    def handle_ticket_deleted(self, events):
        self._apply_each(events, TicketDeleted, "handle_ticket_deleted", facts.ticket_deleted)

    @rpc
    def summary(self, viewer, department_id=None):
        """Figures over the departments ``viewer`` sees, or only ``department_id`` among them.

        ``viewer``: the user as ``tickets.get_user`` gives it (``{"is_owner": false, "departments":
        {"3": "manager"}}``); returns ``{"total_tickets": 12, "open_tickets": 4, "responded_tickets": 9,
        "avg_first_response_seconds": 1800.0, "avg_resolution_seconds": null}``.
        """
        departments = schemas.departments_in_view_of(viewer, department_id)
        with self.db.transaction() as session:
            return facts.summary(session, departments)

    def _apply_batch(self, events, event_class, handler, apply):
        """Apply a batch in a few statements; events about tickets not known yet are parked, not the batch."""
        read = _read(events, event_class)
        with self.db.transaction() as session:
            refuse(events, as_sent(events, apply(session, among(read, first_time_many(
                session, processed_events, events, handler)))))

    def _apply_each(self, events, event_class, handler, apply):
        read = _read(events, event_class)
        with self.db.transaction() as session:
            for event in among(read, first_time_many(session, processed_events, events, handler)):
                apply(session, event)


def _read(events, event_class):
    """The batch as ``event_class``; an event it cannot read is parked naming the field, the others applied."""
    read, unreadable = read_events(events, event_class)
    refuse(events, unreadable)
    return read


SERVICE = ReportsService
