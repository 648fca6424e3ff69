"""Files an agent attaches to a reply: checked, then kept in the attachment store for notify to mail.

The store is the one ingest keeps inbound files in (``services.shared.attachment_store``). A file is
written before the reply's transaction commits; if that rolls back, the file stays unreferenced, which
content addressing makes harmless.
"""
from __future__ import annotations

import binascii
import base64
import re
from dataclasses import dataclass

from services.shared.attachment_store import AttachmentStore
from services.shared.errors import InvalidInput
from services.tickets.models import Attachment

MAX_FILES = 50
CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def decode_uploads(items, *, max_bytes: int) -> list[Upload]:
    """The attachments of a reply request, decoded; InvalidInput naming ``attachments`` if unusable or
    together over ``max_bytes`` (``MAX_ATTACHMENT_BYTES``: the most one mail may carry, in and out)."""
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_FILES:
        raise InvalidInput(f"attachments must be a list of at most {MAX_FILES} files", "attachments")
    uploads, total, limit = [], 0, max_bytes
    for index, item in enumerate(items):
        upload = _decode_one(index, item)
        total += len(upload.content)
        if total > limit:
            raise InvalidInput(f"attachments may total at most {limit} bytes; these are larger", "attachments")
        uploads.append(upload)
    return uploads


def _decode_one(index: int, item) -> Upload:
    if not isinstance(item, dict) or not isinstance(item.get("content_base64"), str):
        raise InvalidInput(f"attachment {index + 1} needs filename, content_type and content_base64",
                           "attachments")
    filename = _safe_filename(item.get("filename"))
    if not filename:
        raise InvalidInput(f"attachment {index + 1} needs a file name", "attachments")
    # Parameters such as a charset are dropped: the file is mailed as the bytes it is.
    content_type = str(item.get("content_type") or "application/octet-stream").split(";")[0].strip().lower()
    if not CONTENT_TYPE_RE.match(content_type):
        raise InvalidInput(f"attachment {filename!r} has an invalid content_type", "attachments")
    try:
        content = base64.b64decode("".join(item["content_base64"].split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"attachment {filename!r} is not valid base64", "attachments") from None
    return Upload(filename, content_type, content)


def _safe_filename(name) -> str:
    # A name is shown and mailed, never used as a path: drop directories and control characters.
    name = re.split(r"[\\/]", str(name or ""))[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


def store_uploads(uploads: list[Upload], store: AttachmentStore) -> list[dict]:
    """Keep each file in the store; returns ``[{"filename", "content_type", "size", "sha256"}]``."""
    return [{"filename": u.filename, "content_type": u.content_type, "size": len(u.content),
             "sha256": store.put(u.content)} for u in uploads]


def attachment_rows(stored: list[dict]) -> list[Attachment]:
    """The thread's record of a reply's files, listed and downloadable like inbound ones."""
    return [Attachment(sha256=item["sha256"], filename=item["filename"], content_type=item["content_type"],
                       size=item["size"], inline=False) for item in stored]
