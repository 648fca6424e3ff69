"""A manager hands all of an absent agent's open tickets back to the pool or to a colleague, in one action."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.contracts.events import FieldChange, TicketUpdated
from services.shared.contracts.tickets import OPEN_STATUSES
from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer
from services.tickets.audit import record_audit
from services.tickets.core.changes import assignee_label, check_assignable
from services.tickets.history import record_change
from services.tickets.models import Ticket, User


def hand_back(session: Session, viewer: Viewer, user_id, data, now: datetime) -> tuple[dict, list]:
    """``{"to_user_id": 7}`` (a colleague) or ``{"to_user_id": null}`` (the pool): the open tickets of
    ``user_id`` in the departments the viewer manages (every department for an owner)."""
    body = payload.body_of(data)
    payload.only_fields(body, ("to_user_id",))
    if not viewer.is_manager():
        raise Forbidden("only managers and owners may hand an agent's tickets back", "user_id")
    user = session.get(User, payload.row_id(user_id, "user_id", what="user"))
    if user is None:
        raise NotFound(f"user {user_id} does not exist", "user_id")
    if "to_user_id" not in body:
        raise InvalidInput("to_user_id is required: a colleague's user id, or null for the pool", "to_user_id")
    to_user_id = payload.integer(body, "to_user_id", low=1)
    if to_user_id == user.id:
        raise InvalidInput("hand the tickets to someone else, or to the pool (null)", "to_user_id")
    tickets = _open_tickets_of(session, viewer, user.id)
    for department_id in sorted({t.department_id for t in tickets}) if to_user_id else []:
        check_assignable(session, to_user_id, department_id, "to_user_id")
    old, new = assignee_label(session, user.id, None), assignee_label(session, to_user_id, None)
    events = []
    for ticket in tickets:
        ticket.assignee_id, ticket.updated_at = to_user_id, now
        record_change(session, ticket, f"user:{viewer.user_id}", "assignee", old, new, now)
        events.append(TicketUpdated(ticket_number=ticket.number,
                                    changes=(FieldChange(field="assignee", old=old, new=new),),
                                    department_id=ticket.department_id, priority=ticket.priority, updated_at=now,
                                    assignee_id=to_user_id, updated_by_user_id=viewer.user_id))
    numbers = [t.number for t in tickets]
    record_audit(session, actor_user_id=viewer.user_id, action="handed_back", object_type="user", object_id=user.id,
                 details={"to_user_id": to_user_id, "tickets": numbers}, at=now)
    return {"user_id": user.id, "to_user_id": to_user_id, "ticket_numbers": numbers}, events


def _open_tickets_of(session: Session, viewer: Viewer, user_id: int) -> list[Ticket]:
    query = select(Ticket).where(Ticket.assignee_id == user_id, Ticket.status.in_(OPEN_STATUSES))
    if not viewer.is_owner:
        managed = [d for d, role in viewer.departments.items() if role == "manager"]
        query = query.where(Ticket.department_id.in_(managed))
    return list(session.scalars(query.order_by(Ticket.id).with_for_update()))
