"""The attachment store: each file once, under its SHA-256, in a directory every service can read.

Layout ``<ATTACHMENT_STORE_DIR>/<sha[:2]>/<sha>`` (default ``var/attachments``),
shared with the tickets service (reply uploads), notify (reads them to mail)
and the gateway (downloads). Ingest writes a mail's files before handing the
mail to tickets, so a committed message never points at a missing file; a
file whose mail is then refused stays unreferenced, which is harmless.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from nameko.extensions import DependencyProvider

from services.shared.config import env

DEFAULT_DIR = "var/attachments"


class AttachmentStore:
    """``store.put(content) -> sha256``; writing the same content again costs one ``stat``."""

    def __init__(self, root: os.PathLike | str):
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Keep ``content`` (written to a temporary file, synced, then renamed: readers see all or nothing)."""
        digest = hashlib.sha256(content).hexdigest()
        path = self.path_of(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())  # on disk before tickets commits the row that points at it
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest


def store_from_config(config: dict | None = None) -> AttachmentStore:
    """The store named by the container config or the environment (``ATTACHMENT_STORE_DIR``)."""
    configured = (config or {}).get("ATTACHMENT_STORE_DIR")
    return AttachmentStore(configured or env("ATTACHMENT_STORE_DIR", DEFAULT_DIR))


class Attachments(DependencyProvider):
    """Injects the service's :class:`AttachmentStore`."""

    def setup(self):
        self.store = store_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.store
