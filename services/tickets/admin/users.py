"""Owners administer users: create with a password, edit, set department roles, deactivate, delete.

There is always at least one active owner: the last one can be neither
deactivated, demoted nor deleted, and nobody deactivates or deletes themselves.
A user who has left traces (tickets, replies, notes, calls) is deactivated
rather than deleted, so that the history keeps its authors.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput, NotFound
from services.tickets import payload
from services.tickets import repository as repo
from services.tickets.access import Viewer, check_is_owner
from services.tickets.admin.auth import hash_password
from services.tickets.admin.passwords import check_password
from services.tickets.audit import record_audit
from services.tickets.customers.contacts import normalised
from services.tickets.models import Department, Membership, User
from services.tickets.schemas import iso

ROLES = ("agent", "manager")
FIELDS = ("email", "name", "password", "is_owner", "is_active", "departments")
ONLY_OWNERS = "only owners may administer users"


def user_account(session: Session, user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "is_owner": user.is_owner,
            "is_active": user.is_active,
            "departments": {str(k): v for k, v in repo.memberships_of(session, user.id).items()},
            "locked_until": iso(user.locked_until), "created_at": iso(user.created_at)}


def _user(session: Session, user_id, *, lock: bool = False) -> User:
    identifier = payload.row_id(user_id, "user_id", what="user")
    query = select(User).where(User.id == identifier)
    user = session.scalars(query.with_for_update() if lock else query).first()
    if user is None:
        raise NotFound(f"user {identifier} does not exist", "user_id")
    return user


def list_users(session: Session, viewer: Viewer) -> dict:
    check_is_owner(viewer, ONLY_OWNERS)
    return {"items": [user_account(session, u) for u in session.scalars(select(User).order_by(User.id))]}


def department_staff(session: Session, department_id) -> list[dict]:
    """The department's members (agents and managers), active or not; owners are not members, so not listed."""
    identifier = payload.row_id(department_id, "department_id", what="department")
    if session.get(Department, identifier) is None:
        raise NotFound(f"department {identifier} does not exist", "department_id")
    rows = session.execute(select(User.id, User.email, User.name, Membership.role, User.is_active)
                           .join(Membership, Membership.user_id == User.id)
                           .where(Membership.department_id == identifier).order_by(User.id))
    return [{"id": r.id, "email": r.email, "name": r.name, "role": r.role, "is_active": r.is_active} for r in rows]


def get_user_account(session: Session, viewer: Viewer, user_id) -> dict:
    check_is_owner(viewer, ONLY_OWNERS)
    return user_account(session, _user(session, user_id))


def create_user(session: Session, viewer: Viewer, fields, now: datetime) -> dict:
    """``{"email", "name", "password", "is_owner": false, "departments": {"1": "agent"}}``."""
    check_is_owner(viewer, ONLY_OWNERS)
    body = payload.body_of(fields)
    payload.only_fields(body, FIELDS)
    for required in ("email", "name", "password"):
        if body.get(required) in (None, ""):
            raise InvalidInput(f"{required} is required", required)
    user = User(email="", name="", password_hash="", is_owner=False, is_active=True, failed_logins=0,
                created_at=now)
    _apply(session, user, body)
    session.add(user)
    session.flush()
    _set_memberships(session, user, body.get("departments") or {})
    record_audit(session, actor_user_id=viewer.user_id, action="created", object_type="user", object_id=user.id,
                 details={"email": user.email, "is_owner": user.is_owner,
                          "departments": {str(k): v for k, v in repo.memberships_of(session, user.id).items()}},
                 at=now)
    return user_account(session, user)


def update_user(session: Session, viewer: Viewer, user_id, fields, now: datetime) -> dict:
    """Change any of ``FIELDS``; ``departments`` replaces the roles; a new password also lifts a lockout."""
    check_is_owner(viewer, ONLY_OWNERS)
    body = payload.body_of(fields)
    payload.only_fields(body, FIELDS)
    user = _user(session, user_id, lock=True)
    before = user_account(session, user)
    _apply(session, user, body)
    if user.id == viewer.user_id and not user.is_active:
        raise Conflict("you cannot deactivate yourself", "is_active")
    if "departments" in body:
        _set_memberships(session, user, body["departments"])
    session.flush()
    _keep_an_owner(session)
    after = user_account(session, user)
    changes = {k: [before[k], after[k]] for k in ("email", "name", "is_owner", "is_active", "departments")
               if before[k] != after[k]}
    if "password" in body:
        changes["password"] = "changed"
    if changes:
        record_audit(session, actor_user_id=viewer.user_id, action="updated", object_type="user",
                     object_id=user.id, details={"changes": changes}, at=now)
    return after


def delete_user(session: Session, viewer: Viewer, user_id, now: datetime) -> None:
    """Delete a user who has left no traces; otherwise 409 (deactivate them instead)."""
    check_is_owner(viewer, ONLY_OWNERS)
    user = _user(session, user_id, lock=True)
    if user.id == viewer.user_id:
        raise Conflict("you cannot delete yourself", "user_id")
    email = user.email
    try:
        with session.begin_nested():
            session.delete(user)
            session.flush()
            _keep_an_owner(session)
    except IntegrityError:
        raise Conflict(f"user {user.id} has tickets, replies, notes or calls; deactivate them instead",
                       "user_id") from None
    record_audit(session, actor_user_id=viewer.user_id, action="deleted", object_type="user",
                 object_id=user.id, details={"email": email}, at=now)


def _apply(session: Session, user: User, body: dict) -> None:
    if "email" in body:
        email = normalised("email", body["email"], "email")
        if email is None:
            raise InvalidInput("email must not be empty", "email")
        other = repo.user_by_email(session, email)
        if other is not None and other.id != user.id:
            raise Conflict(f"another user already has the email {email}", "email")
        user.email = email
    if "name" in body:
        user.name = payload.text(body, "name", required=True, max_length=200)
    for flag in ("is_owner", "is_active"):
        if body.get(flag) is not None:
            setattr(user, flag, payload.boolean(body, flag))
        elif flag in body:
            raise InvalidInput(f"{flag} must be true or false", flag)
    if "password" in body:
        _set_password(user, body["password"])


def _set_password(user: User, password) -> None:
    if not isinstance(password, str):
        raise InvalidInput("password must be a string", "password")
    payload.storable(password, "password")
    check_password(password, user.email)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None


def _set_memberships(session: Session, user: User, departments) -> None:
    if not isinstance(departments, dict):
        raise InvalidInput('departments must be an object: {"<department id>": "agent" | "manager"}',
                           "departments")
    roles: dict[int, str] = {}
    for key, role in departments.items():
        department_id = payload.bounded(key, "departments", 1, payload.MAX_INT, 1)
        if role not in ROLES:
            raise InvalidInput(f"the role in department {department_id} must be agent or manager", "departments")
        if session.get(Department, department_id) is None:
            raise InvalidInput(f"department {department_id} does not exist", "departments")
        roles[department_id] = role
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    session.add_all(Membership(user_id=user.id, department_id=d, role=r) for d, r in roles.items())
    session.flush()


def _keep_an_owner(session: Session) -> None:
    active_owners = session.scalar(select(func.count()).where(User.is_owner.is_(True), User.is_active.is_(True)))
    if not active_owners:
        raise Conflict("there must remain at least one active owner", "is_owner")
