"""A ticket as people open it: the detail with its thread, plus names of what its ids point at."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.tickets import repository as repo
from services.tickets.models import Category, Customer, Department, Pipeline, Stage, Ticket, User
from services.tickets.schemas import iso, seconds_between, ticket_detail


def ticket_view(session: Session, ticket: Ticket, now: datetime) -> dict:
    """``ticket_detail`` plus ``pipeline``, ``stage``, ``category``, ``assignee``, times and call figures."""
    detail = ticket_detail(ticket, session.get(Department, ticket.department_id),
                           session.get(Customer, ticket.customer_id), repo.thread_of(session, ticket.id))
    pipeline = session.get(Pipeline, ticket.pipeline_id) if ticket.pipeline_id else None
    stage = session.get(Stage, ticket.stage_id) if ticket.stage_id else None
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    linked = session.get(Ticket, ticket.linked_ticket_id) if ticket.linked_ticket_id else None
    detail.update({
        "pipeline": {"id": pipeline.id, "name": pipeline.name, "type": pipeline.type} if pipeline else None,
        "stage": {"id": stage.id, "name": stage.name} if stage else None,
        "time_in_stage_seconds": seconds_between(ticket.stage_entered_at, now),
        "category": _category(session, ticket.category_id),
        "subcategory": _category(session, ticket.subcategory_id),
        "assignee": {"id": assignee.id, "name": assignee.name} if assignee else None,
        "call_count": ticket.call_count or 0, "last_call_at": iso(ticket.last_call_at),
        "linked_ticket_number": linked.number if linked else None,
    })
    return detail


def _category(session: Session, category_id: int | None) -> dict | None:
    category = session.get(Category, category_id) if category_id else None
    return {"id": category.id, "name": category.name} if category else None
