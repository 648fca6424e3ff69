"""A ticket as people open it: the detail with its thread, plus names of what its ids point at.

Opening a ticket is the most frequent read of all, so it costs three
statements whatever the ticket points at: the names (department, customer,
pipeline, stage, categories, assignee, linked ticket) in one, the thread and
its files in two more, read as plain rows rather than ORM objects.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from services.tickets.models import Attachment, Category, Customer, Department, Message, Pipeline, Stage, Ticket, User
from services.tickets.schemas import iso, seconds_between, ticket_detail

_SUBCATEGORY, _LINKED = aliased(Category), aliased(Ticket)
_NAMES = (select(Department.id.label("department_id"), Department.name.label("department_name"),
                 Department.email.label("department_email"),
                 Customer.id.label("customer_id"), Customer.name.label("customer_name"),
                 Customer.email.label("customer_email"), Customer.phone.label("customer_phone"),
                 Pipeline.id.label("pipeline_id"), Pipeline.name.label("pipeline_name"),
                 Pipeline.type.label("pipeline_type"), Stage.id.label("stage_id"), Stage.name.label("stage_name"),
                 Category.id.label("category_id"), Category.name.label("category_name"),
                 _SUBCATEGORY.id.label("subcategory_id"), _SUBCATEGORY.name.label("subcategory_name"),
                 User.id.label("assignee_id"), User.name.label("assignee_name"),
                 _LINKED.number.label("linked_number"))
          .select_from(Ticket).join(Department, Department.id == Ticket.department_id)
          .join(Customer, Customer.id == Ticket.customer_id)
          .outerjoin(Pipeline, Pipeline.id == Ticket.pipeline_id).outerjoin(Stage, Stage.id == Ticket.stage_id)
          .outerjoin(Category, Category.id == Ticket.category_id)
          .outerjoin(_SUBCATEGORY, _SUBCATEGORY.id == Ticket.subcategory_id)
          .outerjoin(User, User.id == Ticket.assignee_id).outerjoin(_LINKED, _LINKED.id == Ticket.linked_ticket_id))
_MESSAGE_COLUMNS = [column for column in Message.__table__.c]
_ATTACHMENT_COLUMNS = [column for column in Attachment.__table__.c]


def ticket_view(session: Session, ticket: Ticket, now: datetime) -> dict:
    """``ticket_detail`` plus ``pipeline``, ``stage``, ``category``, ``assignee``, times and call figures."""
    names = session.execute(_NAMES.where(Ticket.id == ticket.id)).one()
    department = _Named(id=names.department_id, name=names.department_name, email=names.department_email)
    customer = _Named(id=names.customer_id, name=names.customer_name, email=names.customer_email,
                      phone=names.customer_phone)
    detail = ticket_detail(ticket, department, customer, thread_of(session, ticket.id))
    detail.update({
        "pipeline": _named(names.pipeline_id, names.pipeline_name, type=names.pipeline_type),
        "stage": _named(names.stage_id, names.stage_name),
        "time_in_stage_seconds": seconds_between(ticket.stage_entered_at, now),
        "category": _named(names.category_id, names.category_name),
        "subcategory": _named(names.subcategory_id, names.subcategory_name),
        "assignee": _named(names.assignee_id, names.assignee_name),
        "call_count": ticket.call_count or 0, "last_call_at": iso(ticket.last_call_at),
        "linked_ticket_number": names.linked_number,
    })
    return detail


def thread_of(session: Session, ticket_id: int) -> list:
    """A ticket's messages, oldest first, each with its ``attachments`` (rows, not ORM objects)."""
    messages = session.execute(select(*_MESSAGE_COLUMNS).where(Message.ticket_id == ticket_id)
                               .order_by(Message.created_at, Message.id)).all()
    files = defaultdict(list)
    if messages:
        for row in session.execute(select(*_ATTACHMENT_COLUMNS).join(Message, Message.id == Attachment.message_id)
                                   .where(Message.ticket_id == ticket_id).order_by(Attachment.id)):
            files[row.message_id].append(row)
    return [_Named(**row._asdict(), attachments=files[row.id]) for row in messages]


def _named(identifier, name, **more) -> dict | None:
    return {"id": identifier, "name": name, **more} if identifier is not None else None


class _Named:
    """Attribute access to a row's values, as the payload builders in schemas.py read them."""

    def __init__(self, **values):
        self.__dict__.update(values)
