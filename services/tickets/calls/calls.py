"""Call records: kept per provider call id once, linked to tickets by hand or when recorded.

A ticket's ``call_count`` and ``last_call_at`` (the Kanban card's figures) are
recomputed from its calls, under a lock on the ticket row, whenever a call is
recorded, linked, unlinked or deleted. A call on a ticket follows the ticket's
open rule; calls not linked to any ticket are for managers and owners.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import (Viewer, check_can_open, check_is_a_manager, check_is_manager_of,
                                     open_ticket)
from services.tickets.audit import record_audit
from services.tickets.calls.records import call_dict, new_call, read_call, update_card_figures
from services.tickets.models import Call, Ticket

MAX_PAGE = 200


def record_call(session: Session, viewer: Viewer, fields, now: datetime, number=None) -> dict:
    """``{"call": {...}, "created": true}``; the same ``provider_call_id`` again returns the first record."""
    checked = read_call(payload.body_of(fields))
    number = number if number is not None else checked["ticket_number"]
    ticket = open_ticket(session, viewer, number) if number else None
    if ticket is None:
        check_is_a_manager(viewer, "only managers and owners may record calls that belong to no ticket")
    provider_id = checked["provider_call_id"]
    existing = _by_provider_id(session, provider_id)
    if existing is not None:
        return {"call": _readable(session, viewer, existing), "created": False}
    try:
        with session.begin_nested():
            call = new_call(session, checked, ticket, viewer.user_id, now)
    except IntegrityError:  # the same provider call recorded concurrently: theirs stands
        return {"call": _readable(session, viewer, _by_provider_id(session, provider_id)), "created": False}
    update_card_figures(session, [call.ticket_id])
    record_audit(session, actor_user_id=viewer.user_id, action="created", object_type="call", object_id=call.id,
                 details={"ticket_number": ticket.number if ticket else None, "outcome": call.outcome}, at=now)
    return {"call": call_dict(session, call), "created": True}


def _by_provider_id(session: Session, provider_id: str | None) -> Call | None:
    if not provider_id:
        return None
    return session.scalars(select(Call).where(Call.provider_call_id == provider_id)).first()


def _readable(session: Session, viewer: Viewer, call: Call) -> dict:
    _check_can_see(session, viewer, call)
    return call_dict(session, call)


def _check_can_see(session: Session, viewer: Viewer, call: Call) -> Ticket | None:
    if call.ticket_id is None:
        check_is_a_manager(viewer, "calls that belong to no ticket are for managers and owners")
        return None
    ticket = session.get(Ticket, call.ticket_id)
    check_can_open(viewer, ticket)
    return ticket


def _call(session: Session, viewer: Viewer, call_id, *, lock: bool = False) -> tuple[Call, Ticket | None]:
    identifier = payload.row_id(call_id, "call_id", what="call", high=payload.MAX_BIGINT)
    query = select(Call).where(Call.id == identifier)
    call = session.scalars(query.with_for_update() if lock else query).first()
    if call is None:
        raise NotFound(f"call {identifier} does not exist", "call_id")
    try:
        return call, _check_can_see(session, viewer, call)
    except NotFound:
        raise NotFound(f"call {identifier} does not exist or is not in your departments", "call_id") from None


def get_call(session: Session, viewer: Viewer, call_id) -> dict:
    return call_dict(session, _call(session, viewer, call_id)[0])


def list_ticket_calls(session: Session, viewer: Viewer, number) -> dict:
    """A ticket's calls, newest first, with the card figures: ``{"items", "call_count", "last_call_at"}``."""
    ticket = open_ticket(session, viewer, number)
    calls = session.scalars(select(Call).where(Call.ticket_id == ticket.id)
                            .order_by(Call.started_at.desc(), Call.id.desc())).all()
    return {"items": [call_dict(session, c, ticket) for c in calls], "call_count": ticket.call_count,
            "last_call_at": ticket.last_call_at.isoformat() if ticket.last_call_at else None}


def list_calls(session: Session, viewer: Viewer, filters: dict) -> dict:
    """Managers and owners: calls of their departments' tickets and unlinked ones (``?linked=false``)."""
    check_is_a_manager(viewer, "the list of all calls is for managers and owners")
    query = select(Call).outerjoin(Ticket, Ticket.id == Call.ticket_id)
    managed = [d for d, role in viewer.departments.items() if role == "manager"]
    if not viewer.is_owner:
        query = query.where(or_(Call.ticket_id.is_(None), Ticket.department_id.in_(managed)))
    linked = filters.get("linked")
    if linked is not None:
        if linked not in ("true", "false", True, False):
            raise InvalidInput("linked must be true or false", "linked")
        query = query.where(Call.ticket_id.isnot(None) if linked in ("true", True) else Call.ticket_id.is_(None))
    if filters.get("customer_id") is not None:
        query = query.where(Call.customer_id == payload.bounded(filters["customer_id"], "customer_id", 1,
                                                                payload.MAX_INT, 0))
    limit = payload.bounded(filters.get("limit"), "limit", 1, MAX_PAGE, 50)
    offset = payload.bounded(filters.get("offset"), "offset", 0, 10**6, 0)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    calls = session.scalars(query.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit).offset(offset))
    return {"items": [call_dict(session, c) for c in calls], "total": total}


def link_call(session: Session, viewer: Viewer, call_id, number, now: datetime) -> dict:
    """Attach a call to a ticket (moving it from another one, if it was linked)."""
    call, previous = _call(session, viewer, call_id, lock=True)
    ticket = open_ticket(session, viewer, payload.text({"ticket_number": number}, "ticket_number",
                                                           required=True, max_length=50))
    if call.ticket_id != ticket.id:
        call.ticket_id = ticket.id
        call.customer_id = call.customer_id or ticket.customer_id
        session.flush()
        update_card_figures(session, [ticket.id, previous.id if previous else None])
        record_audit(session, actor_user_id=viewer.user_id, action="linked", object_type="call", object_id=call.id,
                     details={"ticket_number": ticket.number,
                              "previous_ticket_number": previous.number if previous else None}, at=now)
    return call_dict(session, call, ticket)


def unlink_call(session: Session, viewer: Viewer, call_id, now: datetime) -> dict:
    """Detach a call from its ticket; it stays on record, unlinked."""
    call, ticket = _call(session, viewer, call_id, lock=True)
    if ticket is not None:
        call.ticket_id = None
        session.flush()
        update_card_figures(session, [ticket.id])
        record_audit(session, actor_user_id=viewer.user_id, action="unlinked", object_type="call",
                     object_id=call.id, details={"ticket_number": ticket.number}, at=now)
    return call_dict(session, call)


def delete_call(session: Session, viewer: Viewer, call_id, now: datetime) -> None:
    """Managers of the ticket's department and owners delete a call record."""
    call, ticket = _call(session, viewer, call_id, lock=True)
    if ticket is not None:
        check_is_manager_of(viewer, ticket.department_id)
    record_audit(session, actor_user_id=viewer.user_id, action="deleted", object_type="call", object_id=call.id,
                 details={"ticket_number": ticket.number if ticket else None,
                          "provider_call_id": call.provider_call_id, "started_at": call.started_at.isoformat()},
                 at=now)
    session.delete(call)
    session.flush()
    if ticket is not None:
        update_card_figures(session, [ticket.id])
