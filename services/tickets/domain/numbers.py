"""Ticket tracking numbers (``2026-001234``) and the subjects that carry them."""
from __future__ import annotations

import re

TRACKING_RE = re.compile(r"\[#\s*(\d{4}-\d{6,9})\s*\]")
NUMBER_RE = re.compile(r"#?(\d{4})-(\d{6,9})")
REPLY_PREFIX_RE = re.compile(r"^\s*((re|ynt|yanıt|aw|sv)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def format_ticket_number(year: int, seq: int) -> str:
    """``(2026, 1234)`` → ``"2026-001234"``; past 999999 the number widens, it never wraps."""
    return f"{year:04d}-{seq:06d}"


def parse_ticket_number(text: str) -> tuple[int, int] | None:
    """``"#2026-001234"`` → ``(2026, 1234)``; None if it is not a tracking number."""
    match = NUMBER_RE.fullmatch((text or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def tag_subject(subject: str, number: str) -> str:
    """Add ``[#number]`` to a subject once."""
    subject = (subject or "").strip()
    if f"[#{number}]" in subject:
        return subject
    return f"{subject} [#{number}]".strip()


def reply_subject(subject: str, number: str) -> str:
    """The subject of a reply: one ``Re:`` and the tracking tag, whatever the customer's client added."""
    bare = REPLY_PREFIX_RE.sub("", subject or "").strip()
    return "Re: " + tag_subject(bare, number)
