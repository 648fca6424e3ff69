"""Whole events for tests: a consumer reads only events its contract accepts, so tests publish whole ones.

``sample_wire(TicketCreated, ticket_number="2026-000001", priority=1)`` is a
``ticket_created`` envelope as tickets publishes it, with these fields (in their
wire form: times as ISO strings) over a plausible payload; it is read with the
contract first, so a sample that does not fit the contract fails at once.
"""
from __future__ import annotations

import uuid
from typing import Any

from services.shared.contracts import events as contracts
from services.shared.contracts.events import Event

AT = "2026-11-20T09:00:00+00:00"
TICKET = {"ticket_number": "2026-000001", "department_id": 1}
MAIL = {"message_id": "a1b2.2026-000001@example.com", "subject": "Kargo nerede? [#2026-000001]"}
REPLY_SENT = {**TICKET, "message_db_id": 7, "message_id": MAIL["message_id"], "to_email": "ayse@example.com",
              "attempts": 1}
AUTOMATIC_MAIL = {"ticket_number": "2026-000001", "message_id": "ack.2026-000001@example.com",
                  "subject": "[#2026-000001] Talebiniz alındı", "body_text": "Talebinizi aldık.",
                  "from_email": "destek@example.com", "from_name": "Destek", "to_email": "ayse@example.com",
                  "in_reply_to": ["m1@example.com"], "references": ["m1@example.com"], "sent_at": AT,
                  "attempts": 1}

PAYLOADS: dict[type[Event], dict[str, Any]] = {
    contracts.TicketCreated: {
        **TICKET, "subject": MAIL["subject"], "priority": 3, "status": "new", "channel": "email",
        "department_email": "destek@example.com", "customer_email": "ayse@example.com", "customer_name": "Ayşe",
        "is_auto_submitted": False, "send_acknowledgement": True, "created_at": AT,
        "message_id": MAIL["message_id"]},
    contracts.MessageReceived: {
        **TICKET, "message_id": MAIL["message_id"], "channel": "email", "from_email": "ayse@example.com",
        "is_auto_submitted": False, "auto_reason": None, "matched_by": "tracking_number", "new_participant": False,
        "created_at": AT},
    contracts.AttachmentsRejected: {
        **TICKET, **MAIL, "message_db_id": 7, "department_email": "destek@example.com",
        "to_email": "ayse@example.com", "is_auto_submitted": False, "created_at": AT,
        "skipped": [{"filename": "video.mp4", "content_type": "video/mp4", "size": 90_000_000,
                     "reason": "over the size limit"}]},
    contracts.BounceReceived: {
        **TICKET, "message_id": "dsn@mx.example.org", "original_message_id": MAIL["message_id"],
        "recipient": "ali@example.org", "action": "failed", "status": "5.1.1",
        "diagnostic": "550 5.1.1 <ali@example.org>: User unknown", "received_at": AT},
    contracts.ReplyPosted: {
        **TICKET, **MAIL, "message_db_id": 8, "in_reply_to": ["m1@example.com"], "references": ["m1@example.com"],
        "body_text": "Kargonuz yolda.", "from_email": "destek@example.com", "from_name": "Destek",
        "to_email": "ayse@example.com", "to_name": "Ayşe", "author_name": "Mehmet", "first_response": True,
        "ticket_created_at": AT, "priority": 3, "created_at": "2026-11-20T09:30:00+00:00",
        "attachments": [{"filename": "fatura.pdf", "content_type": "application/pdf", "size": 1024,
                         "sha256": "ab" * 32}]},
    contracts.TicketStatusChanged: {
        "ticket_number": "2026-000001", "old_status": "new", "new_status": "open", "changed_at": AT},
    contracts.TicketUpdated: {
        **TICKET, "priority": 1, "updated_at": AT, "changes": [{"field": "priority", "old": "3", "new": "1"}]},
    contracts.TicketDeleted: {**TICKET, "deleted_by_user_id": 1, "deleted_at": AT},
    contracts.ReplySent: REPLY_SENT,
    contracts.ReplyFailed: {**REPLY_SENT, "error": "bounced: 5.1.1 User unknown"},
    contracts.AcknowledgementSent: {**AUTOMATIC_MAIL, "kind": "acknowledgement"},
    contracts.AttachmentsNoticeSent: {**AUTOMATIC_MAIL, "kind": "attachments_notice"},
    contracts.SlaBreached: {"ticket_number": "2026-000001", "kind": "first_response", "due_at": AT, "priority": 1,
                            "started_at": AT, "target_seconds": 900, "late_seconds": 60},
    contracts.SlaWarning: {"ticket_number": "2026-000001", "kind": "resolution", "due_at": AT, "priority": 1,
                           "started_at": AT, "target_seconds": 7200, "remaining_seconds": 1440},
}


def sample(cls: type[Event], **fields) -> Event:
    """A whole event of type ``cls``, with ``fields`` (in wire form) over the sample payload."""
    return cls.from_wire({"event_id": str(uuid.uuid4()), "event_type": cls.event_type, "occurred_at": AT,
                          **PAYLOADS[cls], **fields})


def sample_wire(cls: type[Event], **fields) -> dict:
    """The envelope of :func:`sample`, as the bus carries it."""
    return sample(cls, **fields).to_wire()
