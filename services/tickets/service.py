"""The tickets service: the core of Destek. Entrypoints only; the rules live beside it."""
from __future__ import annotations

from sqlalchemy import select

from services.shared.consumers import EventInbox, consumes, first_time
from services.shared.database import Database
from services.shared.errors import AccountLocked, Unauthenticated
from services.shared.events import utcnow
from services.shared.outbox import OutboxRelay, record_events
from services.shared.rpc import rpc
from services.shared.service_base import ServiceBase
from services.tickets import auth, inbound, listing, queries, replies
from services.tickets.access import load_viewer
from services.tickets.entrypoints.administration import AdministrationEntrypoints
from services.tickets.entrypoints.categories import CategoryEntrypoints
from services.tickets.entrypoints.pipelines import PipelineEntrypoints
from services.tickets.entrypoints.ticket_core import TicketCoreEntrypoints
from services.tickets.entrypoints.calls import CallsEntrypoints
from services.tickets.entrypoints.customers import CustomersEntrypoints
from services.tickets.entrypoints.notes import NotesEntrypoints
from services.tickets.entrypoints.inbound_mail import InboundMailEntrypoints
from services.tickets.entrypoints.mail_settings import MailSettingsEntrypoints
from services.tickets.entrypoints.notifications import NotificationsEntrypoints
from services.tickets.models import Department, User, outbox, parked_events, processed_events
from services.tickets.repository import memberships_of
from services.tickets.schemas import department_dict, user_dict


class TicketsService(TicketCoreEntrypoints, PipelineEntrypoints, CategoryEntrypoints,
                     AdministrationEntrypoints, CallsEntrypoints, CustomersEntrypoints, NotesEntrypoints,
                     InboundMailEntrypoints, MailSettingsEntrypoints, NotificationsEntrypoints, ServiceBase):
    name = "tickets"

    db = Database()
    inbox = EventInbox(parked_events)
    relay = OutboxRelay(outbox)

    @rpc
    def receive_messages(self, messages):
        """Apply a batch of normalised inbound messages.

        ``[{"channel": "email", "recipients": ["destek@example.com"], "message_id": "a@b",
        "in_reply_to": [], "references": [], "subject": "Kargo", "from_name": "Ayşe",
        "from_email": "ayse@example.com", "reply_to": "ayse@ev.example" | null, "to": [...], "cc": [...], "body_text": "...", "body_html": null,
        "reply_text": "...", "is_auto_submitted": false, "auto_reason": null, "tracking_number": null,
        "delivery_reports": [{"recipient", "action": "failed"|"delayed", "status": "5.1.1", "diagnostic",
        "original_message_id"}],
        "attachments": [{"sha256", "filename", "content_type", "size", "inline", "content_id"}],
        "skipped_attachments": [{"filename", "content_type", "size", "reason"}],
        "original": {"archive", "offset", "size"} | null, "parse_notes": ["unknown charset 'x'; decoded as cp1254"]}]``
        → ``[{"status": "created"|"appended"|"duplicate", "ticket_number": "2026-000001", "message_id": "a@b"}]``;
        ``"status": "held"`` (no ticket) for mail kept aside: over the sender rate limit, or unusable.
        A bounce (``delivery_reports``) of mail we sent joins that mail's ticket and raises ``bounce_received``.
        """
        with self.db.transaction() as session:
            outcome = inbound.receive_batch(session, self.db.session.get_bind(), messages, utcnow())
            record_events(session, outbox, outcome.events)
        return outcome.results

    @rpc
    def authenticate(self, email, password):
        """Check an agent's credentials: ``{"email", "password"}`` → the user with their roles."""
        with self.db.transaction() as session:
            try:
                user = auth.authenticate(session, email, password, utcnow())
            except (Unauthenticated, AccountLocked) as failure:
                refused = failure  # the failed-login count and its audit entry must be committed
            else:
                return user_dict(user, memberships_of(session, user.id))
        raise refused

    @rpc
    def get_user(self, user_id):
        """The user behind a session, with their department roles."""
        with self.db.transaction() as session:
            viewer = load_viewer(session, user_id)
            return user_dict(session.get(User, viewer.user_id), viewer.departments)

    @rpc
    def list_departments(self):
        """Every department: ``[{"id", "name", "email"}]``."""
        with self.db.transaction() as session:
            return [department_dict(d) for d in session.scalars(select(Department).order_by(Department.id))]

    @rpc
    def list_tickets(self, user_id, filters=None):
        """A page of the tickets this user may list: ``{"items", "total", "total_is_exact", "next_cursor"}``."""
        with self.db.transaction() as session:
            return listing.list_tickets(session, load_viewer(session, user_id), filters or {})

    @rpc
    def get_ticket(self, user_id, number):
        """One ticket with its thread, if this user may open it."""
        with self.db.transaction() as session:
            return queries.get_ticket(session, load_viewer(session, user_id), number)

    @rpc
    def post_reply(self, user_id, number, body, attachments=None):
        """An agent answers a ticket, attachments optional; notify sends the mail. Returns the new message."""
        with self.db.transaction() as session:
            message, events = replies.post_reply(session, load_viewer(session, user_id), number, body, utcnow(),
                                                 attachments=attachments)
            record_events(session, outbox, events)
        return message

    @consumes("notify", "reply_sent")
    def handle_reply_sent(self, event):
        self._record_delivery(event, "handle_reply_sent", "sent", None)

    @consumes("notify", "reply_failed")
    def handle_reply_failed(self, event):
        self._record_delivery(event, "handle_reply_failed", "failed", event.get("error"))

    def _record_delivery(self, event, handler, status, error):
        with self.db.transaction() as session:
            if first_time(session, processed_events, event, handler):
                replies.record_delivery(session, event["message_db_id"], status, error)


SERVICE = TicketsService
