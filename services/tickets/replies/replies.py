"""Agents' replies: an outbound thread entry plus the event notify sends the mail from."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.contracts.events import ReplyPosted, StoredAttachment
from services.shared.errors import InvalidInput
from services.tickets.access import Viewer, open_ticket
from services.tickets.domain.numbers import reply_subject, tag_subject
from services.tickets.domain.status import status_after_agent_reply
from services.tickets.history import record_change
from services.tickets.models import Customer, Department, Message, Ticket, User
from services.tickets.replies.attachments import attachment_rows, decode_uploads, store_uploads
from services.tickets.schemas import message_dict, status_changed_event
from services.tickets.settings import TicketsSettings

MAX_REFERENCES = 20


def new_message_id(number: str, department_email: str) -> str:
    """A globally unique Message-ID in the department's own domain (without <>)."""
    domain = department_email.rsplit("@", 1)[-1] or "destek.invalid"
    return f"{uuid.uuid4().hex}.{number}@{domain}"


def post_reply(session: Session, viewer: Viewer, number: str, body: str, now: datetime, *,
               settings: TicketsSettings, attachments: list | None = None) -> tuple[dict, list]:
    """Add an agent's reply to a ticket; returns the message and the events to publish."""
    if not (body or "").strip():
        raise InvalidInput("body must not be empty", "body")
    uploads = decode_uploads(attachments, max_bytes=settings.max_attachment_bytes)
    ticket = open_ticket(session, viewer, number, for_update=True)  # a reply may change its status
    department = session.get(Department, ticket.department_id)
    customer = session.get(Customer, ticket.customer_id)
    if not customer.email:
        raise InvalidInput("the customer of this ticket has no email address to reply to", "customer.email")
    stored = store_uploads(uploads, settings.attachment_store)  # only once the agent may answer: no files from refused requests
    answered = _answered_mail(session, ticket)
    references = (list(answered.references) + [answered.rfc_message_id])[-MAX_REFERENCES:] if answered else []
    message = Message(
        ticket_id=ticket.id, department_id=ticket.department_id, direction="outbound", channel="email",
        rfc_message_id=new_message_id(ticket.number, department.email),
        in_reply_to=[answered.rfc_message_id] if answered else [], references=references,
        subject=reply_subject(answered.subject, ticket.number) if answered else tag_subject(ticket.subject, ticket.number),
        from_name=department.name, from_email=department.email, to_emails=[_recipient(session, ticket, customer)],
        body_text=body, reply_text=body, author_user_id=viewer.user_id,
        delivery_status="queued", created_at=now, attachments=attachment_rows(stored))
    session.add(message)
    first_response = ticket.first_response_at is None
    events = _apply_reply_to_ticket(session, ticket, viewer, now)
    session.flush()
    author = session.get(User, viewer.user_id)
    events.insert(0, ReplyPosted(
        ticket_number=ticket.number, message_db_id=message.id, message_id=message.rfc_message_id,
        in_reply_to=tuple(message.in_reply_to), references=tuple(message.references), subject=message.subject,
        body_text=message.body_text, from_email=department.email, from_name=department.name,
        to_email=message.to_emails[0],  # a Reply-To address comes without the customer's name
        to_name=customer.name if message.to_emails[0] == customer.email else "", department_id=department.id,
        author_name=author.name if author else "", first_response=first_response,
        ticket_created_at=ticket.created_at, priority=ticket.priority,
        attachments=tuple(StoredAttachment(**item) for item in stored), created_at=now))
    return message_dict(message), events


def _recipient(session: Session, ticket: Ticket, customer: Customer) -> str:
    """The customer's address, or the Reply-To of their latest mail if it had one (a contact form mails
    from its own address with the customer in Reply-To); someone else's Reply-To changes nothing."""
    reply_to = session.scalars(
        select(Message.reply_to_email).where(Message.ticket_id == ticket.id, Message.direction == "inbound",
                                             Message.from_email == customer.email)
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(1)).first()
    return reply_to or customer.email


def _answered_mail(session: Session, ticket: Ticket) -> Message | None:
    """The mail a reply answers: the customer's latest, else the latest we sent (so that what the agent
    writes before the customer answers still threads in the customer's mail program); None: the first."""
    for direction in ("inbound", "outbound"):
        latest = session.scalars(select(Message).where(Message.ticket_id == ticket.id, Message.direction == direction,
                                                       Message.rfc_message_id.is_not(None))
                                 .order_by(Message.created_at.desc(), Message.id.desc()).limit(1)).first()
        if latest is not None:
            return latest
    return None


def _apply_reply_to_ticket(session: Session, ticket: Ticket, viewer: Viewer, now: datetime) -> list:
    events = []
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    new_status = status_after_agent_reply(ticket.status)
    if new_status != ticket.status:
        record_change(session, ticket, f"user:{viewer.user_id}", "status", ticket.status, new_status, now)
        events.append(status_changed_event(ticket.number, ticket.status, new_status, now))
        ticket.status = new_status
    ticket.updated_at = now
    return events


def record_delivery(session: Session, message_db_id: int, status: str, error: str | None) -> None:
    """Note on the thread whether notify delivered an outbound message."""
    message = session.get(Message, message_db_id)
    if message is not None:
        message.delivery_status, message.delivery_error = status, error
