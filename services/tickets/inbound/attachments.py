"""Attachments of thread messages: metadata here, bytes in the attachment store ingest writes.

An inbound message lists what ingest stored (by sha256) and what it did not
keep (over the size limit); both become rows, the latter without a hash and
with the reason, so the thread shows what is missing. The mail itself, as it
arrived, is in ingest's mail archive; its message row says where.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput, NotFound
from services.shared.mail_archive import ARCHIVE_NAME
from services.tickets import payload
from services.tickets.access import Viewer, open_ticket
from services.tickets.models import Attachment, Message
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


def original_columns(message: dict) -> dict:
    """The message row's ``original_archive``, ``original_offset`` and ``original_size``: where ingest kept
    the mail as it arrived, if it did."""
    original = message.get("original")
    if not original:
        return {"original_archive": None, "original_offset": None, "original_size": None}
    if not isinstance(original, dict) or not ARCHIVE_NAME.match(str(original.get("archive") or "")):
        raise InvalidInput("an original's archive must name a mail archive", "original.archive")
    return {"original_archive": original["archive"], "original_offset": _size(original.get("offset"), "original.offset"),
            "original_size": _size(original.get("size"), "original.size")}


def _row(message_db_id: int, item: dict, **extra) -> dict:
    return {"message_id": message_db_id, "filename": str(item.get("filename") or "attachment")[:255],
            "content_type": str(item.get("content_type") or "application/octet-stream")[:255],
            "size": _size(item.get("size"), "attachments.size"), "inline": bool(item.get("inline")),
            "content_id": item.get("content_id") or None, **extra}


def _size(value, field: str) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a whole number", field) from None


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


def original_for_viewer(session: Session, viewer: Viewer, number: str, message_id) -> dict:
    """A mail of a ticket this viewer may open, as it arrived: ``{"message_id", "archive", "offset", "size"}``."""
    ticket = open_ticket(session, viewer, number)
    message_id = payload.row_id(message_id, "message_id", what="message", high=payload.MAX_BIGINT)
    message = session.scalars(select(Message).where(Message.id == message_id,
                                                    Message.ticket_id == ticket.id)).first()
    if message is None:
        raise NotFound(f"ticket {ticket.number} has no message {message_id}", "message_id")
    if message.original_archive is None:
        raise NotFound(f"message {message_id} has no original mail: it did not come as mail, "
                       "or a file of it was over the size limit", "message_id")
    return {"message_id": message.id, "archive": message.original_archive, "offset": message.original_offset,
            "size": message.original_size}
