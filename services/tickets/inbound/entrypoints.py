"""Inbound messages from ingest, and for people: attachments and originals to download, held mail to release."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.events import record_events
from services.tickets.inbound import attachments, held, receiving


class InboundEntrypoints:
    @rpc
    def receive_messages(self, messages):
        """Apply a batch of normalised inbound messages.

        ``[{"channel": "email", "recipients": ["destek@example.com"], "message_id": "a@b",
        "in_reply_to": [], "references": [], "subject": "Kargo", "from_name": "Ayşe",
        "from_email": "ayse@example.com", "reply_to": "ayse@ev.example" | null, "to": [...], "cc": [...], "body_text": "...", "body_html": null,
        "reply_text": "...", "is_auto_submitted": false, "auto_reason": null, "tracking_number": null,
        "delivery_reports": [{"recipient", "action": "failed"|"delayed", "status": "5.1.1", "diagnostic",
        "original_message_id"}],
        "attachments": [{"sha256", "filename", "content_type", "size", "inline", "content_id"}],
        "skipped_attachments": [{"filename", "content_type", "size", "reason"}],
        "original": {"archive", "offset", "size"} | null, "parse_notes": ["unknown charset 'x'; decoded as cp1254"]}]``
        → ``[{"status": "created"|"appended"|"duplicate", "ticket_number": "2026-000001", "message_id": "a@b"}]``;
        ``"status": "held"`` (no ticket) for mail kept aside: over the sender rate limit, or unusable.
        A bounce (``delivery_reports``) of mail we sent joins that mail's ticket and raises ``bounce_received``.
        """
        with self.db.transaction() as session:
            outcome = receiving.receive_batch(session, messages, utcnow(), self.settings)
            record_events(session, outcome.events)
        return outcome.results

    @rpc
    def get_attachment(self, user_id, number, attachment_id):
        """One attachment of a ticket the user may open: ``{"id", "filename", "content_type", "size",
        "inline", "content_id", "kept", "not_kept_reason", "sha256"}`` (the gateway reads the file by hash)."""
        with self.db.transaction() as session:
            return attachments.attachment_for_viewer(session, load_viewer(session, user_id), number, attachment_id)

    @rpc
    def get_original_mail(self, user_id, number, message_id):
        """A mail of a ticket the user may open, as it arrived: ``{"message_id", "archive", "offset", "size"}``
        (the gateway reads it from the mail archive)."""
        with self.db.transaction() as session:
            return attachments.original_for_viewer(session, load_viewer(session, user_id), number, message_id)

    @rpc
    def list_held_messages(self, user_id, status="held"):
        """Inbound mail kept aside (``rate_limited`` or ``failed``) in the departments the user manages:
        ``[{"id", "department_id", "reason", "error", "message_id", "from_email", "subject", "status", ...}]``."""
        with self.db.transaction() as session:
            return held.list_held(session, load_viewer(session, user_id), status)

    @rpc
    def release_held_message(self, user_id, held_id):
        """A manager lets a held mail in, past the rate limit: ``{"status": "created"|"appended"|"duplicate",
        "ticket_number", "message_id"}``; a mail that failed before may fail (and stay held) again."""
        now = utcnow()
        with self.db.transaction() as session:
            message = held.take_for_release(session, load_viewer(session, user_id), held_id)
            outcome = receiving.receive_batch(session, [message.payload], now, self.settings,
                                              rate_limited=False)
            [result] = outcome.results
            if result.get("ticket_number"):
                message.status, message.released_at = "released", now
            record_events(session, outcome.events)
        return result
