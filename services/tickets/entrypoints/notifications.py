"""Mail notify sent on its own (acknowledgements, attachments notices) joins the ticket's thread."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.shared.batch_consumers import consumes_batch, first_time_many
from services.tickets.models import Message, Ticket, processed_events


class NotificationsEntrypoints:
    """Records notify's automatic mail as outbound, automatic messages of the thread.

    There is one acknowledgement per new ticket, so these come as fast as
    tickets are opened: a batch of them is one transaction.
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


def record_automatic_mail(session: Session, events: list[dict]) -> list[Message]:
    """Append sent automatic mails to their tickets; their Message-IDs then thread the customers' answers.

    A ticket deleted meanwhile takes nothing; a mail already on the thread is not added twice.
    """
    numbers = {event["ticket_number"] for event in events}
    tickets = {t.number: t for t in session.scalars(select(Ticket).where(Ticket.number.in_(numbers)))} \
        if numbers else {}
    wanted = {(tickets[e["ticket_number"]].department_id, e["message_id"]) for e in events
              if e["ticket_number"] in tickets}
    known = set(session.execute(select(Message.department_id, Message.rfc_message_id).where(
        tuple_(Message.department_id, Message.rfc_message_id).in_(wanted))).tuples()) if wanted else set()
    added = []
    for event in events:
        ticket = tickets.get(event["ticket_number"])
        if ticket is None or (ticket.department_id, event["message_id"]) in known:
            continue
        known.add((ticket.department_id, event["message_id"]))
        added.append(_automatic_message(ticket, event))
    session.add_all(added)
    session.flush()
    return added


def _automatic_message(ticket: Ticket, event: dict) -> Message:
    body = event.get("body_text") or ""
    return Message(
        ticket_id=ticket.id, department_id=ticket.department_id, direction="outbound", channel="email",
        rfc_message_id=event["message_id"], in_reply_to=list(event.get("in_reply_to") or []),
        references=list(event.get("references") or []), subject=event.get("subject") or "",
        from_name=event.get("from_name") or "", from_email=event.get("from_email") or "",
        to_emails=[event["to_email"]], body_text=body, reply_text=body, is_auto_submitted=True,
        delivery_status="sent", created_at=datetime.fromisoformat(event["sent_at"]))
