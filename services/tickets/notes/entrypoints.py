"""RPC of internal notes: for the team only, encrypted at rest, never sent to the customer."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.notes import notes


class NotesEntrypoints:
    @rpc
    def list_notes(self, user_id, number):
        """``{"items": [{"id", "body", "author": {"id", "name"}, "created_at", "updated_at", "edited"}]}``,
        newest first."""
        with self.db.transaction() as session:
            return notes.list_notes(session, load_viewer(session, user_id), number, keyring=self.settings.keyring)

    @rpc
    def add_note(self, user_id, number, body):
        """``"Müşteri tekrar arayacak"`` → the new note."""
        with self.db.transaction() as session:
            return notes.add_note(session, load_viewer(session, user_id), number, body, utcnow(),
                                  keyring=self.settings.keyring)

    @rpc
    def edit_note(self, user_id, number, note_id, body):
        """Its author, a manager of the ticket's department or an owner replaces the text."""
        with self.db.transaction() as session:
            return notes.edit_note(session, load_viewer(session, user_id), number, note_id, body, utcnow(),
                                   keyring=self.settings.keyring)

    @rpc
    def delete_note(self, user_id, number, note_id):
        with self.db.transaction() as session:
            notes.delete_note(session, load_viewer(session, user_id), number, note_id, utcnow())

    @rpc
    def reseal_notes(self, limit=500):
        """Operators, after rotating the key: re-encrypt up to ``limit`` notes; returns how many."""
        with self.db.transaction() as session:
            return notes.reseal_notes(session, limit, keyring=self.settings.keyring)
