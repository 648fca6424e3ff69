"""Queries of the tickets schema, named for what they find."""
from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from services.tickets.models import (Customer, CustomerContact, Department, Membership, Message, Ticket,
                                     TicketCounter, User)


def departments_by_email(session: Session) -> dict[str, Department]:
    """Every department keyed by its lower-cased address."""
    return {d.email.lower(): d for d in session.scalars(select(Department))}


def default_department(session: Session) -> Department | None:
    """The department that receives mail addressed to no known department."""
    return session.scalars(select(Department).order_by(Department.is_default.desc(), Department.id)
                           .limit(1)).first()


def message_in_department(session: Session, department_id: int, rfc_message_id: str) -> Message | None:
    """The message already received with this Message-ID by this department, if any."""
    return session.scalars(select(Message).where(
        Message.department_id == department_id, Message.rfc_message_id == rfc_message_id)).first()


def ticket_by_message_ids(session: Session, message_ids: list[str]) -> Ticket | None:
    """The ticket most recently holding any of these Message-IDs (sent or received)."""
    if not message_ids:
        return None
    return session.scalars(
        select(Ticket).join(Message, Message.ticket_id == Ticket.id)
        .where(Message.rfc_message_id.in_(message_ids))
        .order_by(Message.created_at.desc()).limit(1)).first()


def ticket_referencing(session: Session, rfc_message_id: str) -> Ticket | None:
    """The ticket of a message that answers this one (when the answer arrived first)."""
    return session.scalars(
        select(Ticket).join(Message, Message.ticket_id == Ticket.id)
        .where(or_(Message.references.any_() == rfc_message_id,
                   Message.in_reply_to.any_() == rfc_message_id))
        .order_by(Message.created_at).limit(1)).first()


def ticket_by_number(session: Session, number: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.number == number)).first()


def customer_emails_of_ticket(session: Session, ticket: Ticket) -> set[str]:
    """The addresses that have written inbound messages to a ticket, and its customer's."""
    emails = set(session.scalars(select(Message.from_email).where(
        Message.ticket_id == ticket.id, Message.direction == "inbound")))
    customer = session.get(Customer, ticket.customer_id)
    if customer and customer.email:
        emails.add(customer.email)
    return emails


def customer_by_email(session: Session, email: str) -> Customer | None:
    """The customer with this address as their email or as a further contact (e.g. from a merge)."""
    customer = session.scalars(select(Customer).where(Customer.email == email)).first()
    if customer is None:
        customer = session.scalars(select(Customer).join(CustomerContact, CustomerContact.customer_id == Customer.id)
                                   .where(CustomerContact.kind == "email", CustomerContact.value == email)).first()
    if customer is not None and customer.merged_into_id is not None:  # merges keep this one step deep
        customer = session.get(Customer, customer.merged_into_id)
    return customer


def allocate_ticket_numbers(engine: Engine, year: int, count: int = 1) -> list[int]:
    """Reserve ``count`` sequence numbers of ``year`` in their own short transaction.

    The counter row is locked only for this tiny statement, never for the whole
    ticket-creating transaction; numbers of a rolled-back transaction are
    skipped, which the numbering tolerates.
    """
    with engine.begin() as conn:
        conn.execute(insert(TicketCounter).values(year=year, last_value=0).on_conflict_do_nothing())
        last = conn.execute(update(TicketCounter).where(TicketCounter.year == year)
                            .values(last_value=TicketCounter.last_value + count)
                            .returning(TicketCounter.last_value)).scalar_one()
    return list(range(last - count + 1, last + 1))


def memberships_of(session: Session, user_id: int) -> dict[int, str]:
    """department id → role of one user."""
    return dict(session.execute(select(Membership.department_id, Membership.role)
                                .where(Membership.user_id == user_id)).all())


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()


def thread_of(session: Session, ticket_id: int) -> list[Message]:
    """A ticket's messages, oldest first."""
    return list(session.scalars(select(Message).where(Message.ticket_id == ticket_id)
                                .options(selectinload(Message.attachments))  # one query for all files
                                .order_by(Message.created_at, Message.id)))
