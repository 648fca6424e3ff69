"""The tickets, customers and thread rows one inbound batch touches, and writing them set-based.

Placing a batch's messages decides everything in memory on these plain
values; :func:`write_batch` then writes each kind of row in one statement
(:mod:`services.shared.bulk_rows`): new customers, their last contact, new
tickets, status changes of known tickets, messages, history, attachments.
Ids come from the sequences first, so rows refer to each other before any is
written, and no ORM object is built per mail.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from services.shared.bulk_rows import insert_rows, next_ids, update_rows
from services.shared.contracts.inbound import DeliveryReport, InboundMessage, SkippedAttachment
from services.shared.errors import InvalidInput
from services.tickets import repository as repo
from services.tickets.assignment.assignment import SYSTEM, assign_new_tickets
from services.tickets.domain.identity import normalise_email
from services.tickets.inbound.attachments import attachment_rows, original_columns
from services.tickets.models import Attachment, Customer, HistoryEntry, Message, Ticket

CUSTOMERS, TICKETS, MESSAGES = Customer.__table__, Ticket.__table__, Message.__table__
HISTORY, ATTACHMENTS = HistoryEntry.__table__, Attachment.__table__


@dataclass(eq=False)
class KnownTicket:
    """A ticket already in the database, as threading needs it; the batch may change its status."""
    id: int
    number: str
    status: str
    department_id: int
    closed_at: datetime | None = None
    resolved_at: datetime | None = None
    updated_at: datetime | None = None
    assignee_id: int | None = None


@dataclass(eq=False)
class NewTicket:
    """A ticket this batch opens; its number and id are given when the batch is written."""
    subject: str
    description: str
    department_id: int
    channel: str
    linked_ticket_id: int | None
    is_auto_submitted: bool
    created_at: datetime
    priority: int = 3
    status: str = "new"
    id: int | None = None
    number: str | None = None
    customer_id: int | None = None
    closed_at: datetime | None = None
    resolved_at: datetime | None = None
    updated_at: datetime | None = None
    assignee_id: int | None = None  # chosen by automatic assignment before the batch is written
    assignee_ai_agent: str | None = None  # never set for mail; assignment reads it as it does a Ticket's

    def row(self) -> dict:
        return {"id": self.id, "number": self.number, "subject": self.subject, "description": self.description,
                "priority": self.priority, "status": self.status, "department_id": self.department_id,
                "customer_id": self.customer_id, "channel": self.channel, "linked_ticket_id": self.linked_ticket_id,
                "is_auto_submitted": self.is_auto_submitted, "created_at": self.created_at,
                "assignee_id": self.assignee_id,
                "updated_at": self.updated_at or self.created_at}


TicketState = KnownTicket | NewTicket


@dataclass(eq=False)
class KnownCustomer:
    """A customer already in the database, found by a sender's address."""
    id: int
    name: str
    email: str | None
    renamed: bool = False


@dataclass(eq=False)
class NewCustomer:
    """A customer this batch creates from a sender it did not know."""
    name: str
    email: str | None
    id: int | None = None


@dataclass
class Placement:
    """Where one message goes and what it changes, decided before anything is written."""
    message: InboundMessage
    department: object  # models.Department
    sender: str
    decision: object  # domain.thread_matching.ThreadDecision
    ticket: TicketState
    customer: KnownCustomer | NewCustomer | None  # None for a bounce: a mail server is nobody's customer
    created: bool
    status_change: tuple[str, str] | None = None
    stored: dict | None = None  # the message row, once written
    skipped: list[SkippedAttachment] = field(default_factory=list)  # attachments not kept
    bounced: list[DeliveryReport] = field(default_factory=list)  # delivery reports about mail we sent


def write_batch(session: Session, placed: list[Placement], now: datetime) -> None:
    """Write every row the placements need, one statement per kind of row; new tickets get their agents first."""
    _write_customers(session, placed, now)
    new_tickets = _unique(p.ticket for p in placed if p.created)
    assigned = assign_new_tickets(session, new_tickets, now)
    numbers = repo.new_ticket_numbers(session, now, len(new_tickets))
    for ticket, number, ticket_id in zip(new_tickets, numbers, next_ids(session, TICKETS, len(new_tickets))):
        ticket.number, ticket.id = number, ticket_id
    for item in placed:
        if item.created:
            item.ticket.customer_id = item.customer.id
    insert_rows(session, TICKETS, [ticket.row() for ticket in new_tickets])
    update_rows(session, TICKETS, [
        {"id": t.id, "status": t.status, "updated_at": t.updated_at, "resolved_at": t.resolved_at,
         "closed_at": t.closed_at} for t in _unique(p.ticket for p in placed if isinstance(p.ticket, KnownTicket))])
    for item, message_id in zip(placed, next_ids(session, MESSAGES, len(placed))):
        item.stored = _message_row(message_id, item, now)
    insert_rows(session, MESSAGES, [item.stored for item in placed])
    insert_rows(session, HISTORY, [row for item in placed for row in _history_rows(item, now)]
                + [{"ticket_id": t.id, "actor": SYSTEM, "field": "assignee", "old_value": None, "new_value": name,
                    "at": now} for t, name in assigned])
    attachments = []
    for item in placed:
        rows, item.skipped = attachment_rows(item.stored["id"], item.message)
        attachments.extend(rows)
    insert_rows(session, ATTACHMENTS, attachments)


def _write_customers(session: Session, placed: list[Placement], now: datetime) -> None:
    customers = _unique(p.customer for p in placed if p.customer is not None)
    new = [c for c in customers if isinstance(c, NewCustomer)]
    for customer, customer_id in zip(new, next_ids(session, CUSTOMERS, len(new))):
        customer.id = customer_id
    insert_rows(session, CUSTOMERS, [{"id": c.id, "name": c.name, "email": c.email, "created_at": now,
                                      "last_contact_at": now} for c in new])
    known = [c for c in customers if isinstance(c, KnownCustomer)]
    update_rows(session, CUSTOMERS, [{"id": c.id, "last_contact_at": now} for c in known if not c.renamed])
    update_rows(session, CUSTOMERS, [{"id": c.id, "name": c.name, "last_contact_at": now}
                                     for c in known if c.renamed])


def _message_row(message_id: int, item: Placement, now: datetime) -> dict:
    message, ticket = item.message, item.ticket
    return {"id": message_id, "ticket_id": ticket.id, "department_id": ticket.department_id,
            "direction": "inbound", "channel": message.channel, "rfc_message_id": message.message_id,
            "in_reply_to": list(message.in_reply_to), "references": list(message.references),
            "subject": message.subject, "from_name": message.from_name, "from_email": item.sender,
            "reply_to_email": _address_or_none(message.reply_to), "to_emails": list(message.to),
            "cc_emails": list(message.cc), "body_text": message.body_text, "body_html": message.body_html,
            "reply_text": message.reply_text, "is_auto_submitted": message.is_auto_submitted,
            "parse_notes": list(message.parse_notes), **original_columns(message), "created_at": now}


def _history_rows(item: Placement, now: datetime) -> list[dict]:
    changes = []
    if item.status_change:
        changes.append(("status", *item.status_change))
    if item.decision.new_participant:
        changes.append(("participant", None, item.sender))
    return [{"ticket_id": item.ticket.id, "actor": "customer", "field": name, "old_value": old, "new_value": new,
             "at": now} for name, old, new in changes]


def _address_or_none(value: str | None) -> str | None:
    """A Reply-To worth answering to; one that is no address is dropped (answers go to the sender then)."""
    try:
        return normalise_email(value) if value else None
    except InvalidInput:
        return None


def _unique(items) -> list:
    """The distinct objects, in the order first seen (several messages may share one ticket or customer)."""
    seen: dict[int, object] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())
