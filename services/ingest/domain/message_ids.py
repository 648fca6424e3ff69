"""Reading Message-IDs out of header values (Message-ID, In-Reply-To, References)."""
from __future__ import annotations

import hashlib
import re

from .mail_charset import clean_text

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# Real Message-IDs are well under this; a longer one would not fit the database's indexes, which
# hold a whole id (up to about 2,700 bytes). RFC 5322 caps a line at 998 characters anyway.
MAX_LENGTH = 500


def message_ids(value: str | None) -> list[str]:
    """Ids in <...>, without the brackets, once each in order; bare tokens with an "@" when a mailer
    forgot the brackets."""
    value = clean_text(value or "")
    ids = _MESSAGE_ID.findall(value)
    if not ids:
        ids = [token.strip("<>,;") for token in value.split() if "@" in token]
    return list(dict.fromkeys(_storable(i) for i in ids if i))


def _storable(message_id: str) -> str:
    """An over-long id becomes a short one derived from it: the same wherever it appears (Message-ID,
    In-Reply-To, References), so a reply to such a mail still finds it."""
    if len(message_id) <= MAX_LENGTH:
        return message_id
    return f"long-{hashlib.sha256(message_id.encode('utf-8', 'surrogateescape')).hexdigest()}@destek.invalid"
