"""Changing one field group of a ticket: each setter checks its rule and returns what changed.

A change is ``(field, old, new)`` in words a person reads in the history
(department and stage names, not ids); the caller records them all at once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.errors import Forbidden, InvalidInput
from services.tickets import payload
from services.tickets.access import Viewer, check_is_manager_of
from services.tickets.categories.rules import CategoryNode, categorise
from services.tickets.domain.status import check_priority, check_transition
from services.tickets.domain.ticket_fields import (MAX_AI_AGENT, Assignee, StatusDates, assignee_after,
                                                   dates_after_status_change)
from services.tickets.models import Category, Department, Membership, Pipeline, Stage, Ticket, User
from services.tickets.pipelines.rules import StagePlace, check_stage_change
from services.tickets.schemas import status_changed_event

Change = tuple[str, object, object]


def change_status(ticket: Ticket, value, now: datetime) -> tuple[list[Change], list]:
    """Move the ticket through the workflow; returns the changes and the ``ticket_status_changed`` event."""
    old = ticket.status
    if value == old:
        return [], []
    check_transition(old, value)
    dates = dates_after_status_change(value, StatusDates(ticket.resolved_at, ticket.closed_at), now)
    ticket.status, ticket.resolved_at, ticket.closed_at = value, dates.resolved_at, dates.closed_at
    return [("status", old, value)], [status_changed_event(ticket.number, old, value, now)]


def change_priority(ticket: Ticket, value) -> list[Change]:
    priority = check_priority(value)
    old, ticket.priority = ticket.priority, priority
    return [("priority", old, priority)] if old != priority else []


def change_text(ticket: Ticket, changes: dict, name: str, max_length: int, empty_ok: bool) -> list[Change]:
    """Subject (never empty) or description (may be emptied)."""
    value = payload.text(changes, name, required=not empty_ok, max_length=max_length, empty_ok=empty_ok) or ""
    old = getattr(ticket, name)
    setattr(ticket, name, value)
    return [(name, old, value)] if old != value else []


def change_category(session: Session, ticket: Ticket, changes: dict) -> list[Change]:
    """Set category and/or subcategory; a subcategory brings its parent, a new category drops a foreign one."""
    category_id = _optional_id(changes, "category_id", ticket.category_id)
    subcategory_id = _optional_id(changes, "subcategory_id", ticket.subcategory_id)
    category, subcategory = _node(session, category_id, "category_id"), _node(session, subcategory_id,
                                                                              "subcategory_id")
    if "subcategory_id" not in changes and subcategory is not None \
            and (category is None or subcategory.parent_id != category.id):
        subcategory = None  # a new category (or none) drops a subcategory that is not under it
    if "category_id" not in changes and subcategory is not None:
        category = None  # the subcategory decides
    new_category, new_subcategory = categorise(category, subcategory)
    found = []
    for field, new in (("category", new_category), ("subcategory", new_subcategory)):
        old = getattr(ticket, f"{field}_id")
        if old != new:
            found.append((field, _category_name(session, old), _category_name(session, new)))
            setattr(ticket, f"{field}_id", new)
    return found


def change_assignee(session: Session, viewer: Viewer, ticket: Ticket, changes: dict) -> list[Change]:
    """Assign to a member of the ticket's department or an AI agent; only managers and owners may."""
    check_is_manager_of(viewer, ticket.department_id)
    wanted = {}
    if "assignee_id" in changes:
        wanted["assignee_id"] = payload.integer(changes, "assignee_id", low=1)
    if "assignee_ai_agent" in changes:
        wanted["assignee_ai_agent"] = payload.text(changes, "assignee_ai_agent", max_length=MAX_AI_AGENT)
    new = assignee_after(Assignee(ticket.assignee_id, ticket.assignee_ai_agent), wanted)
    if new.user_id is not None and new.user_id != ticket.assignee_id:
        check_assignable(session, new.user_id, ticket.department_id)
    old = assignee_label(session, ticket.assignee_id, ticket.assignee_ai_agent)
    ticket.assignee_id, ticket.assignee_ai_agent = new.user_id, new.ai_agent
    label = assignee_label(session, new.user_id, new.ai_agent)
    return [("assignee", old, label)] if old != label else []


def check_assignable(session: Session, user_id: int, department_id: int, field: str = "assignee_id") -> None:
    """Tickets go to active members of their department (or owners)."""
    if not _assignable(session, user_id, department_id):
        raise InvalidInput(f"user {user_id} is not an active member of the ticket's department", field)


def transfer(session: Session, viewer: Viewer, ticket: Ticket, value) -> list[Change]:
    """Move the ticket to another department: a manager of both, or an owner; a foreign assignee is dropped."""
    department = session.get(Department, payload.integer({"department_id": value}, "department_id",
                                                         required=True, low=1))
    if department is None:
        raise InvalidInput(f"department {value} does not exist", "department_id")
    if department.id == ticket.department_id:
        return []
    for department_id in (ticket.department_id, department.id):
        if viewer.role_in(department_id) not in ("owner", "manager"):
            raise Forbidden("moving a ticket to another department takes a manager of both departments",
                            "department_id")
    found = [("department", session.get(Department, ticket.department_id).name, department.name)]
    ticket.department_id = department.id
    if ticket.assignee_id is not None and not _assignable(session, ticket.assignee_id, department.id):
        found.append(("assignee", assignee_label(session, ticket.assignee_id, None), None))
        ticket.assignee_id = None
    return found


def change_stage(session: Session, ticket: Ticket, changes: dict, now: datetime) -> list[Change]:
    """Pipeline and stage from the ticket itself: a new pipeline needs one of its stages."""
    pipeline_id = payload.integer(changes, "pipeline_id", required="pipeline_id" in changes, low=1)
    stage_id = payload.integer(changes, "stage_id", required="stage_id" in changes, low=1)
    if pipeline_id is not None and session.get(Pipeline, pipeline_id) is None:
        raise InvalidInput(f"pipeline {pipeline_id} does not exist", "pipeline_id")
    target = stage_place(session, stage_id) if stage_id is not None else None
    check_stage_change(ticket.pipeline_id, pipeline_id, target)
    return enter_stage(session, ticket, target, now) if target else []


def stage_place(session: Session, stage_id: int) -> StagePlace:
    """Where a stage sits, or a 422 naming ``stage_id``."""
    row = session.execute(select(Stage.id, Pipeline.id, Pipeline.type, Pipeline.name)
                          .join(Pipeline, Pipeline.id == Stage.pipeline_id).where(Stage.id == stage_id)).first()
    if row is None:
        raise InvalidInput(f"stage {stage_id} does not exist", "stage_id")
    return StagePlace(*row)


def enter_stage(session: Session, ticket: Ticket, target: StagePlace, now: datetime) -> list[Change]:
    """Put the ticket in a stage; the clock of "time in stage" restarts only when the stage changes."""
    if target.stage_id == ticket.stage_id:
        return []
    found = []
    if target.pipeline_id != ticket.pipeline_id:
        old = session.get(Pipeline, ticket.pipeline_id).name if ticket.pipeline_id else None
        found.append(("pipeline", old, target.pipeline_name))
    old_stage = session.get(Stage, ticket.stage_id).name if ticket.stage_id else None
    found.append(("stage", old_stage, session.get(Stage, target.stage_id).name))
    ticket.pipeline_id, ticket.stage_id, ticket.stage_entered_at = target.pipeline_id, target.stage_id, now
    return found


def assignee_label(session: Session, user_id: int | None, ai_agent: str | None) -> str | None:
    """How history names an assignee: the user's name, or ``AI: <agent>``."""
    if ai_agent:
        return f"AI: {ai_agent}"
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.name if user else f"user {user_id}"


def _assignable(session: Session, user_id: int, department_id: int) -> bool:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    return user.is_owner or session.get(Membership, (user_id, department_id)) is not None


def _optional_id(changes: dict, name: str, current: int | None) -> int | None:
    return payload.integer(changes, name, low=1) if name in changes else current


def _node(session: Session, category_id: int | None, field: str) -> CategoryNode | None:
    if category_id is None:
        return None
    category = session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f"category {category_id} does not exist", field)
    return CategoryNode(category.id, category.parent_id)


def _category_name(session: Session, category_id: int | None) -> str | None:
    category = session.get(Category, category_id) if category_id else None
    return category.name if category else None
