"""Customers: read, create, edit, delete and find them, within what the viewer may see.

Who sees which customer: owners see every customer; everyone else sees the
customers who have a ticket in one of their departments, and customers who
have no ticket yet (new contacts anyone may pick up). Agents and managers may
create customers and edit the details of those they see; only managers and
owners delete or merge them. A merged customer is hidden from lists and
searches; reading it by id shows where it went (``merged_into_id``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer, check_is_a_manager
from services.tickets.audit import record_audit
from services.tickets.customers.contacts import (apply_contact_fields, contacts_of, customer_dict,
                                                customer_dicts, refresh_ticket_search)
from services.tickets.customers.rules import read_customer_query
from services.tickets.models import Call, Customer, CustomerContact, Department, Ticket
from services.tickets.schemas import iso, ticket_summary

MAX_PAGE = 200
MAX_QUERY = 200
FIELDS = ("name", "email", "phone", "contacts")


def visible_clause(viewer: Viewer):
    """The SQL condition for the customers this viewer may see; None means all."""
    departments = viewer.listable_department_ids()
    if departments is None:
        return None
    has_ticket_here = exists(select(Ticket.id).where(Ticket.customer_id == Customer.id,
                                                     Ticket.department_id.in_(departments)))
    has_no_ticket = ~exists(select(Ticket.id).where(Ticket.customer_id == Customer.id))
    return or_(has_ticket_here, has_no_ticket)


def visible_customer(session: Session, viewer: Viewer, customer_id, *, for_update: bool = False) -> Customer:
    """The customer with this id, if the viewer may see it; 404 otherwise."""
    number = payload.row_id(customer_id, "customer_id", what="customer")
    query = select(Customer).where(Customer.id == number)
    clause = visible_clause(viewer)
    if clause is not None:
        query = query.where(clause)
    # FOR NO KEY UPDATE: a ticket or call being written for this customer meanwhile still passes its
    # foreign-key check (KEY SHARE). FOR UPDATE would block it, and a customer edit, whose trigger then
    # waits for that ticket's row, would deadlock with it.
    customer = session.scalars(query.with_for_update(key_share=True) if for_update else query).first()
    if customer is None:
        raise NotFound(f"customer {number} does not exist or is not one of your departments' customers",
                       "customer_id")
    return customer


def get_customer(session: Session, viewer: Viewer, customer_id) -> dict:
    """One customer with their contacts, total ticket count and last contact time."""
    return customer_dict(session, visible_customer(session, viewer, customer_id))


def list_customers(session: Session, viewer: Viewer, filters: dict) -> dict:
    """``{"items", "total"}``: customers the viewer sees, matching ``q`` (name, email or phone, any format)."""
    query = select(Customer).where(Customer.merged_into_id.is_(None))
    clause = visible_clause(viewer)
    if clause is not None:
        query = query.where(clause)
    q = filters.get("q")
    if q is not None and not isinstance(q, str):
        raise InvalidInput("q must be text", "q")
    if q is not None and len(q) > MAX_QUERY:
        raise InvalidInput(f"q must be at most {MAX_QUERY} characters", "q")
    search = read_customer_query(payload.storable(q or "", "q"))
    if search is not None:
        query = query.where(_matching(search))
    limit = payload.bounded(filters.get("limit"), "limit", 1, MAX_PAGE, 50)
    offset = payload.bounded(filters.get("offset"), "offset", 0, 10**6, 0)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Customer.last_contact_at.desc().nulls_last(), Customer.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": customer_dicts(session, list(page)), "total": total}


def _matching(search):
    if search.kind in ("email", "phone"):
        in_contacts = exists(select(CustomerContact.id).where(
            CustomerContact.customer_id == Customer.id, CustomerContact.kind == search.kind,
            CustomerContact.value == search.value))
        return or_(getattr(Customer, search.kind) == search.value, in_contacts)
    words = search.value.split() if search.kind == "text" else [search.value]
    return and_(*[Customer.search_text.contains(word, autoescape=True) for word in words])


def create_customer(session: Session, viewer: Viewer, fields, now: datetime) -> dict:
    """A customer entered by hand: ``{"name", "email", "phone"}``; one of them at least."""
    body = payload.body_of(fields)
    payload.only_fields(body, FIELDS)
    customer = Customer(name="", created_at=now, updated_at=now)
    session.add(customer)
    apply_contact_fields(session, customer, body, now)
    if not (customer.name or customer.email or customer.phone):
        raise InvalidInput("a customer needs a name, an email address or a phone number", "name")
    customer.name = customer.name or customer.email or customer.phone
    session.flush()
    record_audit(session, actor_user_id=viewer.user_id, action="created", object_type="customer",
                 object_id=customer.id, details={"fields": sorted(body)}, at=now)
    return customer_dict(session, customer)


def update_customer(session: Session, viewer: Viewer, customer_id, fields, now: datetime) -> dict:
    """Change a customer's name, email, phone or further contacts; every change is audited."""
    body = payload.body_of(fields)
    payload.only_fields(body, FIELDS)
    customer = visible_customer(session, viewer, customer_id, for_update=True)
    before = _snapshot(session, customer)
    apply_contact_fields(session, customer, body, now)
    if not customer.name:
        raise InvalidInput("name must not be empty", "name")
    session.flush()
    after = _snapshot(session, customer)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        customer.updated_at = now
        record_audit(session, actor_user_id=viewer.user_id, action="updated", object_type="customer",
                     object_id=customer.id, details={"changes": changes}, at=now)
    if "contacts" in changes:  # name, email and phone are refreshed by a trigger on customers
        refresh_ticket_search(session, customer.id)
    return customer_dict(session, customer)


def _snapshot(session: Session, customer: Customer) -> dict:
    return {"name": customer.name, "email": customer.email, "phone": customer.phone,
            "contacts": [f"{c['kind']}:{c['value']}" for c in contacts_of(session, customer.id)]}


def delete_customer(session: Session, viewer: Viewer, customer_id, now: datetime) -> None:
    """Managers and owners delete a customer who has no tickets and no calls; else 409."""
    check_is_a_manager(viewer, "only managers and owners may delete customers")
    customer = visible_customer(session, viewer, customer_id, for_update=True)
    if session.scalar(select(func.count()).where(Ticket.customer_id == customer.id)):
        raise Conflict(f"customer {customer.id} has tickets and cannot be deleted", "customer_id")
    if session.scalar(select(func.count()).where(Call.customer_id == customer.id)):
        raise Conflict(f"customer {customer.id} has call records and cannot be deleted", "customer_id")
    snapshot = _snapshot(session, customer)
    try:
        with session.begin_nested():
            session.delete(customer)
            session.flush()
    except IntegrityError:
        raise Conflict(f"customer {customer.id} is part of a merge and cannot be deleted",
                       "customer_id") from None
    record_audit(session, actor_user_id=viewer.user_id, action="deleted", object_type="customer",
                 object_id=customer.id, details={"before": snapshot}, at=now)


def list_customer_tickets(session: Session, viewer: Viewer, customer_id, filters: dict) -> dict:
    """A customer's tickets the viewer may list, newest first: ``{"items", "total", "last_contact_at"}``."""
    customer = visible_customer(session, viewer, customer_id)
    query = select(Ticket, Department).join(Department, Ticket.department_id == Department.id) \
        .where(Ticket.customer_id == customer.id)
    departments = viewer.listable_department_ids()
    if departments is not None:
        query = query.where(Ticket.department_id.in_(departments))
    limit = payload.bounded(filters.get("limit"), "limit", 1, MAX_PAGE, 50)
    offset = payload.bounded(filters.get("offset"), "offset", 0, 10**6, 0)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [ticket_summary(t, d, customer) for t, d in rows], "total": total,
            "last_contact_at": iso(customer.last_contact_at)}
