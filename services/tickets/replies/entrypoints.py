"""Outbound mail on the thread: agents' replies, whether notify delivered them, and notify's own automatic mail."""
from __future__ import annotations

from services.shared.batch_consumers import consumes_batch, first_time_many, refuse
from services.shared.consumers import consumes, first_time
from services.shared.contracts.events import (AcknowledgementSent, AttachmentsNoticeSent, ReplyFailed, ReplySent,
                                              among, read_events)
from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.events import record_events
from services.tickets.models import processed_events
from services.tickets.replies import replies
from services.tickets.replies.automatic_mail import record_automatic_mail


class RepliesEntrypoints:
    """Replies are posted here and mailed by notify; notify's answers come back as events.

    There is one acknowledgement per new ticket, so those come as fast as
    tickets are opened: a batch of them is one transaction and one insert.
    """

    @rpc
    def post_reply(self, user_id, number, body, attachments=None):
        """An agent answers a ticket, attachments optional; notify sends the mail. Returns the new message."""
        with self.db.transaction() as session:
            message, events = replies.post_reply(session, load_viewer(session, user_id), number, body, utcnow(),
                                                 settings=self.settings, attachments=attachments)
            record_events(session, events)
        return message

    @consumes("notify", "reply_sent")
    def handle_reply_sent(self, event):
        self._record_delivery(event, ReplySent.from_wire(event), "handle_reply_sent", "sent", None)

    @consumes("notify", "reply_failed")
    def handle_reply_failed(self, event):
        failed = ReplyFailed.from_wire(event)
        self._record_delivery(event, failed, "handle_reply_failed", "failed", failed.error)

    def _record_delivery(self, wire, event: ReplySent, handler, status, error):
        with self.db.transaction() as session:
            if first_time(session, processed_events, wire, handler):
                replies.record_delivery(session, event.message_db_id, status, error)

    @consumes_batch("notify", "acknowledgement_sent")
    def handle_acknowledgement_sent(self, events):
        self._record_automatic_mail(events, AcknowledgementSent, "handle_acknowledgement_sent")

    @consumes_batch("notify", "attachments_notice_sent")
    def handle_attachments_notice_sent(self, events):
        self._record_automatic_mail(events, AttachmentsNoticeSent, "handle_attachments_notice_sent")

    def _record_automatic_mail(self, events, mail_class, handler):
        """A mail it cannot read is parked naming the field; the rest of the batch goes on the threads."""
        read, unreadable = read_events(events, mail_class)
        refuse(events, unreadable)
        with self.db.transaction() as session:
            record_automatic_mail(session, among(read, first_time_many(session, processed_events, events, handler)))
