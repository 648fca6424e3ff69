"""Turning a parsed mail into the one normalised inbound message every channel hands to tickets."""
from __future__ import annotations

from dataclasses import asdict

from services.ingest.domain.mail_parsing import ParsedMail, parse_email
from services.shared.attachment_store import AttachmentStore
from services.shared.contracts.inbound import (DeliveryReport, InboundAttachment, InboundMessage,
                                               SkippedAttachment)

# An inbound message and the bytes of the mail it was read from, to archive (None: not kept).
Inbound = tuple[InboundMessage, bytes | None]


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
                  attachments: tuple[InboundAttachment, ...] = ()) -> InboundMessage:
    """The inbound email for ``tickets.receive_messages``; ``original`` is set by the batcher once archived."""
    return InboundMessage(
        channel="email",
        recipients=tuple(recipient_candidates(mail, envelope_recipient)),
        message_id=mail.message_id,
        in_reply_to=tuple(mail.in_reply_to),
        references=tuple(mail.references),
        subject=mail.subject,
        from_name=mail.from_name,
        from_email=mail.from_email,
        reply_to=mail.reply_to or None,
        to=tuple(mail.to),
        cc=tuple(mail.cc),
        body_text=mail.body_text,
        body_html=mail.body_html,
        reply_text=mail.reply_text,
        is_auto_submitted=mail.is_auto_submitted,
        auto_reason=mail.auto_reason,
        delivery_reports=tuple(DeliveryReport(**asdict(report)) for report in mail.delivery_reports),
        tracking_number=mail.tracking_number,
        sent_at=mail.date,
        attachments=attachments,
        skipped_attachments=tuple(
            SkippedAttachment(filename=s.filename, content_type=s.content_type, size=s.size, reason=s.reason)
            for s in mail.skipped_attachments),
        parse_notes=tuple(mail.parse_notes),
    )


def store_attachments(mail: ParsedMail, store: AttachmentStore) -> tuple[InboundAttachment, ...]:
    """Write the kept attachments to the store; returns them as the inbound message lists them."""
    return tuple(InboundAttachment(sha256=store.put(a.content, sync=False), filename=a.filename,
                                   content_type=a.content_type, size=len(a.content), inline=a.inline,
                                   content_id=a.content_id)
                 for a in mail.attachments)


def original_to_keep(raw: bytes, mail: ParsedMail) -> bytes | None:
    """The mail as it came, to keep for an agent to download when what was read of it looks wrong.

    Not kept when a file of it was over the size limit: the original would keep what the limit refused.
    """
    return None if mail.skipped_attachments else raw


def raw_mail_to_message(raw: bytes, *, envelope_recipient: str | None, store: AttachmentStore,
                        max_attachment_bytes: int) -> Inbound:
    """Parse raw mail, keep its files, and build the inbound message with the mail's bytes to archive beside it.

    The files are not yet synced to disk, and the message has no ``original`` yet: the batcher syncs the
    store, writes the batch's originals to the mail archive and sets ``original`` to where each one is,
    before tickets commits the rows that point at them. HTTP and IMAP alike.
    """
    mail = parse_email(raw, max_total_attachment_bytes=max_attachment_bytes)
    return inbound_email(mail, envelope_recipient, store_attachments(mail, store)), original_to_keep(raw, mail)
