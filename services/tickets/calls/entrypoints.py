"""RPC of call records: record (idempotent per provider call id), list, link, unlink, delete."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.calls import calls


class CallsEntrypoints:
    @rpc
    def record_call(self, user_id, fields, number=None):
        """``{"provider_call_id": "c-1", "started_at": "2026-11-22T10:00:00+03:00", "duration_seconds": 95,
        "outcome": "success", "summary": "...", "phone": "+905551234567", "ticket_number": "2026-000001"}``
        → ``{"call": {...}, "created": true}`` (``false`` when that provider call was recorded before)."""
        with self.db.transaction() as session:
            return calls.record_call(session, load_viewer(session, user_id), fields, utcnow(), number)

    @rpc
    def get_call(self, user_id, call_id):
        with self.db.transaction() as session:
            return calls.get_call(session, load_viewer(session, user_id), call_id)

    @rpc
    def list_ticket_calls(self, user_id, number):
        """``{"items": [call, ...], "call_count", "last_call_at"}``, newest first."""
        with self.db.transaction() as session:
            return calls.list_ticket_calls(session, load_viewer(session, user_id), number)

    @rpc
    def list_calls(self, user_id, filters=None):
        """Managers and owners: ``{"linked": "false", "customer_id": 3, "limit", "offset"}`` →
        ``{"items", "total"}``."""
        with self.db.transaction() as session:
            return calls.list_calls(session, load_viewer(session, user_id), filters or {})

    @rpc
    def link_call(self, user_id, call_id, number):
        with self.db.transaction() as session:
            return calls.link_call(session, load_viewer(session, user_id), call_id, number, utcnow())

    @rpc
    def unlink_call(self, user_id, call_id):
        with self.db.transaction() as session:
            return calls.unlink_call(session, load_viewer(session, user_id), call_id, utcnow())

    @rpc
    def delete_call(self, user_id, call_id):
        with self.db.transaction() as session:
            calls.delete_call(session, load_viewer(session, user_id), call_id, utcnow())
