"""The subjects that carry tracking numbers back and forth with customers.

The number itself (its format, reading it, finding its ``[#...]`` tag) is
published language: :mod:`services.shared.contracts.tickets`.
"""
from __future__ import annotations

import re

from services.shared.contracts.tickets import TRACKING_TAG_RE, tracking_tag

# Reply prefixes only, never forwards: Outlook in Turkish writes "YNT:", some Turkish webmails "Cvp:",
# German "AW:", Nordic "SV:", Dutch "Antw:"; counters like "Re[2]:" come from old clients.
REPLY_PREFIX_RE = re.compile(r"^\s*((re|ynt|yanıt|cvp|aw|sv|antw)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")


def tag_subject(subject: str, number: str) -> str:
    """Add ``[#number]`` to a subject once, however the subject already spells the tag."""
    # Collapsing every whitespace run also keeps CR/LF out of the header this subject goes into.
    subject = _SPACES_RE.sub(" ", subject or "").strip()
    if any(found == number for found in TRACKING_TAG_RE.findall(subject)):
        return subject
    return f"{subject} {tracking_tag(number)}".strip()


def reply_subject(subject: str, number: str) -> str:
    """The subject of a reply: one ``Re:`` and the tracking tag, whatever the customer's client added."""
    bare = REPLY_PREFIX_RE.sub("", _SPACES_RE.sub(" ", subject or "")).strip()
    return "Re: " + tag_subject(bare, number)
