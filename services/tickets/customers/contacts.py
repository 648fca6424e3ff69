"""A customer's identities (main email and phone, further contacts) and their wire form.

Every email and phone belongs to at most one customer, across the main
columns and ``customer_contacts``: that is what deduplication rests on.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput
from services.tickets import payload
from services.tickets.domain.identity import normalise_email, normalise_phone
from services.tickets.models import Customer, CustomerContact, Ticket
from services.tickets.schemas import iso
from services.tickets.search import refresh_search_text

MAX_CONTACTS = 20
NORMALISE = {"email": normalise_email, "phone": normalise_phone}
MAX_LENGTH = {"email": 254, "phone": 50}


def normalised(kind: str, value, field: str) -> str | None:
    """An email or phone in its canonical form; a 422 naming ``field`` if it is not one."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field)
    if len(value) > MAX_LENGTH[kind]:
        raise InvalidInput(f"{field} must be at most {MAX_LENGTH[kind]} characters", field)
    return NORMALISE[kind](payload.storable(value, field), field)


def owner_of(session: Session, kind: str, value: str) -> int | None:
    """The id of the customer who has this email or phone, as main or further contact."""
    column = Customer.email if kind == "email" else Customer.phone
    found = session.scalar(select(Customer.id).where(column == value))
    if found is None:
        found = session.scalar(select(CustomerContact.customer_id).where(
            CustomerContact.kind == kind, CustomerContact.value == value))
    return found


def _claim(session: Session, customer: Customer, kind: str, value: str | None, field: str) -> None:
    if value is None:
        return
    owner = owner_of(session, kind, value)
    if owner is not None and owner != customer.id:
        raise Conflict(f"customer {owner} already has {value}; open that customer or merge the two", field)


def apply_contact_fields(session: Session, customer: Customer, body: dict, now: datetime) -> None:
    """Set name, email, phone and further contacts from a create or update payload."""
    if "name" in body:
        customer.name = payload.text(body, "name", max_length=200, empty_ok=True) or ""
    for kind in ("email", "phone"):
        if kind in body:
            value = normalised(kind, body[kind], kind)
            _claim(session, customer, kind, value, kind)
            setattr(customer, kind, value)
    session.flush()
    if "contacts" in body:
        _replace_contacts(session, customer, body["contacts"], now)


def _replace_contacts(session: Session, customer: Customer, contacts, now: datetime) -> None:
    if not isinstance(contacts, list) or len(contacts) > MAX_CONTACTS:
        raise InvalidInput(f"contacts must be a list of at most {MAX_CONTACTS} {{kind, value}}", "contacts")
    wanted: list[tuple[str, str]] = []
    for index, item in enumerate(contacts):
        kind, value = _contact(item, f"contacts[{index}]")
        if (kind, value) not in wanted and value != getattr(customer, kind):
            wanted.append((kind, value))
    session.execute(delete(CustomerContact).where(CustomerContact.customer_id == customer.id))
    session.flush()
    for index, (kind, value) in enumerate(wanted):
        _claim(session, customer, kind, value, f"contacts[{index}].value")
        session.add(CustomerContact(customer_id=customer.id, kind=kind, value=value, created_at=now))
    session.flush()


def _contact(item, field: str) -> tuple[str, str]:
    """One ``{"kind": "email"|"phone", "value": ...}`` of a contacts list, normalised; a 422 naming it if not."""
    if not isinstance(item, dict) or not isinstance(item.get("kind"), str) or item["kind"] not in NORMALISE:
        raise InvalidInput(f"{field} must be {{\"kind\": \"email\"|\"phone\", \"value\": ...}}", field)
    for name in item:
        if name not in ("kind", "value"):
            raise InvalidInput(f"{field} holds only kind and value", f"{field}.{name}"[:100])
    value = normalised(item["kind"], item.get("value"), f"{field}.value")
    if value is None:
        raise InvalidInput(f"{field}.value is required", f"{field}.value")
    return item["kind"], value


def contacts_of(session: Session, customer_id: int) -> list[dict]:
    """A customer's further contacts, oldest first."""
    rows = session.scalars(select(CustomerContact).where(CustomerContact.customer_id == customer_id)
                           .order_by(CustomerContact.id))
    return [{"kind": c.kind, "value": c.value} for c in rows]


def customer_dicts(session: Session, customers: list[Customer]) -> list[dict]:
    """Customers with contacts and ticket counts, in two queries for the whole page."""
    ids = [c.id for c in customers]
    counts = dict(session.execute(select(Ticket.customer_id, func.count()).where(Ticket.customer_id.in_(ids))
                                  .group_by(Ticket.customer_id)).all()) if ids else {}
    contacts: dict[int, list[dict]] = {}
    if ids:
        for row in session.scalars(select(CustomerContact).where(CustomerContact.customer_id.in_(ids))
                                   .order_by(CustomerContact.id)):
            contacts.setdefault(row.customer_id, []).append({"kind": row.kind, "value": row.value})
    return [{"id": c.id, "name": c.name, "email": c.email, "phone": c.phone, "contacts": contacts.get(c.id, []),
             "ticket_count": counts.get(c.id, 0), "last_contact_at": iso(c.last_contact_at),
             "created_at": iso(c.created_at), "updated_at": iso(c.updated_at or c.created_at),
             "merged_into_id": c.merged_into_id} for c in customers]


def customer_dict(session: Session, customer: Customer) -> dict:
    """One customer as the API shows it (see :func:`customer_dicts`)."""
    return customer_dicts(session, [customer])[0]


def find_by_contact(session: Session, kind: str, value: str) -> Customer | None:
    """The customer who has this (normalised) email or phone, as main or further contact."""
    customer_id = owner_of(session, kind, value)
    return session.get(Customer, customer_id) if customer_id else None


def refresh_ticket_search(session: Session, customer_id: int) -> None:
    """Bring the search text of this customer's tickets up to date after their contacts changed."""
    refresh_search_text(session, customer_id)
