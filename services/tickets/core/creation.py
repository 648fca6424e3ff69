"""Opening a ticket by hand (an agent on the phone, a manager entering a request).

The customer is named by ``customer_id`` or by ``{"name", "email", "phone"}``,
found by email or phone (as main or further contact) or created. An agent's
new ticket is assigned to that agent, who could not open it otherwise; one
left unassigned goes to the department's automatic assignment, in this
transaction; an optional ``message`` goes to the customer as the ticket's
first reply.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets import payload
from services.tickets import repository as repo
from services.tickets.access import Viewer
from services.tickets.assignment.assignment import assign_new_ticket
from services.tickets.audit import record_audit
from services.tickets.core.changes import change_assignee, change_category, change_stage
from services.tickets.customers.contacts import find_by_contact, normalised, owner_of
from services.tickets.customers.customers import visible_customer
from services.tickets.domain.status import check_priority
from services.tickets.domain.ticket_fields import CHANNELS, MAX_DESCRIPTION, MAX_SUBJECT
from services.tickets.history import record_change
from services.tickets.models import Customer, Department, Ticket
from services.tickets.replies import replies
from services.tickets.schemas import ticket_created_event
from services.tickets.settings import TicketsSettings

FIELDS = ("subject", "priority", "department_id", "customer", "customer_id", "description", "category_id",
          "subcategory_id", "pipeline_id", "stage_id", "assignee_id", "assignee_ai_agent", "channel", "message")
CUSTOMER_FIELDS = ("name", "email", "phone")
MAX_MESSAGE = 100_000


def create_ticket(session: Session, viewer: Viewer, data, now: datetime, *,
                  settings: TicketsSettings) -> tuple[Ticket, list]:
    """Open a ticket; returns it and the events to publish (``ticket_created``, maybe ``reply_posted``)."""
    body = payload.body_of(data)
    payload.only_fields(body, FIELDS)
    subject = payload.text(body, "subject", required=True, max_length=MAX_SUBJECT)
    priority = check_priority(payload.integer(body, "priority", required=True, low=1, high=4))
    department = _department(session, viewer, body)
    message = payload.text(body, "message", max_length=MAX_MESSAGE)
    customer = resolve_customer(session, viewer, body, now)
    if message and not customer.email:
        raise InvalidInput("the customer has no email address to send the message to", "message")
    ticket = Ticket(number=repo.new_ticket_numbers(session, now, 1)[0], subject=subject, priority=priority,
                    description=payload.text(body, "description", max_length=MAX_DESCRIPTION, empty_ok=True) or "",
                    status="new", department_id=department.id, customer_id=customer.id,
                    channel=_channel(body), is_auto_submitted=False, created_at=now, updated_at=now)
    _place_and_assign(session, viewer, ticket, body, now)
    session.add(ticket)
    session.flush()
    record_change(session, ticket, f"user:{viewer.user_id}", "created", None, ticket.number, now)
    assign_new_ticket(session, ticket, now)
    record_audit(session, actor_user_id=viewer.user_id, action="created", object_type="ticket",
                 object_id=ticket.number, details={"subject": subject, "department_id": department.id}, at=now)
    # An agent's own ticket needs no acknowledgement mail: the agent is talking to the customer.
    events = [ticket_created_event(ticket, department, customer, send_acknowledgement=False,
                                   created_by_user_id=viewer.user_id)]
    if message:
        _, reply_events = replies.post_reply(session, viewer, ticket.number, message, now, settings=settings)
        events += reply_events
    return ticket, events


def resolve_customer(session: Session, viewer: Viewer, body: dict, now: datetime) -> Customer:
    """The ticket's customer: by id, or found by email/phone, or created from ``customer``."""
    if body.get("customer_id") is not None:
        if body.get("customer") is not None:
            raise InvalidInput("send customer_id or customer, not both", "customer")
        customer_id = payload.integer(body, "customer_id", required=True, low=1)
        try:
            customer = visible_customer(session, viewer, customer_id)
        except NotFound as missing:  # a reference in the body, not the resource of the path
            raise InvalidInput(missing.message, "customer_id") from None
        while customer.merged_into_id is not None:
            customer = session.get(Customer, customer.merged_into_id)  # a merged customer lives on in its target
        return customer
    details = body.get("customer")
    if not isinstance(details, dict):
        raise InvalidInput("customer is required: {\"name\", \"email\", \"phone\"} or a customer_id", "customer")
    for name in details:
        if name not in CUSTOMER_FIELDS:
            raise InvalidInput(f"customer.{str(name)[:50]} is not a customer field", f"customer.{str(name)[:50]}")
    email = normalised("email", details.get("email"), "customer.email")
    phone = normalised("phone", details.get("phone"), "customer.phone")
    if not (email or phone):
        raise InvalidInput("a new ticket's customer needs an email address or a phone number", "customer.email")
    name = payload.text(details, "name", max_length=200, empty_ok=True) or ""
    return _find_or_create(session, name, email, phone, now)


def _find_or_create(session: Session, name: str, email: str | None, phone: str | None, now: datetime) -> Customer:
    customer = (find_by_contact(session, "email", email) if email else None) \
        or (find_by_contact(session, "phone", phone) if phone else None)
    if customer is not None:
        for kind, value in (("email", email), ("phone", phone)):
            if value and getattr(customer, kind) is None and owner_of(session, kind, value) is None:
                setattr(customer, kind, value)  # a new way to reach a known customer
        return customer
    try:
        with session.begin_nested():
            customer = Customer(name=name or email or phone, email=email, phone=phone, created_at=now,
                                updated_at=now)
            session.add(customer)
            session.flush()
    except IntegrityError:  # created by a concurrent request a moment ago
        customer = (find_by_contact(session, "email", email) if email else None) \
            or find_by_contact(session, "phone", phone)
    return customer


def _department(session: Session, viewer: Viewer, body: dict) -> Department:
    department_id = payload.integer(body, "department_id", required=True, low=1)
    department = session.get(Department, department_id)
    if department is None:
        raise InvalidInput(f"department {department_id} does not exist", "department_id")
    if viewer.role_in(department.id) is None:
        raise Forbidden(f"you are not a member of department {department.name}", "department_id")
    return department


def _channel(body: dict) -> str:
    channel = payload.text(body, "channel", max_length=20) or "manual"
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}", "channel")
    return channel


def _place_and_assign(session: Session, viewer: Viewer, ticket: Ticket, body: dict, now: datetime) -> None:
    """Category, stage and assignee of a new ticket, under the same rules as changing them."""
    if "category_id" in body or "subcategory_id" in body:
        change_category(session, ticket, body)
    if body.get("pipeline_id") is not None or body.get("stage_id") is not None:
        change_stage(session, ticket, {k: body[k] for k in ("pipeline_id", "stage_id") if k in body}, now)
    wanted = {k: body[k] for k in ("assignee_id", "assignee_ai_agent") if body.get(k) is not None}
    if viewer.role_in(ticket.department_id) == "agent":
        if wanted and wanted != {"assignee_id": viewer.user_id}:
            raise Forbidden("agents open tickets for themselves; ask a manager to assign it to someone else",
                            "assignee_id")
        ticket.assignee_id = viewer.user_id
    elif wanted:
        change_assignee(session, viewer, ticket, wanted)

