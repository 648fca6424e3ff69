"""Ingest's handle on the shared attachment store (``services.shared.attachment_store``)."""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.shared.attachment_store import attachment_store


class Attachments(DependencyProvider):
    """Injects the service's :class:`~services.shared.attachment_store.AttachmentStore`."""

    def setup(self):
        self.store = attachment_store(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.store
