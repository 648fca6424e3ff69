"""Reading outgoing attachments from the attachment store, where the tickets service put them.

The store is a directory (``ATTACHMENT_STORE_DIR``, default ``var/attachments``)
holding each file once under its SHA-256: ``<dir>/<sha[:2]>/<sha>``, the same
layout ingest uses for inbound attachments.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from services.shared.config import env


class MissingAttachment(Exception):
    """A file the reply lists is not (or not intact) in the store; worth retrying later."""


def store_dir() -> Path:
    return Path(env("ATTACHMENT_STORE_DIR", "var/attachments"))


def read_attachments(metadata: list[dict]) -> list[tuple[dict, bytes]]:
    """Each listed attachment with its content, checked against its hash."""
    return [(meta, read_one(meta["sha256"])) for meta in metadata or []]


def read_one(sha256: str) -> bytes:
    """The stored content of one hash; raises MissingAttachment if absent or altered."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise MissingAttachment(f"not a SHA-256: {sha256!r}")
    path = store_dir() / sha256[:2] / sha256
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise MissingAttachment(f"attachment {sha256} is not in the store at {store_dir()}") from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise MissingAttachment(f"attachment {sha256} in the store does not match its hash")
    return content
