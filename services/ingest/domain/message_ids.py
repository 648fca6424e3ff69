"""Reading Message-IDs out of header values (Message-ID, In-Reply-To, References)."""
from __future__ import annotations

import re

from .mail_charset import clean_text

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str | None) -> list[str]:
    """Ids in <...>, without the brackets, once each in order; bare tokens with an "@" when a mailer
    forgot the brackets."""
    value = clean_text(value or "")
    ids = _MESSAGE_ID.findall(value)
    if not ids:
        ids = [token.strip("<>,;") for token in value.split() if "@" in token]
    return list(dict.fromkeys(i for i in ids if i))
