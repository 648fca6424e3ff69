"""The tickets service's settings, read from the environment once, when its container starts.

Every variable tickets itself reads is here (the shared infrastructure reads
its own: ``AMQP_URI``, ``DATABASE_URL``, ``MAX_WORKERS``, ...); feature code is
handed these values by its entrypoint, and never reads the environment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from nameko.extensions import DependencyProvider

from services.shared.attachment_store import DEFAULT_DIR, AttachmentStore
from services.shared.config import env, env_int
from services.tickets.secrets_box import Keyring, load_keyring

REOPEN_WINDOW_DAYS = 14
SENDER_RATE_LIMIT, SENDER_RATE_WINDOW_SECONDS = 30, 600
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class TicketsSettings:
    reopen_window_days: int  # REOPEN_WINDOW_DAYS: a customer's mail this long after closing reopens, later links
    sender_rate_limit: int  # SENDER_RATE_LIMIT: mails one sender may send per window before they are held; 0: no limit
    sender_rate_window: timedelta  # SENDER_RATE_WINDOW_SECONDS
    max_attachment_bytes: int  # MAX_ATTACHMENT_BYTES: the most the files of one reply may weigh together
    attachment_store: AttachmentStore  # ATTACHMENT_STORE_DIR (the container config's first): where reply files go
    keyring: Keyring  # DESTEK_ENCRYPTION_KEYS: notes and mail passwords at rest (see secrets_box)


def load_settings(config: dict | None = None) -> TicketsSettings:
    """The settings from the environment; ``config`` (the container's) may name the attachment store."""
    return TicketsSettings(
        reopen_window_days=env_int("REOPEN_WINDOW_DAYS", REOPEN_WINDOW_DAYS),
        sender_rate_limit=env_int("SENDER_RATE_LIMIT", SENDER_RATE_LIMIT),
        sender_rate_window=timedelta(seconds=env_int("SENDER_RATE_WINDOW_SECONDS", SENDER_RATE_WINDOW_SECONDS)),
        max_attachment_bytes=env_int("MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES),
        attachment_store=AttachmentStore((config or {}).get("ATTACHMENT_STORE_DIR")
                                         or env("ATTACHMENT_STORE_DIR", DEFAULT_DIR)),
        keyring=load_keyring(env("DESTEK_ENCRYPTION_KEYS")),
    )


class Settings(DependencyProvider):
    """``self.settings`` of the service: :class:`TicketsSettings`, loaded in ``setup()``, not at import or per call."""

    def setup(self):
        self.settings = load_settings(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
