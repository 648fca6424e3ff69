"""Ticket tracking numbers (``2026-001234``) and the subjects that carry them."""
from __future__ import annotations

import re

MIN_DIGITS = 6
MAX_SEQUENCE = 999_999_999  # the widest number parse_ticket_number still reads back

# "[#2026-001234]" as we write it, tolerating the spaces some clients insert when re-wrapping subjects.
TRACKING_RE = re.compile(r"\[#\s*(\d{4}-\d{6,9})\s*\]")
NUMBER_RE = re.compile(r"#?\s*(\d{4})-(\d{6,9})")
# Reply prefixes only, never forwards: Outlook in Turkish writes "YNT:", some Turkish webmails "Cvp:",
# German "AW:", Nordic "SV:", Dutch "Antw:"; counters like "Re[2]:" come from old clients.
REPLY_PREFIX_RE = re.compile(r"^\s*((re|ynt|yanıt|cvp|aw|sv|antw)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")


def format_ticket_number(year: int, seq: int) -> str:
    """``(2026, 1234)`` → ``"2026-001234"``; past 999999 the number widens, it never wraps."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"a ticket number's year has four digits, not {year!r}")
    if not 0 <= seq <= MAX_SEQUENCE:
        raise ValueError(f"a ticket number's sequence is 0 to {MAX_SEQUENCE}, not {seq!r}")
    return f"{year:04d}-{seq:0{MIN_DIGITS}d}"


def parse_ticket_number(text: str) -> tuple[int, int] | None:
    """``"#2026-001234"`` → ``(2026, 1234)``; None if it is not a tracking number."""
    match = NUMBER_RE.fullmatch((text or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def tracking_number_in(subject: str) -> str | None:
    """The first ``[#2026-001234]`` tag of a subject, as ``"2026-001234"``; None without one."""
    match = TRACKING_RE.search(subject or "")
    return match.group(1) if match else None


def tag_subject(subject: str, number: str) -> str:
    """Add ``[#number]`` to a subject once, however the subject already spells the tag."""
    # Collapsing every whitespace run also keeps CR/LF out of the header this subject goes into.
    subject = _SPACES_RE.sub(" ", subject or "").strip()
    if any(found == number for found in TRACKING_RE.findall(subject)):
        return subject
    return f"{subject} [#{number}]".strip()


def reply_subject(subject: str, number: str) -> str:
    """The subject of a reply: one ``Re:`` and the tracking tag, whatever the customer's client added."""
    bare = REPLY_PREFIX_RE.sub("", _SPACES_RE.sub(" ", subject or "")).strip()
    return "Re: " + tag_subject(bare, number)
