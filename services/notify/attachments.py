"""Reading outgoing attachments from the attachment store (``services.shared.attachment_store``),
where the tickets service put them."""
from __future__ import annotations

import hashlib

from services.shared.attachment_store import attachment_store
from services.shared.contracts.events import StoredAttachment


class MissingAttachment(Exception):
    """A file the reply lists is not (or not intact) in the store; worth retrying later."""


def read_attachments(metadata: tuple[StoredAttachment, ...]) -> list[tuple[StoredAttachment, bytes]]:
    """Each listed attachment with its content, checked against its hash."""
    return [(meta, read_one(meta.sha256)) for meta in metadata]


def read_one(sha256: str) -> bytes:
    """The stored content of one hash; raises MissingAttachment if absent or altered."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise MissingAttachment(f"not a SHA-256: {sha256!r}")
    store = attachment_store()
    try:
        content = store.path_of(sha256).read_bytes()
    except FileNotFoundError:
        raise MissingAttachment(f"attachment {sha256} is not in the store at {store.root}") from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise MissingAttachment(f"attachment {sha256} in the store does not match its hash")
    return content
