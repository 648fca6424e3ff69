"""Changing, moving and deleting tickets, each change written to the ticket's history in order."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.shared.contracts.events import FieldChange, TicketDeleted, TicketUpdated
from services.shared.contracts.tickets import FINISHED_STATUSES
from services.shared.errors import Forbidden, InvalidInput
from services.tickets import payload
from services.tickets.access import Viewer, open_ticket
from services.tickets.assignment.assignment import reassign_if_away
from services.tickets.audit import record_audit
from services.tickets.core.changes import (Change, change_assignee, change_category, change_priority,
                                             change_stage, change_status, change_text, enter_stage, stage_place,
                                             transfer)
from services.tickets.domain.ticket_fields import MAX_DESCRIPTION, MAX_SUBJECT
from services.tickets.history import record_change
from services.tickets.models import HistoryEntry, Pipeline, Ticket, User
from services.tickets.pipelines.rules import check_card_move
from services.tickets.schemas import iso

EDITABLE = ("subject", "description", "priority", "status", "category_id", "subcategory_id", "assignee_id",
            "assignee_ai_agent", "department_id", "pipeline_id", "stage_id")


def update_ticket(session: Session, viewer: Viewer, number, changes, now: datetime) -> tuple[Ticket, list]:
    """Apply a PATCH: ``{"status": "in_progress", "priority": 2, "stage_id": 7, ...}``; returns the events."""
    body = payload.body_of(changes)
    payload.only_fields(body, EDITABLE)
    if not body:
        raise InvalidInput(f"send at least one field to change: {', '.join(EDITABLE)}", "body")
    ticket = open_ticket(session, viewer, number, for_update=True)
    finished_before = ticket.status in FINISHED_STATUSES
    found, events = apply_changes(session, viewer, ticket, body, now)
    events += finish(session, viewer, ticket, found, now)
    if finished_before and ticket.status not in FINISHED_STATUSES and "assignee_id" not in body:
        events += reassign_if_away(session, ticket, now)  # reopened while its assignee is away
    return ticket, events


def apply_changes(session: Session, viewer: Viewer, ticket: Ticket, body: dict,
                  now: datetime) -> tuple[list[Change], list]:
    """Run each setter the body asks for; the department moves first so that assignment checks the new one."""
    found: list[Change] = []
    events: list = []
    if "department_id" in body:
        found += transfer(session, viewer, ticket, body["department_id"])
    if "assignee_id" in body or "assignee_ai_agent" in body:
        found += change_assignee(session, viewer, ticket, body)
    if "status" in body:
        status_changes, events = change_status(ticket, body["status"], now)
        found += status_changes
    if "priority" in body:
        found += change_priority(ticket, body["priority"])
    if "subject" in body:
        found += change_text(ticket, body, "subject", MAX_SUBJECT, empty_ok=False)
    if "description" in body:
        found += change_text(ticket, body, "description", MAX_DESCRIPTION, empty_ok=True)
    if "category_id" in body or "subcategory_id" in body:
        found += change_category(session, ticket, body)
    if "pipeline_id" in body or "stage_id" in body:
        found += change_stage(session, ticket, body, now)
    return found, events


def finish(session: Session, viewer: Viewer, ticket: Ticket, found: list[Change], now: datetime) -> list:
    """Record the changes in history and the audit trail; returns the ``ticket_updated`` event, if any."""
    if not found:
        return []
    actor = f"user:{viewer.user_id}"
    for field, old, new in found:
        record_change(session, ticket, actor, field, old, new, now)
    ticket.updated_at = now
    listed = [{"field": f, "old": _text(o), "new": _text(n)} for f, o, n in found]
    record_audit(session, actor_user_id=viewer.user_id, action="updated", object_type="ticket",
                 object_id=ticket.number, details={"changes": listed}, at=now)
    return [TicketUpdated(ticket_number=ticket.number, changes=tuple(FieldChange(**change) for change in listed),
                          department_id=ticket.department_id, priority=ticket.priority, updated_at=now,
                          assignee_id=ticket.assignee_id, updated_by_user_id=viewer.user_id)]


def move_ticket(session: Session, viewer: Viewer, number, stage_id, now: datetime) -> tuple[Ticket, list]:
    """Move a Kanban card to a stage of a pipeline of the same type (any pipeline, if it has none)."""
    ticket = open_ticket(session, viewer, number, for_update=True)
    target = stage_place(session, payload.integer({"stage_id": stage_id}, "stage_id", required=True, low=1))
    current = session.get(Pipeline, ticket.pipeline_id) if ticket.pipeline_id else None
    check_card_move(current.type if current else None, target)
    return ticket, finish(session, viewer, ticket, enter_stage(session, ticket, target, now), now)


def delete_ticket(session: Session, viewer: Viewer, number, now: datetime) -> list:
    """Delete for good (owners, the department's managers): thread, notes and history go; calls stay."""
    ticket = open_ticket(session, viewer, number, for_update=True)
    if viewer.role_in(ticket.department_id) not in ("owner", "manager"):
        raise Forbidden("only an owner or a manager of the ticket's department may delete it", "number")
    session.execute(update(Ticket).where(Ticket.linked_ticket_id == ticket.id).values(linked_ticket_id=None))
    record_audit(session, actor_user_id=viewer.user_id, action="deleted", object_type="ticket",
                 object_id=ticket.number, details={"subject": ticket.subject, "department_id": ticket.department_id},
                 at=now)
    event = TicketDeleted(ticket_number=ticket.number, department_id=ticket.department_id,
                          deleted_by_user_id=viewer.user_id, deleted_at=now)
    session.delete(ticket)  # messages, notes and history cascade in the database; calls are unlinked
    session.flush()
    return [event]


def ticket_history(session: Session, viewer: Viewer, number) -> dict:
    """Every change of a ticket, oldest first: ``{"items": [{"at", "actor", "actor_name", "field", "old", "new"}]}``."""
    ticket = open_ticket(session, viewer, number)
    entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.ticket_id == ticket.id)
                                   .order_by(HistoryEntry.at, HistoryEntry.id)))
    user_ids = {int(e.actor[5:]) for e in entries if e.actor.startswith("user:") and e.actor[5:].isdigit()}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return {"ticket_number": ticket.number, "items": [{
        "at": iso(e.at), "actor": e.actor, "actor_name": _actor_name(e.actor, names),
        "field": e.field, "old": e.old_value, "new": e.new_value} for e in entries]}


def _actor_name(actor: str, names: dict) -> str:
    if actor.startswith("user:") and actor[5:].isdigit():
        return names.get(int(actor[5:]), actor)
    return actor


def _text(value) -> str | None:
    return None if value is None else str(value)
