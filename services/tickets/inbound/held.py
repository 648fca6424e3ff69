"""Inbound messages kept aside instead of entering a ticket, where an operator can see and release them.

Two reasons: ``rate_limited`` (the sender went over the per-sender limit:
stored, never answered, no ticket opened) and ``failed`` (applying the
message raised; the batch it came in is committed without it rather than
retried forever). Either way ingest gets a committed answer, so an IMAP
mailbox moves on and a mail server is not asked to resend.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.shared.contracts.inbound import InboundMessage, UnreadableMessage
from services.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer
from services.tickets.inbound.rate_limit import SenderBudget
from services.tickets.models import Department, HeldMessage, Message
from services.tickets.repository import among
from services.tickets.schemas import iso

MAX_INDEXED_ID = 1000  # characters; a B-tree entry holds at most about 2,700 bytes
STATUSES = ("held", "released")


def sender_budget(session: Session, senders: set[str], now: datetime, *, limit: int,
                  window: timedelta) -> SenderBudget:
    """The rate limit of this batch's senders, counting what each sent in the ``window`` (one query)."""
    senders = {s for s in senders if s}
    if limit <= 0 or not senders:
        return SenderBudget(limit)
    since = now - window
    counts = session.execute(
        select(Message.from_email, func.count()).where(
            Message.direction == "inbound", among(Message.from_email, senders), Message.created_at > since)
        .group_by(Message.from_email)).all()
    return SenderBudget(limit, dict(counts))


def hold(session: Session, department: Department, message: InboundMessage, reason: str, error: str | None,
         now: datetime) -> dict:
    """Keep a message aside; the same Message-ID held twice for a department is one entry."""
    return _keep(session, department, message.to_wire(), message.message_id, message.from_email, message.subject,
                 reason, error, now)


def hold_unreadable(session: Session, department: Department, wire, error: UnreadableMessage, now: datetime) -> dict:
    """Keep aside, as it came, a message tickets cannot read; its error names the field at fault."""
    stored = wire if isinstance(wire, dict) else {"unreadable": repr(wire)[:2000]}
    return _keep(session, department, stored, _text(stored.get("message_id")) or _derived_id(stored),
                 _text(stored.get("from_email")), _text(stored.get("subject")), "failed",
                 f"{type(error).__name__}: {error}"[:2000], now)


def _keep(session: Session, department: Department, stored: dict, message_id: str, from_email: str, subject: str,
          reason: str, error: str | None, now: datetime) -> dict:
    rfc_id = _indexable(message_id)
    held_id = session.execute(insert(HeldMessage).values(
        department_id=department.id, reason=reason, error=error, rfc_message_id=rfc_id,
        from_email=from_email[:1000], subject=subject[:1000], payload=_storable(stored), status="held",
        created_at=now,
    ).on_conflict_do_nothing().returning(HeldMessage.id)).scalar()
    status = "held" if held_id is not None else "duplicate"
    return {"status": status, "ticket_number": None, "message_id": rfc_id, "held_reason": reason}


def list_held(session: Session, viewer: Viewer, status: str, limit: int = 200) -> list[dict]:
    """Held messages (``status``: held or released) of the departments this viewer manages (owners: all)."""
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", "status")
    query = select(HeldMessage).where(HeldMessage.status == status) \
        .order_by(HeldMessage.created_at.desc(), HeldMessage.id.desc()).limit(limit)
    if not viewer.is_owner:
        managed = [d for d, role in viewer.departments.items() if role == "manager"]
        query = query.where(HeldMessage.department_id.in_(managed))
    return [held_dict(h) for h in session.scalars(query)]


def take_for_release(session: Session, viewer: Viewer, held_id) -> HeldMessage:
    """The held message an operator releases, locked; refuses others' departments and released ones."""
    held_id = payload.row_id(held_id, "held_id", what="held message", high=payload.MAX_BIGINT)
    held = session.get(HeldMessage, held_id, with_for_update=True)
    if held is None:
        raise NotFound(f"held message {held_id} does not exist", "held_id")
    if viewer.role_in(held.department_id) not in ("owner", "manager"):
        raise Forbidden("only a manager of the department may release its held mail", "held_id")
    if held.status != "held":
        raise Conflict(f"held message {held_id} was already released", "held_id")
    return held


def held_dict(held: HeldMessage) -> dict:
    return {"id": held.id, "department_id": held.department_id, "reason": held.reason, "error": held.error,
            "message_id": held.rfc_message_id, "from_email": held.from_email, "subject": held.subject,
            "status": held.status, "created_at": iso(held.created_at), "released_at": iso(held.released_at)}


def _storable(value):
    """The message as JSONB can keep it: PostgreSQL refuses NUL characters in text."""
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value if value is None or isinstance(value, (bool, int, float)) else str(value)


def _indexable(rfc_id: str) -> str:
    """The id the held row is found by: one too long for the index (an id a message failed on for its
    length, say) is replaced by one derived from it; the payload keeps the message as it came."""
    if len(rfc_id) <= MAX_INDEXED_ID:
        return rfc_id
    return f"held-{hashlib.sha256(rfc_id.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}@destek.invalid"


def _text(value) -> str:
    """A value of an unreadable message shown as text: what it is if text, else nothing."""
    return value if isinstance(value, str) else ""


def _derived_id(message: dict) -> str:
    digest = hashlib.sha256(json.dumps(message, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"held-{digest}@destek.invalid"
