"""A ticket as people open it: the detail with its thread, plus names of what its ids point at.

Opening a ticket is the most frequent read of all, so it costs three
statements whatever the ticket points at: the names (department, customer,
pipeline, stage, categories, assignee, linked ticket) in one, the thread and
its files in two more, read as plain rows rather than ORM objects.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, any_, bindparam, select
from sqlalchemy.orm import Session

from services.tickets.models import Attachment, Category, Customer, Department, Message, Pipeline, Stage, Ticket, User
from services.tickets.schemas import iso, seconds_between, ticket_detail

def _one(column, key_column, key: str):
    """The value of ``column`` in the row whose ``key_column`` is the parameter ``key`` (an index lookup)."""
    return select(column).where(key_column == bindparam(key)).scalar_subquery()


# Scalar lookups rather than one join of eight tables: PostgreSQL planned that join for longer
# (5-7 ms) than it took to run it.
_NAMES = select(
    _one(Department.name, Department.id, "department_id").label("department_name"),
    _one(Department.email, Department.id, "department_id").label("department_email"),
    _one(Customer.name, Customer.id, "customer_id").label("customer_name"),
    _one(Customer.email, Customer.id, "customer_id").label("customer_email"),
    _one(Customer.phone, Customer.id, "customer_id").label("customer_phone"),
    _one(Pipeline.name, Pipeline.id, "pipeline_id").label("pipeline_name"),
    _one(Pipeline.type, Pipeline.id, "pipeline_id").label("pipeline_type"),
    _one(Stage.name, Stage.id, "stage_id").label("stage_name"),
    _one(Category.name, Category.id, "category_id").label("category_name"),
    _one(Category.name, Category.id, "subcategory_id").label("subcategory_name"),
    _one(User.name, User.id, "assignee_id").label("assignee_name"),
    _one(Ticket.number, Ticket.id, "linked_ticket_id").label("linked_number"))

# Built once: building a statement of twenty columns cost more than running it.
_THREAD = (select(*Message.__table__.c).where(Message.ticket_id == bindparam("ticket_id"))
           .order_by(Message.created_at, Message.id))
_FILES = (select(*Attachment.__table__.c)  # by the messages' ids: an index lookup whatever the statistics say
          .where(Attachment.message_id == any_(bindparam("message_ids", type_=ARRAY(BigInteger))))
          .order_by(Attachment.id))


def ticket_view(session: Session, ticket: Ticket, now: datetime) -> dict:
    """``ticket_detail`` plus ``pipeline``, ``stage``, ``category``, ``assignee``, times and call figures."""
    names = session.execute(_NAMES, {
        "department_id": ticket.department_id, "customer_id": ticket.customer_id, "pipeline_id": ticket.pipeline_id,
        "stage_id": ticket.stage_id, "category_id": ticket.category_id, "subcategory_id": ticket.subcategory_id,
        "assignee_id": ticket.assignee_id, "linked_ticket_id": ticket.linked_ticket_id}).one()
    department = _Named(id=ticket.department_id, name=names.department_name, email=names.department_email)
    customer = _Named(id=ticket.customer_id, name=names.customer_name, email=names.customer_email,
                      phone=names.customer_phone)
    detail = ticket_detail(ticket, department, customer, thread_of(session, ticket.id))
    detail.update({
        "pipeline": _named(ticket.pipeline_id, names.pipeline_name, type=names.pipeline_type),
        "stage": _named(ticket.stage_id, names.stage_name),
        "time_in_stage_seconds": seconds_between(ticket.stage_entered_at, now),
        "category": _named(ticket.category_id, names.category_name),
        "subcategory": _named(ticket.subcategory_id, names.subcategory_name),
        "assignee": _named(ticket.assignee_id, names.assignee_name),
        "call_count": ticket.call_count or 0, "last_call_at": iso(ticket.last_call_at),
        "linked_ticket_number": names.linked_number,
    })
    return detail


def thread_of(session: Session, ticket_id: int) -> list:
    """A ticket's messages, oldest first, each with its ``attachments`` (rows, not ORM objects)."""
    messages = session.execute(_THREAD, {"ticket_id": ticket_id}).all()
    files = defaultdict(list)
    if messages:
        for row in session.execute(_FILES, {"message_ids": [m.id for m in messages]}):
            files[row.message_id].append(row)
    return [_Named(**row._asdict(), attachments=files[row.id]) for row in messages]


def _named(identifier, name, **more) -> dict | None:
    return {"id": identifier, "name": name, **more} if identifier is not None and name is not None else None


class _Named:
    """Attribute access to a row's values, as the payload builders in schemas.py read them."""

    def __init__(self, **values):
        self.__dict__.update(values)
