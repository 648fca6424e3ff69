"""A call record's fields, its wire form, and the ticket figures derived from calls."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput
from services.tickets import payload
from services.tickets.calls.rules import (DIRECTIONS, MAX_DURATION_SECONDS, OUTCOMES, card_figures,
                                          counts_as_contact)
from services.tickets.customers.contacts import find_by_contact, normalised
from services.tickets.models import Call, Customer, Ticket
from services.tickets.schemas import iso

FIELDS = ("ticket_number", "provider_call_id", "direction", "phone", "customer_id", "started_at",
          "duration_seconds", "outcome", "summary")
MAX_SUMMARY = 20_000


def read_call(body: dict) -> dict:
    """The checked fields of a call payload (every one, even when the call turns out to be known)."""
    payload.only_fields(body, FIELDS)
    outcome, direction = body.get("outcome"), body.get("direction", "inbound")
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", "outcome")
    if direction not in DIRECTIONS:
        raise InvalidInput(f"direction must be one of {', '.join(DIRECTIONS)}", "direction")
    return {"outcome": outcome, "direction": direction,
            "ticket_number": payload.text(body, "ticket_number", max_length=50, empty_ok=True) or None,
            "provider_call_id": payload.text(body, "provider_call_id", max_length=200),
            "started_at": payload.timestamp(body.get("started_at"), "started_at"),
            "phone": normalised("phone", body.get("phone"), "phone"),
            "customer_id": payload.integer(body, "customer_id", low=1),
            "duration_seconds": payload.integer(body, "duration_seconds", high=MAX_DURATION_SECONDS) or 0,
            "summary": payload.text(body, "summary", max_length=MAX_SUMMARY, empty_ok=True) or ""}


def new_call(session: Session, fields: dict, ticket: Ticket | None, user_id: int | None, now: datetime) -> Call:
    """A call record from :func:`read_call`'s fields, added and flushed; its customer found or created."""
    started_at = fields["started_at"] or now
    call = Call(ticket_id=ticket.id if ticket else None, provider_call_id=fields["provider_call_id"],
                direction=fields["direction"], phone=fields["phone"], started_at=started_at,
                outcome=fields["outcome"], duration_seconds=fields["duration_seconds"], summary=fields["summary"],
                customer_id=_customer_of(session, fields, ticket, now), recorded_by_user_id=user_id,
                created_at=now)
    session.add(call)
    session.flush()
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    if customer is not None and counts_as_contact(call.outcome):
        if customer.last_contact_at is None or customer.last_contact_at < started_at:
            customer.last_contact_at = started_at
    return call


def _customer_of(session: Session, fields: dict, ticket: Ticket | None, now) -> int | None:
    customer_id, phone = fields["customer_id"], fields["phone"]
    if customer_id is not None:
        if session.get(Customer, customer_id) is None:
            raise InvalidInput(f"customer {customer_id} does not exist", "customer_id")
        return customer_id
    if ticket is not None:
        return ticket.customer_id
    if phone is None:
        return None
    customer = find_by_contact(session, "phone", phone)
    if customer is None:  # a first contact by phone creates the customer, as a first mail does
        customer = Customer(name=phone, phone=phone, created_at=now, updated_at=now)
        session.add(customer)
        session.flush()
    return customer.merged_into_id or customer.id


def update_card_figures(session: Session, ticket_ids) -> None:
    """Recompute ``call_count`` and ``last_call_at`` of these tickets from their calls."""
    ids = sorted({i for i in ticket_ids if i is not None})
    # Lock the tickets (in id order) so that concurrent recordings count each other's calls. NO KEY
    # UPDATE, because the calls' foreign keys already hold KEY SHARE locks on these rows.
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)
                                  .with_for_update(key_share=True)) if ids else ():
        figures = card_figures(list(session.scalars(select(Call.started_at).where(Call.ticket_id == ticket.id))))
        ticket.call_count, ticket.last_call_at = figures.call_count, figures.last_call_at
    session.flush()


def call_dict(session: Session, call: Call, ticket: Ticket | None = None) -> dict:
    if ticket is None and call.ticket_id is not None:
        ticket = session.get(Ticket, call.ticket_id)
    return {"id": call.id, "provider_call_id": call.provider_call_id,
            "ticket_number": ticket.number if ticket else None, "customer_id": call.customer_id,
            "direction": call.direction, "phone": call.phone, "started_at": iso(call.started_at),
            "duration_seconds": call.duration_seconds, "outcome": call.outcome, "summary": call.summary,
            "recorded_by_user_id": call.recorded_by_user_id, "created_at": iso(call.created_at)}
