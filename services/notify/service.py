"""The notify service: sends what the other services decided to say, and retries until it is said."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from services.notify import deliveries
from services.notify.mail import SmtpSettings
from services.notify.models import outbox, parked_events, processed_events
from services.shared.consumers import EventInbox, consumes, first_time
from services.shared.database import Database
from services.shared.outbox import OutboxRelay
from services.shared.service_base import ServiceBase



class SmtpServer(DependencyProvider):
    """The outgoing SMTP server's settings, read from the environment when the service starts."""

    def setup(self):
        self.settings = SmtpSettings.from_env()

    def get_dependency(self, worker_ctx):
        return self.settings


class NotifyService(ServiceBase):
    name = "notify"

    db = Database()
    inbox = EventInbox(parked_events)
    relay = OutboxRelay(outbox)
    smtp = SmtpServer()

    @consumes("tickets", "reply_posted")
    def handle_reply_posted(self, event):
        """Queue the reply's mail and try to send it straight away."""
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "handle_reply_posted"):
                return
            delivery_id = deliveries.queue_reply(session, event).id
        with self.db.transaction() as session:
            deliveries.attempt(session, delivery_id, self.smtp)

    @timer(interval=5)
    def send_due_deliveries(self):
        """Retry deliveries whose backoff has passed (SMTP down, 4xx answers)."""
        with self.db.transaction() as session:
            due = deliveries.due_delivery_ids(session)
        for delivery_id in due:
            with self.db.transaction() as session:
                deliveries.attempt(session, delivery_id, self.smtp)


SERVICE = NotifyService
