"""The audit trail: logins, logouts, failed logins, changes and deletions; read by owners only.

Other features record into it in their own transaction with :func:`record_audit`,
so an entry exists exactly when its change was committed. Details never hold
secrets or note text: only which fields changed, and from what to what.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput
from services.shared.events import utcnow
from services.tickets import payload
from services.tickets.access import Viewer, check_is_owner
from services.tickets.models import AuditEntry, User
from services.tickets.schemas import iso

MAX_PAGE = 200


def record_audit(session: Session, *, actor_user_id: int | None, action: str, object_type: str,
                 object_id, details: dict | None = None, at: datetime | None = None) -> None:
    """Append one entry, e.g. ``action="updated", object_type="customer", object_id=7,
    details={"changes": {"name": ["Ali", "Ali Veli"]}}``."""
    session.add(AuditEntry(at=at or utcnow(), actor_user_id=actor_user_id, action=action,
                           object_type=object_type, object_id=None if object_id is None else str(object_id),
                           details=details or {}))


def list_audit(session: Session, viewer: Viewer, filters: dict) -> dict:
    """Newest first: ``{"items": [...], "next_cursor": 123 | None}``; pass ``cursor`` for the next page."""
    check_is_owner(viewer, "only owners may read the audit trail")
    query = select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.actor_user_id)
    for condition in _conditions(filters):
        query = query.where(condition)
    limit = payload.bounded(filters.get("limit"), "limit", 1, MAX_PAGE, 50)
    cursor = filters.get("cursor")
    if cursor is not None:
        query = query.where(AuditEntry.id < payload.bounded(cursor, "cursor", 1, payload.MAX_BIGINT, 1))
    rows = session.execute(query.order_by(AuditEntry.id.desc()).limit(limit + 1)).all()
    items = [audit_dict(entry, email) for entry, email in rows[:limit]]
    return {"items": items, "next_cursor": items[-1]["id"] if len(rows) > limit else None}


def _conditions(filters: dict) -> list:
    conditions = []
    if filters.get("actor") is not None:
        conditions.append(AuditEntry.actor_user_id == payload.bounded(filters["actor"], "actor", 1,
                                                                      payload.MAX_INT, 0))
    for name, column in (("action", AuditEntry.action), ("object_type", AuditEntry.object_type),
                         ("object_id", AuditEntry.object_id)):
        value = filters.get(name)
        if value not in (None, ""):
            if not isinstance(value, str):
                raise InvalidInput(f"{name} must be text", name)
            conditions.append(column == payload.storable(value, name))
    since, until = payload.timestamp(filters.get("from"), "from"), payload.timestamp(filters.get("to"), "to")
    if since and until and since > until:
        raise InvalidInput("from must not be after to", "from")
    if since:
        conditions.append(AuditEntry.at >= since)
    if until:
        conditions.append(AuditEntry.at <= until)
    return conditions


def audit_dict(entry: AuditEntry, actor_email: str | None) -> dict:
    return {"id": entry.id, "at": iso(entry.at), "actor_user_id": entry.actor_user_id,
            "actor_email": actor_email, "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "details": entry.details or {}}
