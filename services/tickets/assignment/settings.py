"""A department's assignment setting (its owners and managers) and each user's own availability."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.shared.contracts.tickets import OPEN_STATUSES
from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer
from services.tickets.assignment.rules import (AWAY, MAX_CAP, OFF, check_availability, check_mode,
                                               is_available)
from services.tickets.audit import record_audit
from services.tickets.models import Department, DepartmentAssignment, Ticket, User
from services.tickets.schemas import iso

SETTING_FIELDS = ("mode", "max_open_per_agent")
AVAILABILITY_FIELDS = ("status", "away_until")


def get_department_assignment(session: Session, viewer: Viewer, department_id: int) -> dict:
    """``{"department_id", "mode", "max_open_per_agent", "unassigned_open"}`` for members of the department."""
    department = _department(session, department_id)
    if viewer.role_in(department.id) is None:
        raise Forbidden(f"you are not a member of department {department.name}", "department_id")
    return _setting_view(session, department.id, session.get(DepartmentAssignment, department.id))


def set_department_assignment(session: Session, viewer: Viewer, department_id: int, data, now: datetime) -> dict:
    """``{"mode": "round_robin", "max_open_per_agent": 20}`` (null: no cap); owners and the department's managers."""
    department = _department(session, department_id)
    if viewer.role_in(department.id) not in ("owner", "manager"):
        raise Forbidden("only an owner or a manager of the department may change its assignment", "department_id")
    body = payload.body_of(data)
    payload.only_fields(body, SETTING_FIELDS)
    if "mode" not in body:
        raise InvalidInput("mode is required: off, round_robin or least_open", "mode")
    mode = check_mode(body["mode"])
    cap = payload.integer(body, "max_open_per_agent", low=1, high=MAX_CAP)
    row = session.get(DepartmentAssignment, department.id, with_for_update=True)
    if row is None:
        row = DepartmentAssignment(department_id=department.id)
        session.add(row)
    row.mode, row.max_open_per_agent, row.updated_at = mode, cap, now
    session.flush()
    record_audit(session, actor_user_id=viewer.user_id, action="assignment_changed", object_type="department",
                 object_id=department.id, details={"mode": mode, "max_open_per_agent": cap}, at=now)
    return _setting_view(session, department.id, row)


def set_availability(session: Session, viewer: Viewer, data, now: datetime) -> dict:
    """``{"status": "away", "away_until": "2026-12-20T09:00:00+03:00"}``: the user's own availability."""
    body = payload.body_of(data)
    payload.only_fields(body, AVAILABILITY_FIELDS)
    if "status" not in body:
        raise InvalidInput("status is required: available or away", "status")
    status = check_availability(body["status"])
    until = payload.timestamp(body.get("away_until"), "away_until")
    if until is not None and status != AWAY:
        raise InvalidInput("away_until goes with status away", "away_until")
    if until is not None and until <= now:
        raise InvalidInput("away_until must be in the future", "away_until")
    user = session.get(User, viewer.user_id)
    user.availability, user.away_until = status, until
    return availability_view(user, now)


def availability_view(user: User, now: datetime) -> dict:
    return {"user_id": user.id, "status": user.availability, "away_until": iso(user.away_until),
            "available": is_available(user.availability, user.away_until, now)}


def _setting_view(session: Session, department_id: int, row: DepartmentAssignment | None) -> dict:
    unassigned = session.scalar(select(func.count(Ticket.id)).where(
        Ticket.department_id == department_id, Ticket.assignee_id.is_(None), Ticket.assignee_ai_agent.is_(None),
        Ticket.status.in_(OPEN_STATUSES)))
    return {"department_id": department_id, "mode": row.mode if row else OFF,
            "max_open_per_agent": row.max_open_per_agent if row else None, "unassigned_open": unassigned}


def _department(session: Session, department_id) -> Department:
    department_id = payload.row_id(department_id, "department_id", what="department")
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"department {department_id} does not exist", "department_id")
    return department
