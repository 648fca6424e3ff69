"""Writing the mail Destek sends on its own: new-ticket acknowledgements and attachments notices."""
from __future__ import annotations

import logging

from services.notify import deliveries, wire
from services.notify.domain.automatic_mail import (AutomaticText, acknowledgement_skip_reason,
                                                   acknowledgement_text, attachments_notice_text,
                                                   recipient_skip_reason, stable_message_id)
from services.shared.contracts.events import AttachmentsRejected, TicketCreated

log = logging.getLogger(__name__)


def may_acknowledge(event: TicketCreated) -> bool:
    """Whether a ``ticket_created`` event can lead to an acknowledgement (before asking for settings)."""
    return acknowledgement_skip_reason(event, event.department_email) is None


def acknowledgement_mail(event: TicketCreated, department: dict | None) -> deliveries.OutgoingMail | None:
    """The acknowledgement of a ``ticket_created`` event, or None when this ticket gets none."""
    department = department or {}
    sender = department.get("email") or event.department_email
    reason = acknowledgement_skip_reason(event, sender,
                                         department_sends=department.get("send_acknowledgement", True))
    if reason:
        return _skipped(event, reason)
    number = event.ticket_number
    text = acknowledgement_text(ticket_number=number, subject=event.subject, customer_name=event.customer_name,
                                department_name=department.get("name") or "")
    # Keyed on the ticket (and its creation time, which no other install shares): one per ticket.
    message_id = stable_message_id("ack", f"{number}\0{event.created_at.isoformat()}", sender)
    return _outgoing("acknowledgement", text, message_id=message_id, number=number, sender=sender,
                  department=department, department_id=event.department_id,
                  to_email=event.customer_email, to_name=event.customer_name, answered=event.message_id)


def attachments_notice_mail(event: AttachmentsRejected, department: dict | None) -> deliveries.OutgoingMail | None:
    """The notice of an ``attachments_rejected`` event listing what was not kept, or None."""
    department = department or {}
    sender = department.get("email") or event.department_email
    if not sender:
        raise LookupError(f"no address known for department {event.department_id}; retry later")
    reason = ("the sender is an automatic or bulk sender" if event.is_auto_submitted
              else recipient_skip_reason(event.to_email, sender))
    if reason or not event.skipped:
        return _skipped(event, reason or "nothing was left out")
    number = event.ticket_number
    text = attachments_notice_text(ticket_number=number, skipped=event.skipped,
                                   department_name=department.get("name") or "")
    message_id = stable_message_id("attachments", f"{number}\0{event.message_id}", sender)
    return _outgoing("attachments_notice", text, message_id=message_id, number=number, sender=sender,
                  department=department, department_id=event.department_id,
                  to_email=event.to_email, to_name="", answered=event.message_id)


def _outgoing(kind: str, text: AutomaticText, *, message_id: str, number: str, sender: str,
              department: dict, department_id: int | None, to_email: str, to_name: str,
              answered: str | None) -> deliveries.OutgoingMail:
    threading = [answered] if answered else []
    raw = wire.automatic_mail(
        from_email=sender, from_name=department.get("name") or "", to_email=to_email, to_name=to_name,
        subject=text.subject, body=text.body, message_id=message_id, in_reply_to=threading,
        references=threading, ticket_number=number)
    details = {"kind": kind, "body_text": text.body, "from_name": department.get("name") or "",
               "in_reply_to": threading, "references": threading}
    return deliveries.OutgoingMail(raw, message_id, sender, to_email, text.subject, kind, number, department_id,
                                   details=details)


def _skipped(event: TicketCreated | AttachmentsRejected, reason: str) -> None:
    log.info("no automatic mail for ticket %s: %s", event.ticket_number, reason)
    return None
