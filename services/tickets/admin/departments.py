"""Departments: everyone logged in reads them; owners create, edit and delete them.

Exactly one department is the default (it receives mail addressed to no known
department): making another the default moves the mark, and the default one
cannot be deleted or un-marked directly. A department that holds tickets
cannot be deleted.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer, check_is_owner
from services.tickets.audit import record_audit
from services.tickets.customers.contacts import normalised
from services.tickets.models import Department, Ticket
from services.tickets.schemas import iso

FIELDS = ("name", "email", "is_default", "send_acknowledgement")
ONLY_OWNERS = "only owners may administer departments"


def department_record(department: Department) -> dict:
    return {"id": department.id, "name": department.name, "email": department.email,
            "is_default": department.is_default, "send_acknowledgement": department.send_acknowledgement,
            "created_at": iso(department.created_at)}


def _department(session: Session, department_id, *, lock: bool = False) -> Department:
    identifier = payload.row_id(department_id, "department_id", what="department")
    query = select(Department).where(Department.id == identifier)
    department = session.scalars(query.with_for_update() if lock else query).first()
    if department is None:
        raise NotFound(f"department {identifier} does not exist", "department_id")
    return department


def describe_departments(session: Session, viewer: Viewer) -> dict:
    """Every department with its settings: ``{"items": [...]}``."""
    return {"items": [department_record(d) for d in session.scalars(select(Department).order_by(Department.id))]}


def get_department(session: Session, viewer: Viewer, department_id) -> dict:
    return department_record(_department(session, department_id))


def create_department(session: Session, viewer: Viewer, fields, now: datetime) -> dict:
    """``{"name": "Muhasebe", "email": "muhasebe@firma.com", "is_default": false}``."""
    check_is_owner(viewer, ONLY_OWNERS)
    body = payload.body_of(fields)
    payload.only_fields(body, FIELDS)
    for required in ("name", "email"):
        if body.get(required) in (None, ""):
            raise InvalidInput(f"{required} is required", required)
    department = Department(name="", email="", is_default=False, send_acknowledgement=True, created_at=now)
    _apply(session, department, body)
    session.add(department)
    _save(session)
    if department.is_default or not session.scalar(select(func.count()).where(Department.is_default)):
        _make_default(session, department)
    record_audit(session, actor_user_id=viewer.user_id, action="created", object_type="department",
                 object_id=department.id, details=department_record(department), at=now)
    return department_record(department)


def update_department(session: Session, viewer: Viewer, department_id, fields, now: datetime) -> dict:
    """Change name, email, default mark or acknowledgement mails; every change is audited."""
    check_is_owner(viewer, ONLY_OWNERS)
    body = payload.body_of(fields)
    payload.only_fields(body, FIELDS)
    department = _department(session, department_id, lock=True)
    before = department_record(department)
    was_default = department.is_default
    _apply(session, department, body)
    if was_default and not department.is_default:
        raise Conflict("make another department the default instead of un-marking this one", "is_default")
    _save(session)
    if department.is_default and not was_default:
        _make_default(session, department)
    after = department_record(department)
    changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    if changes:
        record_audit(session, actor_user_id=viewer.user_id, action="updated", object_type="department",
                     object_id=department.id, details={"changes": changes}, at=now)
    return after


def delete_department(session: Session, viewer: Viewer, department_id, now: datetime) -> None:
    """Delete a department with no tickets that is not the default; its memberships go with it."""
    check_is_owner(viewer, ONLY_OWNERS)
    department = _department(session, department_id, lock=True)
    if department.is_default:
        raise Conflict("the default department cannot be deleted; make another the default first",
                       "department_id")
    if session.scalar(select(func.count()).where(Ticket.department_id == department.id)):
        raise Conflict(f"department {department.id} has tickets and cannot be deleted", "department_id")
    before = department_record(department)
    try:
        with session.begin_nested():
            session.delete(department)
            session.flush()
    except IntegrityError:
        raise Conflict(f"department {department.id} still holds messages or other records",
                       "department_id") from None
    record_audit(session, actor_user_id=viewer.user_id, action="deleted", object_type="department",
                 object_id=before["id"], details={"before": before}, at=now)


def _apply(session: Session, department: Department, body: dict) -> None:
    if "name" in body:
        name = payload.text(body, "name", required=True, max_length=100)
        other = session.scalars(select(Department).where(func.lower(Department.name) == name.lower())).first()
        if other is not None and other.id != department.id:
            raise Conflict(f"a department named {other.name} already exists", "name")
        department.name = name
    if "email" in body:
        email = normalised("email", body["email"], "email")
        if email is None:
            raise InvalidInput("email must not be empty", "email")
        other = session.scalars(select(Department).where(func.lower(Department.email) == email)).first()
        if other is not None and other.id != department.id:
            raise Conflict(f"department {other.name} already uses {email}", "email")
        department.email = email
    for flag in ("is_default", "send_acknowledgement"):
        if flag in body:
            value = payload.boolean(body, flag)
            if value is None:
                raise InvalidInput(f"{flag} must be true or false", flag)
            setattr(department, flag, value)


def _save(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent request took the same name or address first
        raise Conflict("another department has this name or email address", "name") from None


def _make_default(session: Session, department: Department) -> None:
    session.execute(update(Department).where(Department.id != department.id).values(is_default=False)
                    .execution_options(synchronize_session="fetch"))
    department.is_default = True
    session.flush()
