"""Mail notify sent on its own (acknowledgements, attachments notices) joins the ticket's thread."""
from __future__ import annotations

from services.shared.batch_consumers import consumes_batch, first_time_many
from services.tickets.automatic_mail import record_automatic_mail
from services.tickets.models import processed_events


class NotificationsEntrypoints:
    """Records notify's automatic mail as outbound, automatic messages of the thread.

    There is one acknowledgement per new ticket, so these come as fast as
    tickets are opened: a batch of them is one transaction and one insert.
    """

    @consumes_batch("notify", "acknowledgement_sent")
    def handle_acknowledgement_sent(self, events):
        self._record_automatic_mail(events, "handle_acknowledgement_sent")

    @consumes_batch("notify", "attachments_notice_sent")
    def handle_attachments_notice_sent(self, events):
        self._record_automatic_mail(events, "handle_attachments_notice_sent")

    def _record_automatic_mail(self, events, handler):
        with self.db.transaction() as session:
            record_automatic_mail(session, first_time_many(session, processed_events, events, handler))
