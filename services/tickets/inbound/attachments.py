"""Attachments of thread messages: metadata here, bytes in the attachment store ingest writes.

An inbound message lists what ingest stored (by sha256) and what it did not
keep (over the size limit); both become rows, the latter without a hash and
with the reason, so the thread shows what is missing. The mail itself, as it
arrived, is in ingest's mail archive; its message row says where.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shared.contracts.inbound import InboundMessage, SkippedAttachment
from services.shared.errors import NotFound
from services.tickets import payload
from services.tickets.access import Viewer, open_ticket
from services.tickets.models import Attachment, Message
from services.tickets.schemas import attachment_dict


def attachment_rows(message_db_id: int, message: InboundMessage) -> tuple[list[dict], list[SkippedAttachment]]:
    """The attachment rows of one inbound message, and the attachments that were not kept."""
    rows = [_row(message_db_id, item.filename, item.content_type, item.size, inline=item.inline,
                 content_id=item.content_id or None, sha256=item.sha256, not_kept_reason=None)
            for item in message.attachments]
    skipped = []
    for item in message.skipped_attachments:
        row = _row(message_db_id, item.filename, item.content_type, item.size, inline=False, content_id=None,
                   sha256=None, not_kept_reason=item.reason or "not kept")
        rows.append(row)
        skipped.append(SkippedAttachment(filename=row["filename"], content_type=row["content_type"],
                                         size=row["size"], reason=row["not_kept_reason"]))
    return rows, skipped


def original_columns(message: InboundMessage) -> dict:
    """The message row's ``original_archive``, ``original_offset`` and ``original_size``: where ingest kept
    the mail as it arrived, if it did."""
    original = message.original
    if original is None:
        return {"original_archive": None, "original_offset": None, "original_size": None}
    return {"original_archive": original.archive, "original_offset": original.offset,
            "original_size": original.size}


def _row(message_db_id: int, filename: str, content_type: str, size: int, **extra) -> dict:
    return {"message_id": message_db_id, "filename": (filename or "attachment")[:255],
            "content_type": (content_type or "application/octet-stream")[:255], "size": size, **extra}


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
