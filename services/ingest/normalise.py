"""Turning a parsed mail into the one normalised inbound message every channel hands to tickets."""
from __future__ import annotations

from dataclasses import asdict

from services.ingest.domain.mail_parsing import ParsedMail, parse_email
from services.shared.attachment_store import AttachmentStore


def recipient_candidates(mail: ParsedMail, envelope_recipient: str | None) -> list[str]:
    """Where the mail was delivered, most trustworthy first: envelope, Delivered-To, To, Cc."""
    ordered = ([envelope_recipient] if envelope_recipient else []) + mail.delivered_to + mail.to + mail.cc
    seen, result = set(), []
    for address in ordered:
        address = (address or "").strip().lower()
        if address and address not in seen:
            seen.add(address)
            result.append(address)
    return result


def inbound_email(mail: ParsedMail, envelope_recipient: str | None = None,
                  attachments: list[dict] | None = None, original: bytes | None = None) -> dict:
    """The wire form of an inbound email for ``tickets.receive_messages``."""
    return {
        "channel": "email",
        "recipients": recipient_candidates(mail, envelope_recipient),
        "message_id": mail.message_id,
        "in_reply_to": mail.in_reply_to,
        "references": mail.references,
        "subject": mail.subject,
        "from_name": mail.from_name,
        "from_email": mail.from_email,
        "reply_to": mail.reply_to or None,
        "to": mail.to,
        "cc": mail.cc,
        "body_text": mail.body_text,
        "body_html": mail.body_html,
        "reply_text": mail.reply_text,
        "is_auto_submitted": mail.is_auto_submitted,
        "auto_reason": mail.auto_reason,
        "delivery_reports": [asdict(report) for report in mail.delivery_reports],
        "tracking_number": mail.tracking_number,
        "sent_at": mail.date.isoformat() if mail.date else None,
        "attachments": attachments or [],
        "skipped_attachments": [
            {"filename": s.filename, "content_type": s.content_type, "size": s.size, "reason": s.reason}
            for s in mail.skipped_attachments],
        "original": original,
        "parse_notes": mail.parse_notes,
    }


def store_attachments(mail: ParsedMail, store: AttachmentStore) -> list[dict]:
    """Write the kept attachments to the store; returns their metadata for the inbound message."""
    return [{"sha256": store.put(a.content, sync=False), "filename": a.filename, "content_type": a.content_type,
             "size": len(a.content), "inline": a.inline, "content_id": a.content_id}
            for a in mail.attachments]


def original_to_keep(raw: bytes, mail: ParsedMail) -> bytes | None:
    """The mail as it came, to keep for an agent to download when what was read of it looks wrong.

    Not kept when a file of it was over the size limit: the original would keep what the limit refused.
    """
    return None if mail.skipped_attachments else raw


def raw_mail_to_message(raw: bytes, *, envelope_recipient: str | None, store: AttachmentStore,
                        max_attachment_bytes: int) -> dict:
    """Parse raw mail, keep it and its files, and build the inbound message (HTTP and IMAP alike).

    The files are not yet synced to disk, and ``original`` is still the mail's bytes: the batcher syncs
    the store and writes the batch's originals to the mail archive (``original`` becomes where it is)
    before tickets commits the rows that point at them.
    """
    mail = parse_email(raw, max_total_attachment_bytes=max_attachment_bytes)
    return inbound_email(mail, envelope_recipient, store_attachments(mail, store), original_to_keep(raw, mail))
