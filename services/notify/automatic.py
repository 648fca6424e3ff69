"""Writing the mail Destek sends on its own: new-ticket acknowledgements and attachments notices."""
from __future__ import annotations

import logging

from services.notify import deliveries, wire
from services.notify.domain.automatic_mail import (AutomaticText, acknowledgement_skip_reason,
                                                   acknowledgement_text, attachments_notice_text,
                                                   recipient_skip_reason, stable_message_id)

log = logging.getLogger(__name__)


def may_acknowledge(event: dict) -> bool:
    """Whether a ``ticket_created`` event can lead to an acknowledgement (before asking for settings)."""
    return acknowledgement_skip_reason(event, event.get("department_email") or "") is None


def acknowledgement_mail(event: dict, department: dict | None) -> deliveries.OutgoingMail | None:
    """The acknowledgement of a ``ticket_created`` event, or None when this ticket gets none."""
    department = department or {}
    sender = department.get("email") or event.get("department_email") or ""
    if event.get("send_acknowledgement") is None:  # an older event: the department's setting decides
        event = {**event, "send_acknowledgement": department.get("send_acknowledgement", True)}
    reason = acknowledgement_skip_reason(event, sender)
    if reason:
        return _skipped(event, reason)
    number = event["ticket_number"]
    text = acknowledgement_text(ticket_number=number, subject=event.get("subject") or "",
                                customer_name=event.get("customer_name") or "",
                                department_name=department.get("name") or "")
    # Keyed on the ticket (and its creation time, which no other install shares): one per ticket.
    message_id = stable_message_id("ack", f"{number}\0{event.get('created_at')}", sender)
    return _outgoing("acknowledgement", text, message_id=message_id, number=number, sender=sender,
                  department=department, department_id=event.get("department_id"),
                  to_email=event["customer_email"], to_name=event.get("customer_name") or "",
                  answered=event.get("message_id"))


def attachments_notice_mail(event: dict, department: dict | None) -> deliveries.OutgoingMail | None:
    """The notice of an ``attachments_rejected`` event listing what was not kept, or None."""
    department = department or {}
    sender = department.get("email") or event.get("department_email") or ""
    if not sender:
        raise LookupError(f"no address known for department {event.get('department_id')}; retry later")
    reason = ("the sender is an automatic or bulk sender" if event.get("is_auto_submitted")
              else recipient_skip_reason(event.get("to_email") or "", sender))
    if reason or not event.get("skipped"):
        return _skipped(event, reason or "nothing was left out")
    number = event["ticket_number"]
    text = attachments_notice_text(ticket_number=number, skipped=event["skipped"],
                                   department_name=department.get("name") or "")
    message_id = stable_message_id("attachments", f"{number}\0{event.get('message_id')}", sender)
    return _outgoing("attachments_notice", text, message_id=message_id, number=number, sender=sender,
                  department=department, department_id=event.get("department_id"),
                  to_email=event["to_email"], to_name="", answered=event.get("message_id"))


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


def _skipped(event: dict, reason: str) -> None:
    log.info("no automatic mail for ticket %s: %s", event.get("ticket_number"), reason)
    return None
