"""Reading tickets for people: lists and a ticket with its thread, within the viewer's rights."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput, NotFound
from services.tickets import repository as repo
from services.tickets.access import Viewer, check_can_open
from services.tickets.domain.status import STATUSES
from services.tickets.models import Customer, Department, Ticket
from services.tickets.schemas import ticket_detail, ticket_summary

MAX_PAGE = 200


def list_tickets(session: Session, viewer: Viewer, filters: dict) -> dict:
    """A page of tickets the viewer may list, newest activity first: ``{"items", "total"}``."""
    query = select(Ticket, Department, Customer).join(Department, Ticket.department_id == Department.id) \
        .join(Customer, Ticket.customer_id == Customer.id)
    departments = viewer.listable_department_ids()
    if departments is not None:
        query = query.where(Ticket.department_id.in_(departments))
    if filters.get("status"):
        if filters["status"] not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", "status")
        query = query.where(Ticket.status == filters["status"])
    if filters.get("department_id"):
        query = query.where(Ticket.department_id == int(filters["department_id"]))
    limit = _bounded(filters.get("limit", 50), "limit", 1, MAX_PAGE)
    offset = _bounded(filters.get("offset", 0), "offset", 0, 10**9)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [ticket_summary(t, d, c) for t, d, c in rows], "total": total}


def get_ticket(session: Session, viewer: Viewer, number: str) -> dict:
    """One ticket with its whole thread, if the viewer may open it."""
    ticket = repo.ticket_by_number(session, number)
    if ticket is None:
        raise NotFound(f"ticket {number} does not exist", "number")
    check_can_open(viewer, ticket)
    return ticket_detail(ticket, session.get(Department, ticket.department_id),
                         session.get(Customer, ticket.customer_id), repo.thread_of(session, ticket.id))


def _bounded(value, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number", name) from None
    if not low <= number <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", name)
    return number
