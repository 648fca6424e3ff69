"""Attachments of thread messages: metadata here, bytes in the attachment store ingest writes.

An inbound message lists what ingest stored (by sha256) and what it did not
keep (over the size limit); both become rows, the latter without a hash and
with the reason, so the thread shows what is missing.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer
from services.tickets.models import Attachment, Message
from services.tickets.queries import open_ticket
from services.tickets.schemas import attachment_dict

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def attachment_rows(message_db_id: int, message: dict) -> tuple[list[dict], list[dict]]:
    """The attachment rows of one inbound message, and the attachments that were not kept."""
    rows, skipped = [], []
    for item in message.get("attachments") or []:
        sha256 = str(item.get("sha256") or "")
        if not _SHA256.match(sha256):
            raise InvalidInput("an attachment's sha256 must be 64 lower-case hex digits", "attachments.sha256")
        rows.append(_row(message_db_id, item, sha256=sha256, not_kept_reason=None))
    for item in message.get("skipped_attachments") or []:
        row = _row(message_db_id, item, sha256=None, not_kept_reason=str(item.get("reason") or "not kept"))
        rows.append(row)
        skipped.append({"filename": row["filename"], "content_type": row["content_type"], "size": row["size"],
                        "reason": row["not_kept_reason"]})
    return rows, skipped


def _row(message_db_id: int, item: dict, **extra) -> dict:
    return {"message_id": message_db_id, "filename": str(item.get("filename") or "attachment")[:255],
            "content_type": str(item.get("content_type") or "application/octet-stream")[:255],
            "size": _size(item.get("size")), "inline": bool(item.get("inline")),
            "content_id": item.get("content_id") or None, **extra}


def _size(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise InvalidInput("an attachment's size must be a whole number", "attachments.size") from None


def attachment_for_viewer(session: Session, viewer: Viewer, number: str, attachment_id) -> dict:
    """One attachment of a ticket this viewer may open, with the hash the gateway reads it by."""
    ticket = open_ticket(session, viewer, number)
    attachment_id = payload.row_id(attachment_id, "attachment_id", what="attachment", high=payload.MAX_BIGINT)
    attachment = session.scalars(
        select(Attachment).join(Message, Attachment.message_id == Message.id)
        .where(Attachment.id == attachment_id, Message.ticket_id == ticket.id)).first()
    if attachment is None:
        raise NotFound(f"ticket {ticket.number} has no attachment {attachment_id}", "attachment_id")
    return {**attachment_dict(attachment), "sha256": attachment.sha256}
