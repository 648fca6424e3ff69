"""RPC around inbound mail for people: attachments and originals to download, held mail to look at and release."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.outbox import record_events
from services.shared.rpc import rpc
from services.tickets import attachments, held_messages, inbound
from services.tickets.access import load_viewer
from services.tickets.models import outbox


class InboundMailEntrypoints:
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
            return held_messages.list_held(session, load_viewer(session, user_id), status)

    @rpc
    def release_held_message(self, user_id, held_id):
        """A manager lets a held mail in, past the rate limit: ``{"status": "created"|"appended"|"duplicate",
        "ticket_number", "message_id"}``; a mail that failed before may fail (and stay held) again."""
        now = utcnow()
        with self.db.transaction() as session:
            held = held_messages.take_for_release(session, load_viewer(session, user_id), held_id)
            outcome = inbound.receive_batch(session, self.db.session.get_bind(), [held.payload], now,
                                            rate_limited=False)
            [result] = outcome.results
            if result.get("ticket_number"):
                held.status, held.released_at = "released", now
            record_events(session, outbox, outcome.events)
        return result
