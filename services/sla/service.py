"""The sla service: per-ticket clocks in business hours, breaches published as events."""
from __future__ import annotations

from nameko.timer import timer

from services.shared.batch_consumers import consumes_batch, first_time_many, refuse
from services.shared.consumers import EventInbox
from services.shared.contracts.events import (ReplyPosted, TicketCreated, TicketDeleted, TicketStatusChanged,
                                              TicketUpdated, among, as_sent, read_events)
from services.shared.database import Database
from services.shared.events import utcnow
from services.shared.outbox import OutboxRelay
from services.shared.rpc import rpc
from services.shared.service_base import ServiceBase
from services.sla import clocks, rulebook
from services.sla.models import outbox, parked_events, processed_events
from services.sla.settings import Settings

# A clock is a matter of minutes: events wait up to half a second to make a batch (one worker,
# one transaction, a few statements) as large as the load allows; one batch at a time keeps each
# queue's events (a pause, then a resume) in the order they happened.
BATCHES = {"max_wait": 0.5, "ordered": True}
ALERTS_PER_ROUND = 1000


class SlaService(ServiceBase):
    name = "sla"

    db = Database()
    inbox = EventInbox(parked_events)
    relay = OutboxRelay(outbox)
    settings = Settings()

    @consumes_batch("tickets", "ticket_created", **BATCHES)
    def handle_ticket_created(self, events):
        """Start the first-response and resolution clocks."""
        created = _read(events, TicketCreated)
        with self.db.transaction() as session:
            clocks.tickets_created(session, created, "handle_ticket_created", rules=self._rules(session))

    @consumes_batch("tickets", "reply_posted", **BATCHES)
    def handle_reply_posted(self, events):
        """The first reply stops the first-response clock."""
        self._apply_batch(events, ReplyPosted, "handle_reply_posted", clocks.replies_posted)

    @consumes_batch("tickets", "ticket_status_changed", **BATCHES)
    def handle_ticket_status_changed(self, events):
        """Pending pauses the clocks; resolved stops the resolution clock."""
        self._apply_batch(events, TicketStatusChanged, "handle_ticket_status_changed", clocks.statuses_changed)

    @consumes_batch("tickets", "ticket_updated", **BATCHES)
    def handle_ticket_updated(self, events):
        """A new priority brings the new priority's targets to the running clocks."""
        self._apply_batch(events, TicketUpdated, "handle_ticket_updated", clocks.tickets_updated)

    @consumes_batch("tickets", "ticket_deleted", **BATCHES)
    def handle_ticket_deleted(self, events):
        """A deleted ticket's clocks go: it can no longer breach."""
        deleted = _read(events, TicketDeleted)
        with self.db.transaction() as session:
            for event in among(deleted, first_time_many(session, processed_events, events, "handle_ticket_deleted")):
                clocks.forget_ticket(session, event.ticket_number, event.deleted_at)

    @timer(interval=10)
    def detect_breaches(self):
        """Publish ``sla_warning`` and ``sla_breached`` for the clocks due, once per clock and episode."""
        while True:  # a thousand clocks a transaction, until a round finds fewer
            with self.db.transaction() as session:
                if clocks.publish_alerts(session, utcnow(), self._rules(session), ALERTS_PER_ROUND) < \
                        ALERTS_PER_ROUND:
                    return

    @rpc
    def get_ticket_sla(self, ticket_number):
        """``{"ticket_number", "clocks": [{"kind", "state", "due_at", "remaining_seconds", ...}]}``."""
        with self.db.transaction() as session:
            return clocks.ticket_sla(session, ticket_number, utcnow(), self._rules(session))

    @rpc
    def get_policies(self):
        """``{"default": {"targets": {"1": {"first_response_minutes": 15, ...}}, "pause_on_hold": false,
        "warn_percent": 80}, "departments": {"5": {...}}}``."""
        with self.db.transaction() as session:
            return rulebook.describe_policies(session)

    @rpc
    def get_policy(self, department_id):
        """The policy of a department's new tickets: ``{"department_id", "inherited", "targets", ...}``."""
        with self.db.transaction() as session:
            return rulebook.describe_policy(session, department_id)

    @rpc
    def set_policy(self, viewer, department_id, payload):
        """Owners: ``{"targets": {"1": {"resolution_minutes": 90}}, "warn_percent": 75}``; department 0 is the
        default. Applies to clocks started from now on."""
        with self.db.transaction() as session:
            return rulebook.set_policy(session, viewer, department_id, payload, utcnow())

    @rpc
    def get_calendar(self, department_id):
        """``{"department_id", "inherited", "always_open", "timezone", "turkish_public_holidays", "hours",
        "closed_days"}``."""
        with self.db.transaction() as session:
            return rulebook.describe_calendar(session, department_id)

    @rpc
    def set_calendar(self, viewer, department_id, payload):
        """Owners: the department's whole calendar (see ``domain/calendar_settings.py``)."""
        with self.db.transaction() as session:
            return rulebook.set_calendar(session, viewer, department_id, payload, utcnow())

    def _rules(self, session):
        return rulebook.load_rulebook(session, self.settings.calendar)

    def _apply_batch(self, events, event_class, handler, apply):
        """Apply a batch in a few statements; events about tickets without clocks yet are parked, not the batch."""
        read = _read(events, event_class)
        with self.db.transaction() as session:
            fresh = among(read, first_time_many(session, processed_events, events, handler))
            refuse(events, as_sent(events, apply(session, fresh, self._rules(session))))


def _read(events, event_class):
    """The batch as ``event_class``; an event it cannot read is parked naming the field, the others applied."""
    read, unreadable = read_events(events, event_class)
    refuse(events, unreadable)
    return read


SERVICE = SlaService
