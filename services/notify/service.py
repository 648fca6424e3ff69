"""The notify service: sends what the other services decided to say, and retries until it is said."""
from __future__ import annotations

from nameko.timer import timer

from services.notify import automatic, deliveries
from services.notify.departments import DepartmentMailSettings
from services.notify.models import outbox, parked_events, processed_events
from services.shared.consumers import EventInbox, consumes, first_time
from services.shared.database import Database
from services.shared.outbox import OutboxRelay
from services.shared.service_base import ServiceBase


class NotifyService(ServiceBase):
    name = "notify"

    db = Database()
    inbox = EventInbox(parked_events)
    relay = OutboxRelay(outbox)
    departments = DepartmentMailSettings()

    @consumes("tickets", "reply_posted")
    def handle_reply_posted(self, event):
        """Queue the reply's mail and try to send it straight away."""
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "handle_reply_posted"):
                return
            delivery_id = deliveries.queue_reply(session, event).id
        self._send_now(delivery_id)

    @consumes("tickets", "ticket_created")
    def handle_ticket_created(self, event):
        """Acknowledge a customer's new email ticket, once, and never to automatic or bulk senders."""
        if not automatic.may_acknowledge(event):
            return
        department = self.departments.settings(event.get("department_id"))
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "handle_ticket_created"):
                return
            delivery = automatic.queue_acknowledgement(session, event, department)
            delivery_id = delivery.id if delivery else None
        if delivery_id:
            self._send_now(delivery_id)

    @consumes("tickets", "attachments_rejected")
    def handle_attachments_rejected(self, event):
        """Tell the sender which attachments of their mail were not kept, once."""
        if event.get("is_auto_submitted"):
            return  # robots are never answered, or two of them could write to each other forever
        department = self.departments.settings(event.get("department_id"))
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "handle_attachments_rejected"):
                return
            delivery = automatic.queue_attachments_notice(session, event, department)
            delivery_id = delivery.id if delivery else None
        if delivery_id:
            self._send_now(delivery_id)

    @consumes("tickets", "bounce_received")
    def handle_bounce_received(self, event):
        """A bounce for a mail we sent: the delivery failed after all, and the thread says so."""
        with self.db.transaction() as session:
            if first_time(session, processed_events, event, "handle_bounce_received"):
                deliveries.record_bounce(session, event)

    @timer(interval=5)
    def send_due_deliveries(self):
        """Retry deliveries whose backoff has passed (SMTP down, 4xx answers)."""
        with self.db.transaction() as session:
            due = deliveries.due_deliveries(session)
        unreachable = set()  # a server that did not answer now is not asked again until the next tick
        for delivery_id, department_id in due:
            if department_id not in unreachable and self._send_now(delivery_id) == "unreachable":
                unreachable.add(department_id)

    def _send_now(self, delivery_id: int) -> str | None:
        with self.db.transaction() as session:
            return deliveries.attempt(session, delivery_id, self.departments)


SERVICE = NotifyService
