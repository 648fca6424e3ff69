"""The notify service: sends what the other services decided to say, and retries until it is said; tells staff
what happened on their tickets (notifications/)."""
from __future__ import annotations

from nameko.timer import timer

from services.notify import automatic, deliveries, destinations, outcomes, sending
from services.notify.departments import DepartmentMailSettings
from services.notify.lease import SendingLease, recover_orphans
from services.notify.models import outbox, parked_events, processed_events
from services.notify.notifications.entrypoints import StaffMailSettings, StaffNotificationEntrypoints
from services.notify.scheduler import destinations_due
from services.notify.staff import StaffDirectory
from services.shared.batch_consumers import consumes_batch, first_time_many, refuse
from services.shared.consumers import EventInbox, consumes, first_time
from services.shared.contracts.events import (AttachmentsRejected, BounceReceived, ReplyPosted, TicketCreated, among,
                                              read_events)
from services.shared.database import Database
from services.shared.outbox import OutboxRelay
from services.shared.rpc import rpc
from services.shared.service_base import ServiceBase


class NotifyService(StaffNotificationEntrypoints, ServiceBase):
    name = "notify"

    db = Database()
    inbox = EventInbox(parked_events)
    relay = OutboxRelay(outbox)
    departments = DepartmentMailSettings()
    lease = SendingLease()
    staff = StaffDirectory()
    staff_mail = StaffMailSettings()

    @consumes("tickets", "reply_posted")
    def handle_reply_posted(self, event):
        """Queue the reply's mail and try to send it straight away."""
        reply = ReplyPosted.from_wire(event)  # an event it cannot read is parked, naming the field
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "handle_reply_posted"):
                return
            delivery_id = deliveries.queue_reply(session, reply)
        self._send_now([delivery_id])

    @consumes_batch("tickets", "ticket_created")
    def handle_ticket_created(self, events):
        """Acknowledge customers' new email tickets, once, and never to automatic or bulk senders.

        A burst of new tickets is one insert and one SMTP conversation per department.
        """
        created, unreadable = read_events(events, TicketCreated)
        refuse(events, unreadable)  # parked naming the field; the rest of the batch is applied again without them
        wanted = [(wire, event) for wire, event in zip(events, created) if automatic.may_acknowledge(event)]
        if not wanted:
            return
        departments = {key: self.departments.settings(key) for key in {event.department_id for _, event in wanted}}
        with self.db.transaction() as session:
            fresh = among([event for _, event in wanted], first_time_many(
                session, processed_events, [wire for wire, _ in wanted], "handle_ticket_created"))
            mails = [automatic.acknowledgement_mail(event, departments[event.department_id]) for event in fresh]
            queued = deliveries.queue_mails(session, [outgoing for outgoing in mails if outgoing])
        self._send_now(list(queued), queued)

    @consumes("tickets", "attachments_rejected")
    def handle_attachments_rejected(self, event):
        """Tell the sender which attachments of their mail were not kept, once."""
        rejected = AttachmentsRejected.from_wire(event)
        if rejected.is_auto_submitted:
            return  # robots are never answered, or two of them could write to each other forever
        department = self.departments.settings(rejected.department_id)
        with self.db.transaction() as session:
            if not first_time(session, processed_events, event, "handle_attachments_rejected"):
                return
            outgoing = automatic.attachments_notice_mail(rejected, department)
            queued = deliveries.queue_mails(session, [outgoing] if outgoing else [])
        self._send_now(list(queued), queued)

    @consumes("tickets", "bounce_received")
    def handle_bounce_received(self, event):
        """A bounce for a mail we sent: the delivery failed after all, and the thread says so."""
        bounce = BounceReceived.from_wire(event)
        with self.db.transaction() as session:
            if first_time(session, processed_events, event, "handle_bounce_received"):
                outcomes.record_bounce(session, bounce)

    @destinations_due
    def send_to_destination(self, destination):
        """Send what is due at one destination (retries, and what a crash left behind), unless it is backing off."""
        sending.DestinationRound(self.db, destination, self.lease, self.departments).run()

    @timer(interval=2, eager=True)
    def recover_abandoned_sends(self):
        """Queue again what dead processes left half-sent, to be sent as it was."""
        with self.db.transaction() as session:
            recover_orphans(session, self.lease)

    @timer(interval=10, eager=True)
    def count_waiting_deliveries(self):
        """Refresh the gauges of deliveries waiting at healthy and failing destinations."""
        with self.db.transaction() as session:
            destinations.refresh_gauges(session)

    @rpc
    def list_destinations(self):
        """Where deliveries go and how each place is doing, failing first: ``[{"destination":
        "smtp:department:2", "channel": "smtp", "state": "failing", "failing_since", "failures_in_a_row",
        "last_error", "deliveries_waiting", "deliveries_sending", "oldest_waiting_since", "next_attempt_at",
        "last_sent_at"}]``."""
        with self.db.transaction() as session:
            return destinations.list_destinations(session)

    def _send_now(self, delivery_ids: list[int], built: dict | None = None) -> dict[int, str]:
        if not delivery_ids:
            return {}
        return sending.send_now(self.db, delivery_ids, lease=self.lease, chooser=self.departments, built=built)

SERVICE = NotifyService
