"""Internal notes on tickets: for the team only, never sent to the customer, encrypted at rest.

A note's text is sealed with :mod:`services.tickets.secrets_box` under the
context ``note:<id>``, so a sealed text copied onto another note does not open.
Notes follow the ticket's open rule; editing and deleting them is for their
author, a manager of the ticket's department, or an owner. Nothing here
publishes an event: notes never leave the tickets service.
"""
from __future__ import annotations

import logging
from datetime import datetime

from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.shared.errors import NotFound
from services.tickets import payload
from services.tickets.access import Viewer, check_can_change_note, open_ticket
from services.tickets.audit import record_audit
from services.tickets.models import Note, Ticket, User
from services.tickets.schemas import iso
from services.tickets.secrets_box import Keyring, UnknownKey

log = logging.getLogger(__name__)
MAX_NOTE_LENGTH = 20_000


def seal(keyring: Keyring, note_id: int, text: str) -> bytes:
    return keyring.encrypt(text, context=f"note:{note_id}")


def unseal(keyring: Keyring, note: Note) -> str | None:
    """The note's text, or None when the key that sealed it is no longer configured."""
    try:
        return keyring.decrypt(note.body_sealed, context=f"note:{note.id}")
    except (UnknownKey, InvalidTag):
        log.error("note %s cannot be decrypted with the configured keys", note.id)
        return None


def list_notes(session: Session, viewer: Viewer, number, *, keyring: Keyring) -> dict:
    """A ticket's notes, newest first: ``{"items": [{"id", "body", "author", ...}]}``."""
    ticket = open_ticket(session, viewer, number)
    rows = session.execute(select(Note, User).join(User, User.id == Note.author_user_id)
                           .where(Note.ticket_id == ticket.id)
                           .order_by(Note.created_at.desc(), Note.id.desc())).all()
    return {"items": [note_dict(note, author, ticket, unseal(keyring, note)) for note, author in rows]}


def add_note(session: Session, viewer: Viewer, number, body, now: datetime, *, keyring: Keyring) -> dict:
    """Write a note on a ticket the viewer may open."""
    ticket = open_ticket(session, viewer, number, for_update=True)  # its updated_at changes
    text = payload.text({"body": body}, "body", required=True, max_length=MAX_NOTE_LENGTH)
    note_id = session.scalar(select(Note.__table__.c.id.default.next_value()))
    note = Note(id=note_id, ticket_id=ticket.id, author_user_id=viewer.user_id, body_sealed=seal(keyring, note_id, text),
                created_at=now, updated_at=now)
    session.add(note)
    ticket.updated_at = now
    session.flush()
    record_audit(session, actor_user_id=viewer.user_id, action="created", object_type="note", object_id=note.id,
                 details={"ticket_number": ticket.number}, at=now)
    return note_dict(note, session.get(User, viewer.user_id), ticket, text)


def edit_note(session: Session, viewer: Viewer, number, note_id, body, now: datetime, *,
              keyring: Keyring) -> dict:
    """Replace a note's text (its author, a manager of the department, or an owner)."""
    ticket, note = _changeable_note(session, viewer, number, note_id)
    text = payload.text({"body": body}, "body", required=True, max_length=MAX_NOTE_LENGTH)
    note.body_sealed, note.updated_at = seal(keyring, note.id, text), now  # sealed afresh: with the current key
    record_audit(session, actor_user_id=viewer.user_id, action="updated", object_type="note", object_id=note.id,
                 details={"ticket_number": ticket.number, "author_user_id": note.author_user_id}, at=now)
    return note_dict(note, session.get(User, note.author_user_id), ticket, text)


def delete_note(session: Session, viewer: Viewer, number, note_id, now: datetime) -> None:
    """Remove a note for good (its author, a manager of the department, or an owner)."""
    ticket, note = _changeable_note(session, viewer, number, note_id)
    record_audit(session, actor_user_id=viewer.user_id, action="deleted", object_type="note", object_id=note.id,
                 details={"ticket_number": ticket.number, "author_user_id": note.author_user_id}, at=now)
    session.delete(note)


def _changeable_note(session: Session, viewer: Viewer, number, note_id) -> tuple[Ticket, Note]:
    ticket = open_ticket(session, viewer, number)
    identifier = payload.row_id(note_id, "note_id", what="note", high=payload.MAX_BIGINT)
    note = session.scalars(select(Note).where(Note.id == identifier, Note.ticket_id == ticket.id)
                           .with_for_update()).first()
    if note is None:
        raise NotFound(f"note {identifier} does not exist on ticket {ticket.number}", "note_id")
    check_can_change_note(viewer, ticket, note.author_user_id)
    return ticket, note


def note_dict(note: Note, author: User | None, ticket: Ticket, text: str | None) -> dict:
    """A note as the team reads it; ``text`` None: its key is gone, the body shows as null."""
    return {"id": note.id, "ticket_number": ticket.number, "body": text,
            "author": {"id": note.author_user_id, "name": author.name if author else ""},
            "created_at": iso(note.created_at), "updated_at": iso(note.updated_at),
            "edited": note.updated_at != note.created_at}


def reseal_notes(session: Session, limit: int = 500, *, keyring: Keyring) -> int:
    """Re-encrypt up to ``limit`` notes sealed with an older key (key rotation); returns how many."""
    current = keyring.current.encode() + b":"
    stale = session.scalars(select(Note).where(func.substring(Note.body_sealed, 1, len(current)) != current)
                            .order_by(Note.id).limit(limit).with_for_update(skip_locked=True)).all()
    for note in stale:
        text = unseal(keyring, note)
        if text is not None:
            note.body_sealed = seal(keyring, note.id, text)
    return len(stale)
