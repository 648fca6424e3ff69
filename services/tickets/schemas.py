"""Wire payloads of the tickets service: RPC answers (plain dicts) and the events it publishes (contract dataclasses)."""
from __future__ import annotations

from datetime import datetime

from services.shared.contracts.events import TicketCreated, TicketStatusChanged
from services.tickets.models import Attachment, Customer, Department, Message, Ticket, User


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def seconds_between(start: datetime | None, end: datetime | None) -> int | None:
    """Whole seconds from ``start`` to ``end``, e.g. a ticket's first-response time; None if either is missing."""
    return int((end - start).total_seconds()) if start and end else None


def customer_dict(customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name, "email": customer.email, "phone": customer.phone}


def department_dict(department: Department) -> dict:
    return {"id": department.id, "name": department.name, "email": department.email}


def user_dict(user: User, memberships: dict[int, str]) -> dict:
    """A user as the gateway sees it: ``{"id", "email", "name", "is_owner", "departments": {id: role}}``."""
    return {"id": user.id, "email": user.email, "name": user.name, "is_owner": user.is_owner,
            "departments": {str(k): v for k, v in memberships.items()}}


def ticket_summary(ticket: Ticket, department: Department, customer: Customer) -> dict:
    """A row of a ticket list."""
    return {
        "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
        "priority": ticket.priority, "channel": ticket.channel,
        "department": department_dict(department), "customer": customer_dict(customer),
        "assignee_id": ticket.assignee_id, "assignee_ai_agent": ticket.assignee_ai_agent,
        "category_id": ticket.category_id, "subcategory_id": ticket.subcategory_id,
        "pipeline_id": ticket.pipeline_id, "stage_id": ticket.stage_id,
        "stage_entered_at": iso(ticket.stage_entered_at),
        "created_at": iso(ticket.created_at), "updated_at": iso(ticket.updated_at),
    }


def message_dict(message: Message) -> dict:
    return {
        "id": message.id, "direction": message.direction, "channel": message.channel,
        "message_id": message.rfc_message_id, "subject": message.subject,
        "from_name": message.from_name, "from_email": message.from_email, "reply_to": message.reply_to_email,
        "to": message.to_emails, "cc": list(message.cc_emails or []),
        "body_text": message.body_text, "body_html": message.body_html, "reply_text": message.reply_text,
        "is_auto_submitted": message.is_auto_submitted, "author_user_id": message.author_user_id,
        "delivery_status": message.delivery_status, "delivery_error": message.delivery_error,
        "attachments": [attachment_dict(a) for a in message.attachments],
        "original": {"size": message.original_size} if message.original_archive else None,
        "parse_notes": list(message.parse_notes or []),
        "created_at": iso(message.created_at),
    }


def attachment_dict(attachment: Attachment) -> dict:
    """A file of a message; ``kept`` False (with ``not_kept_reason``) when it was over the size limit."""
    return {"id": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type,
            "size": attachment.size, "inline": attachment.inline, "content_id": attachment.content_id,
            "kept": attachment.sha256 is not None, "not_kept_reason": attachment.not_kept_reason}


def ticket_detail(ticket: Ticket, department: Department, customer: Customer,
                  messages: list[Message]) -> dict:
    """A ticket with its thread, oldest message first."""
    detail = ticket_summary(ticket, department, customer)
    detail.update({
        "description": ticket.description,
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at), "closed_at": iso(ticket.closed_at),
        "first_response_seconds": seconds_between(ticket.created_at, ticket.first_response_at),
        "resolution_seconds": seconds_between(ticket.created_at, ticket.resolved_at),
        "messages": [message_dict(m) for m in messages],
    })
    return detail


def status_changed_event(number: str, old_status: str, new_status: str, at: datetime) -> TicketStatusChanged:
    """``ticket_status_changed``, whoever changed the status: an agent, a reply, a customer's mail."""
    return TicketStatusChanged(ticket_number=number, old_status=old_status, new_status=new_status, changed_at=at)


def ticket_created_event(ticket, department: Department, customer, *, send_acknowledgement: bool,
                         message_id: str | None = None, created_by_user_id: int | None = None) -> TicketCreated:
    """``ticket_created`` of a ticket opened by hand (a ``models.Ticket``) or by mail (``inbound.rows.NewTicket``)."""
    return TicketCreated(
        ticket_number=ticket.number, subject=ticket.subject, priority=ticket.priority, status=ticket.status,
        channel=ticket.channel, department_id=department.id, department_email=department.email,
        customer_email=customer.email, customer_name=customer.name, is_auto_submitted=ticket.is_auto_submitted,
        created_at=ticket.created_at, message_id=message_id, send_acknowledgement=send_acknowledgement,
        assignee_id=ticket.assignee_id, created_by_user_id=created_by_user_id)
