"""Ticket lists for people: filtered, searched, sorted and paged within what the viewer may list.

Pages are cut by keyset (``next_cursor`` carries the last row's sort value
and id), so page 500 costs what page 1 costs; ``total`` is counted exactly up
to a thousand and estimated beyond (see counts.py), and only for the first
page, which is the one that shows it.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import Session

from services.tickets.access import Viewer
from services.tickets.counts import bounded_count
from services.tickets.domain.list_filters import ListRequest, encode_cursor, read_list_request
from services.tickets.models import Customer, Department, Ticket
from services.tickets.schemas import ticket_summary
from services.tickets.search import search_condition

TIME_COLUMNS = {"created_from": (Ticket.created_at, False), "created_to": (Ticket.created_at, True),
                "updated_from": (Ticket.updated_at, False), "updated_to": (Ticket.updated_at, True)}


def list_tickets(session: Session, viewer: Viewer, filters: dict) -> dict:
    """``{"items", "total", "total_is_exact", "next_cursor"}`` for one page of the viewer's tickets."""
    request = read_list_request(filters or {})
    conditions = list_conditions(session, viewer, request)
    rows = _page(session, request, conditions)
    more = len(rows) > request.limit
    rows = rows[:request.limit]
    total, exact = (None, None) if request.after is not None else \
        bounded_count(session, select(Ticket.id).where(*conditions))
    last = rows[-1][0] if rows else None
    return {"items": [ticket_summary(t, d, c) for t, d, c in rows], "total": total, "total_is_exact": exact,
            "next_cursor": encode_cursor(request.sort, getattr(last, request.sort.column), last.id)
            if more else None}


def _page(session: Session, request: ListRequest, conditions: list) -> list:
    """One page of (ticket, department, customer), plus one row to tell whether more follow."""
    column = getattr(Ticket, request.sort.column)
    keys = (column.desc(), Ticket.id.desc()) if request.sort.descending else (column.asc(), Ticket.id.asc())
    ids = select(Ticket.id).where(*conditions)
    if request.after is not None:
        after = tuple_(column, Ticket.id)
        ids = ids.where(after < request.after if request.sort.descending else after > request.after)
    # The page is cut on tickets alone; only its rows are joined to their department and customer.
    ids = ids.order_by(*keys).offset(request.offset).limit(request.limit + 1).subquery()
    return session.execute(select(Ticket, Department, Customer).join(ids, ids.c.id == Ticket.id)
                           .join(Department, Ticket.department_id == Department.id)
                           .join(Customer, Ticket.customer_id == Customer.id).order_by(*keys)).all()


def list_conditions(session: Session, viewer: Viewer, request: ListRequest) -> list:
    """The WHERE conditions of a list request, starting with the departments the viewer may list."""
    conditions = []
    departments = viewer.listable_department_ids()
    if departments is not None:
        conditions.append(Ticket.department_id.in_(departments))
    if request.statuses:
        conditions.append(Ticket.status.in_(request.statuses))
    if request.priorities:
        conditions.append(Ticket.priority.in_(request.priorities))
    for name, value in request.ids.items():
        if name == "category_id":
            conditions.append(or_(Ticket.category_id == value, Ticket.subcategory_id == value))
        else:
            conditions.append(getattr(Ticket, name) == value)
    if request.assignee is not None:
        conditions.append(_assignee_condition(viewer, request.assignee))
    for name, bound in request.times.items():
        column, upper = TIME_COLUMNS[name]
        conditions.append(column < bound if upper else column >= bound)
    if request.q:
        conditions.append(search_condition(session, request.q))
    return conditions


def _assignee_condition(viewer: Viewer, assignee):
    if assignee == "mine":
        return Ticket.assignee_id == viewer.user_id
    if assignee == "unassigned":
        return and_(Ticket.assignee_id.is_(None), Ticket.assignee_ai_agent.is_(None))
    if assignee == "ai":
        return Ticket.assignee_ai_agent.is_not(None)
    return Ticket.assignee_id == assignee
