"""Storing staff notifications once, listing them, marking them read, and each user's choices."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.notify.models import NotificationChoice, StaffNotification
from services.notify.notifications import rules
from services.notify.notifications.rules import Addressee, TicketCopy
from services.notify.notifications.tickets_copy import subjects_of
from services.shared.errors import InvalidInput

MAX_LIMIT = 200


def store(session: Session, *, event_id: str, ticket: TicketCopy, addressees: list[Addressee],
          now: datetime) -> int:
    """Store what each addressee is told, as they chose; once per (event, user, kind). Returns how many are new."""
    if not addressees:
        return 0
    chosen = choices_of(session, {addressee.user_id for addressee in addressees})
    rows = []
    for addressee in addressees:
        choice = rules.choice_of(addressee.kind, chosen.get(addressee.user_id, {}))
        if choice == rules.OFF:
            continue
        rows.append({"user_id": addressee.user_id, "kind": addressee.kind, "ticket_number": ticket.number,
                     "department_id": ticket.department_id, "event_id": event_id, "data": addressee.data,
                     "created_at": now, "email_state": "waiting" if choice == rules.CONSOLE_AND_EMAIL else "none"})
    if not rows:
        return 0
    inserted = session.execute(pg_insert(StaffNotification).values(rows).on_conflict_do_nothing()
                               .returning(StaffNotification.id)).all()
    return len(inserted)


def choices_of(session: Session, user_ids: set[int]) -> dict[int, dict[str, str]]:
    """``{user_id: {kind: choice}}`` of what these users chose (kinds left at their default are absent)."""
    found: dict[int, dict[str, str]] = {}
    for row in session.scalars(select(NotificationChoice).where(NotificationChoice.user_id.in_(user_ids))):
        found.setdefault(row.user_id, {})[row.kind] = row.choice
    return found


def settings_of(session: Session, user_id: int) -> dict:
    """``{"kinds": {kind: choice}, "defaults": {kind: choice}, "always_on": [kind]}`` of a user."""
    chosen = choices_of(session, {user_id}).get(user_id, {})
    return {"kinds": {kind: rules.choice_of(kind, chosen) for kind in rules.KINDS},
            "defaults": dict(rules.DEFAULTS), "always_on": list(rules.ALWAYS_ON)}


def change_settings(session: Session, user_id: int, body) -> dict:
    """Change some of a user's choices (``{"ticket_assigned": "console"}``); the settings after."""
    wanted = rules.read_choices(body)
    if wanted:
        statement = pg_insert(NotificationChoice).values(
            [{"user_id": user_id, "kind": kind, "choice": choice} for kind, choice in wanted.items()])
        session.execute(statement.on_conflict_do_update(
            index_elements=[NotificationChoice.user_id, NotificationChoice.kind],
            set_={"choice": statement.excluded.choice}))
    return settings_of(session, user_id)


def list_for(session: Session, user_id: int, filters) -> dict:
    """A user's notifications, newest first: ``{"items": [...], "unread": n}``; ``{"unread_only", "limit",
    "before_id"}``."""
    filters = _filters(filters)
    query = select(StaffNotification).where(StaffNotification.user_id == user_id)
    if filters["unread_only"]:
        query = query.where(StaffNotification.read_at.is_(None))
    if filters["before_id"] is not None:
        query = query.where(StaffNotification.id < filters["before_id"])
    rows = session.scalars(query.order_by(StaffNotification.id.desc()).limit(filters["limit"])).all()
    subjects = subjects_of(session, {row.ticket_number for row in rows})
    return {"items": [_item(row, subjects) for row in rows], "unread": unread_count(session, user_id)}


def mark_read(session: Session, user_id: int, body, now: datetime) -> dict:
    """Mark ``{"ids": [1, 2]}`` or ``{"all": true}`` of a user's notifications read; ``{"marked", "unread"}``."""
    if not isinstance(body, dict):
        raise InvalidInput("gövde ids ya da all içeren bir JSON nesnesi olmalı / "
                           "the body must be a JSON object with ids or all", "body")
    ids, everything = body.get("ids"), body.get("all", False)
    if not isinstance(everything, bool):
        raise InvalidInput("all true ya da false olmalı / all must be true or false", "all")
    if everything == ("ids" in body):  # both, or neither (an ids of null is a wrong ids, not none)
        raise InvalidInput("ya ids (bildirim numaraları) ya da all: true verin / "
                           "give either ids (a list of notification ids) or all: true", "ids")
    statement = update(StaffNotification).where(StaffNotification.user_id == user_id,
                                                StaffNotification.read_at.is_(None))
    if not everything:
        if not isinstance(ids, list) or not ids or len(ids) > 1000 or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2 ** 63 for i in ids):
            raise InvalidInput("ids 1 ile 1000 arası bildirim numarası içeren bir liste olmalı / "
                               "ids must be a list of 1 to 1000 notification ids (positive whole numbers)", "ids")
        statement = statement.where(StaffNotification.id.in_(ids))
    marked = session.execute(statement.values(read_at=now)).rowcount
    return {"marked": marked, "unread": unread_count(session, user_id)}


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).where(StaffNotification.user_id == user_id,
                                                     StaffNotification.read_at.is_(None)))


def with_subject(data: dict, ticket_number: str, subjects: dict[str, str]) -> dict:
    """A notification's data with its ticket's subject of today, if notify knows it."""
    return {**data, "subject": subjects.get(ticket_number) or data.get("subject") or ""}


def _item(row: StaffNotification, subjects: dict[str, str]) -> dict:
    data = with_subject(row.data, row.ticket_number, subjects)
    return {"id": row.id, "kind": row.kind, "ticket_number": row.ticket_number,
            "title": rules.title(row.kind, row.ticket_number, data), "link": rules.link(row.ticket_number),
            "created_at": row.created_at.isoformat(), "read": row.read_at is not None,
            "read_at": row.read_at.isoformat() if row.read_at else None}


def _filters(filters) -> dict:
    filters = filters or {}
    if not isinstance(filters, dict):
        raise InvalidInput("filters must be an object", "filters")
    unread_only = filters.get("unread_only", False)
    if not isinstance(unread_only, bool):
        raise InvalidInput("unread_only true ya da false olmalı / unread_only must be true or false", "unread_only")
    found = {"unread_only": unread_only}
    for name, default, high in (("limit", 50, MAX_LIMIT), ("before_id", None, 2 ** 63 - 1)):
        value = filters.get(name, default)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high):
            raise InvalidInput(f"{name} 1 ile {high} arası bir tam sayı olmalı / "
                               f"{name} must be a whole number from 1 to {high}", name)
        found[name] = value
    return found
