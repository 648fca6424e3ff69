"""Merging two customers: tickets, calls and contacts move to the target; nothing is lost.

The source stays as a row marked ``merged_into_id`` (hidden from lists), the
merge is kept in ``customer_merges`` with who, when and what the source held,
each moved ticket's history gets a ``customer`` change, and the audit trail an
entry. Managers and owners only.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput
from services.tickets import payload
from services.tickets.access import Viewer, check_is_a_manager
from services.tickets.audit import record_audit
from services.tickets.customers.contacts import contacts_of, customer_dict, refresh_ticket_search
from services.tickets.customers.customers import visible_customer
from services.tickets.customers.rules import Contacts, plan_merge
from services.tickets.history import record_change
from services.tickets.models import Call, Customer, CustomerContact, CustomerMerge, Ticket


def merge_customers(session: Session, viewer: Viewer, source_id, target_id, now: datetime) -> dict:
    """Fold customer ``source_id`` into ``target_id``; returns the target as it is now."""
    check_is_a_manager(viewer, "only managers and owners may merge customers")
    source_number = payload.row_id(source_id, "customer_id", what="customer")
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise InvalidInput("into must be the id of the customer to merge into", "into")
    if source_number == target_id:
        raise InvalidInput("a customer cannot be merged into itself", "into")
    # Lock both rows in id order, so that two merges of the same pair cannot deadlock.
    locked = {n: visible_customer(session, viewer, n, for_update=True)
              for n in sorted((source_number, payload.row_id(target_id, "into", what="customer")))}
    source, target = locked[source_number], locked[target_id]
    for customer in (source, target):
        if customer.merged_into_id is not None:
            raise Conflict(f"customer {customer.id} was already merged into customer {customer.merged_into_id}",
                           "into" if customer is target else "customer_id")
    before = _held_by(session, source)
    moved_tickets = _move_tickets(session, viewer, source, target, now)
    moved_calls = list(session.scalars(update(Call).where(Call.customer_id == source.id)
                                       .values(customer_id=target.id).returning(Call.id)))
    _move_contacts(session, source, target, now)
    source.merged_into_id, source.updated_at, target.updated_at = target.id, now, now
    session.execute(update(Customer).where(Customer.merged_into_id == source.id, Customer.id != source.id)
                    .values(merged_into_id=target.id))
    details = {"source": before, "tickets": moved_tickets, "calls": sorted(moved_calls)}
    session.add(CustomerMerge(source_id=source.id, target_id=target.id, merged_by_user_id=viewer.user_id,
                              merged_at=now, details=details))
    record_audit(session, actor_user_id=viewer.user_id, action="merged", object_type="customer",
                 object_id=source.id, details={"into": target.id, **details}, at=now)
    session.flush()
    refresh_ticket_search(session, target.id)
    return customer_dict(session, target)


def _held_by(session: Session, customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name, "email": customer.email, "phone": customer.phone,
            "contacts": contacts_of(session, customer.id),
            "last_contact_at": customer.last_contact_at.isoformat() if customer.last_contact_at else None}


def _move_tickets(session: Session, viewer: Viewer, source: Customer, target: Customer, now) -> list[str]:
    tickets = list(session.scalars(select(Ticket).where(Ticket.customer_id == source.id)
                                   .order_by(Ticket.id).with_for_update()))
    for ticket in tickets:
        record_change(session, ticket, f"user:{viewer.user_id}", "customer", source.id, target.id, now)
        ticket.customer_id = target.id
    return [t.number for t in tickets]


def _move_contacts(session: Session, source: Customer, target: Customer, now: datetime) -> None:
    extra = lambda customer: tuple((c["kind"], c["value"]) for c in contacts_of(session, customer.id))  # noqa: E731
    plan = plan_merge(Contacts(source.email, source.phone, extra(source)),
                      Contacts(target.email, target.phone, extra(target)))
    session.execute(delete(CustomerContact).where(CustomerContact.customer_id == source.id))
    source.email = source.phone = None  # free the unique addresses before the target takes them
    session.flush()
    target.email, target.phone = plan.email, plan.phone
    for kind, value in plan.extra_to_add:
        session.add(CustomerContact(customer_id=target.id, kind=kind, value=value, created_at=now))
    if target.name in ("", target.email, target.phone) and source.name:
        target.name = source.name
    if source.last_contact_at and (target.last_contact_at is None
                                   or source.last_contact_at > target.last_contact_at):
        target.last_contact_at = source.last_contact_at
    session.flush()
