"""Mail notify sent on its own (acknowledgements, attachments notices) joins the ticket's thread."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.shared.consumers import consumes, first_time
from services.tickets import repository as repo
from services.tickets.models import Message, processed_events


class NotificationsEntrypoints:
    """Records notify's automatic mail as outbound, automatic messages of the thread."""

    @consumes("notify", "acknowledgement_sent")
    def handle_acknowledgement_sent(self, event):
        self._record_automatic_mail(event, "handle_acknowledgement_sent")

    @consumes("notify", "attachments_notice_sent")
    def handle_attachments_notice_sent(self, event):
        self._record_automatic_mail(event, "handle_attachments_notice_sent")

    def _record_automatic_mail(self, event, handler):
        with self.db.transaction() as session:
            if first_time(session, processed_events, event, handler):
                record_automatic_mail(session, event)


def record_automatic_mail(session: Session, event: dict) -> Message | None:
    """Append a sent automatic mail to its ticket; its Message-ID then threads the customer's answer."""
    ticket = repo.ticket_by_number(session, event["ticket_number"])
    if ticket is None:
        return None
    existing = repo.message_in_department(session, ticket.department_id, event["message_id"])
    if existing is not None:
        return existing
    body = event.get("body_text") or ""
    message = Message(
        ticket_id=ticket.id, department_id=ticket.department_id, direction="outbound", channel="email",
        rfc_message_id=event["message_id"], in_reply_to=list(event.get("in_reply_to") or []),
        references=list(event.get("references") or []), subject=event.get("subject") or "",
        from_name=event.get("from_name") or "", from_email=event.get("from_email") or "",
        to_emails=[event["to_email"]], body_text=body, reply_text=body, is_auto_submitted=True,
        delivery_status="sent", created_at=datetime.fromisoformat(event["sent_at"]))
    session.add(message)
    session.flush()
    return message
