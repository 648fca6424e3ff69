"""RPC of departments' mailbox settings: for ingest's pollers, notify's sender and owners."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.mail_settings import mail_settings


class MailSettingsEntrypoints:
    @rpc
    def list_imap_mailboxes(self):
        """Enabled mailboxes for ingest: ``[{"department_id": 1, "department_email": "destek@firma.com",
        "host": "imap.firma.com", "port": 993, "security": "tls", "user": "destek@firma.com",
        "password": "...", "folder": "INBOX", "move_to": null}]``."""
        with self.db.transaction() as session:
            return mail_settings.imap_mailboxes(session, keyring=self.settings.keyring)

    @rpc
    def get_department_mail_settings(self, department_id):
        """For notify: ``{"department_id", "email", "name", "send_acknowledgement",
        "smtp": {"host", "port", "security", "username", "password"} | None}`` (None: the default server)."""
        with self.db.transaction() as session:
            return mail_settings.sending_settings(session, department_id, keyring=self.settings.keyring)

    @rpc
    def describe_department_mail_settings(self, user_id, department_id):
        """For owners: the settings without passwords (``"password_set": true`` instead)."""
        with self.db.transaction() as session:
            return mail_settings.describe(session, load_viewer(session, user_id), department_id)

    @rpc
    def update_department_mail_settings(self, user_id, department_id, settings):
        """Owners change ``{"send_acknowledgement", "imap": {...} | null, "smtp": {...} | null}`` partially;
        returns what ``describe_department_mail_settings`` returns."""
        with self.db.transaction() as session:
            return mail_settings.update(session, load_viewer(session, user_id), department_id, settings,
                                        utcnow(), keyring=self.settings.keyring)
