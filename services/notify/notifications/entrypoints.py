"""Staff notifications: what tickets' and sla's events tell whom, the digest mail, and the console's RPC."""
from __future__ import annotations

import logging

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.notify import sending
from services.notify.models import processed_events
from services.notify.notifications import digests, notifications, rules
from services.notify.notifications.tickets_copy import (is_deleted, remember_created, remember_deleted,
                                                        remember_updated, ticket_copy)
from services.notify.settings import StaffMailPolicy
from services.shared.consumers import consumes, first_time
from services.shared.contracts.events import (MessageReceived, SlaBreached, TicketCreated, TicketDeleted,
                                              TicketUpdated)
from services.shared.events import utcnow
from services.shared.rpc import rpc

log = logging.getLogger(__name__)


class StaffMailSettings(DependencyProvider):
    """Injects the :class:`StaffMailPolicy` read when the service starts."""

    def setup(self):
        self.policy = StaffMailPolicy.from_env()

    def get_dependency(self, worker_ctx):
        return self.policy


class DigestTimer(Timer):
    """A timer every ``STAFF_DIGEST_SCAN_SECONDS``, read when the service starts."""

    def __init__(self, **kwargs):
        super().__init__(interval=StaffMailPolicy.digest_scan_seconds, eager=True, **kwargs)

    def setup(self):
        self.interval = StaffMailPolicy.from_env().digest_scan_seconds


class StaffNotificationEntrypoints:
    @consumes("tickets", "ticket_created")
    def tell_staff_of_ticket_created(self, event):
        """The assignee of a new ticket hears of it; with none, the department's staff do."""
        created = TicketCreated.from_wire(event)
        staff = self.staff.department_staff(created.department_id) if created.assignee_id is None else []
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "tell_staff_of_ticket_created"):
                return
            if not remember_created(session, created):
                return  # an update overtook it and said what there was to say
            ticket = rules.TicketCopy(number=created.ticket_number, department_id=created.department_id,
                                      assignee_id=created.assignee_id, subject=created.subject)
            addressees = (rules.assigned(ticket, by_user_id=created.created_by_user_id)
                          or rules.new_unassigned(ticket, staff))
            notifications.store(session, event_id=created.event_id, ticket=ticket, addressees=addressees,
                                now=utcnow())

    @consumes("tickets", "ticket_updated")
    def tell_staff_of_ticket_updated(self, event):
        """A new assignee hears of it; a ticket handed to another department unassigned, its staff do."""
        updated = TicketUpdated.from_wire(event)
        moved = any(change.field == "department" for change in updated.changes)
        staff = self.staff.department_staff(updated.department_id) if moved else []
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "tell_staff_of_ticket_updated"):
                return
            ticket = remember_updated(session, updated)
            if ticket is None:
                return
            addressees = []
            if any(change.field == "assignee" for change in updated.changes):
                addressees = rules.assigned(ticket, by_user_id=updated.updated_by_user_id)
            if moved:
                addressees += rules.new_unassigned(ticket, staff)
            notifications.store(session, event_id=updated.event_id, ticket=ticket, addressees=addressees,
                                now=utcnow())

    @consumes("tickets", "ticket_deleted")
    def forget_deleted_ticket(self, event):
        """A deleted ticket tells nobody anything more."""
        deleted = TicketDeleted.from_wire(event)
        with self.db.transaction() as session:
            if first_time(session, processed_events, event, "forget_deleted_ticket"):
                remember_deleted(session, deleted, utcnow())

    @consumes("tickets", "message_received")
    def tell_assignee_of_message_received(self, event):
        """The assignee hears that the customer wrote on their ticket (not robots, not staff)."""
        received = MessageReceived.from_wire(event)
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "tell_assignee_of_message_received"):
                return
            ticket = ticket_copy(session, received.ticket_number)
            if ticket is None:  # deleted, or older than notify's copy: nobody to tell
                return
            addressees = rules.customer_wrote(ticket, sender_kind=received.sender_kind, from_email=received.from_email,
                                              is_auto_submitted=received.is_auto_submitted)
            notifications.store(session, event_id=received.event_id, ticket=ticket, addressees=addressees,
                                now=utcnow())

    @consumes("sla", "sla_breached")
    def tell_managers_of_sla_breached(self, event):
        """The department's managers hear of a breach, always."""
        breach = SlaBreached.from_wire(event)
        with self.db.transaction() as session:
            ticket = ticket_copy(session, breach.ticket_number)
            if ticket is None:
                if is_deleted(session, breach.ticket_number):
                    return
                # Parked and retried: its ticket_created may be on its way on another queue.
                raise LookupError(f"notify does not know ticket {breach.ticket_number} yet")
        staff = self.staff.department_staff(ticket.department_id)
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "tell_managers_of_sla_breached"):
                return
            addressees = rules.breached(ticket, staff, sla_kind=breach.kind, due_at=breach.due_at.isoformat())
            notifications.store(session, event_id=breach.event_id, ticket=ticket, addressees=addressees,
                                now=utcnow())

    @DigestTimer.decorator
    def mail_staff_notifications(self):
        """Mail each person whose window has passed everything waiting for them, in one mail."""
        with self.db.transaction() as session:
            people = digests.people_due(session, policy=self.staff_mail, now=utcnow())
        for user_id in people:
            try:  # one person's failure (tickets away) does not hold up the others
                with self.db.transaction() as session:
                    queued = digests.queue_mail_for(session, user_id, policy=self.staff_mail, staff=self.staff,
                                                    departments=self.departments)
            except Exception:
                log.exception("could not mail user %s their notifications; trying again later", user_id)
                continue
            if queued:
                sending.send_now(self.db, list(queued), lease=self.lease, chooser=self.departments, built=queued)

    @rpc
    def list_notifications(self, user_id, filters=None):
        """``{"unread_only": false, "limit": 50, "before_id": null}`` → ``{"items": [{"id", "kind",
        "ticket_number", "title": {"tr", "en"}, "link", "created_at", "read", "read_at"}], "unread": 3}``."""
        with self.db.transaction() as session:
            return notifications.list_for(session, user_id, filters)

    @rpc
    def mark_notifications_read(self, user_id, body):
        """``{"ids": [4, 5]}`` or ``{"all": true}`` → ``{"marked": 2, "unread": 1}``."""
        with self.db.transaction() as session:
            return notifications.mark_read(session, user_id, body, utcnow())

    @rpc
    def get_notification_settings(self, user_id):
        """→ ``{"kinds": {"ticket_assigned": "console_and_email", ...}, "defaults": {...}, "always_on": [...]}``."""
        with self.db.transaction() as session:
            return notifications.settings_of(session, user_id)

    @rpc
    def update_notification_settings(self, user_id, settings):
        """``{"new_unassigned": "off"}`` (``console``, ``console_and_email`` or ``off``) → the settings after."""
        with self.db.transaction() as session:
            return notifications.change_settings(session, user_id, settings)
