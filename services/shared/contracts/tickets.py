"""The published language between services: what any service may rely on about tickets.

Tickets owns these rules; ingest, notify, sla, reports and the gateway read
them from here instead of writing their own copy: the tracking number
(``2026-001234``, tagged ``[#2026-001234]`` in subjects) and the status
vocabulary. Plain values and functions only, no I/O.
"""
from __future__ import annotations

import re

# --- Tracking numbers -------------------------------------------------------------------------------

MIN_DIGITS = 6
MAX_SEQUENCE = 999_999_999  # the widest number parse_tracking_number still reads back
# A number as people type it, with or without its hash: "#2026-001234", "# 2026-001234".
TRACKING_NUMBER_RE = re.compile(r"#?\s*(\d{4})-(\d{6,9})")
# "[#2026-001234]" as we write it in subjects, tolerating the spaces some clients insert when re-wrapping.
TRACKING_TAG_RE = re.compile(r"\[#\s*(\d{4}-\d{6,9})\s*\]")


def format_tracking_number(year: int, seq: int) -> str:
    """``(2026, 1234)`` → ``"2026-001234"``; past 999999 the number widens, it never wraps."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"a ticket number's year has four digits, not {year!r}")
    if not 0 <= seq <= MAX_SEQUENCE:
        raise ValueError(f"a ticket number's sequence is 0 to {MAX_SEQUENCE}, not {seq!r}")
    return f"{year:04d}-{seq:0{MIN_DIGITS}d}"


def parse_tracking_number(text: str | None) -> tuple[int, int] | None:
    """``"#2026-001234"`` → ``(2026, 1234)``; None if the whole text is not a tracking number."""
    match = TRACKING_NUMBER_RE.fullmatch((text or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def read_tracking_number(text: str | None) -> str | None:
    """A typed number in its one written form: ``" #2026-001234 "`` → ``"2026-001234"``; else None."""
    parsed = parse_tracking_number(text) if isinstance(text, str) else None
    if parsed is None or parsed[0] < 1000:
        return None
    return format_tracking_number(*parsed)


def tracking_number_in(text: str | None) -> str | None:
    """The first ``[#2026-001234]`` tag of a subject (or any text), as ``"2026-001234"``; None without one."""
    match = TRACKING_TAG_RE.search(text or "")
    return match.group(1) if match else None


def tracking_tag(number: str) -> str:
    """``"2026-001234"`` → ``"[#2026-001234]"``, the tag subjects carry so that answers find their ticket."""
    return f"[#{number}]"


# --- Ticket statuses --------------------------------------------------------------------------------

STATUSES = ("new", "open", "in_progress", "pending", "on_hold", "resolved", "closed")
# Still being worked on: counted as open tickets, listed by default, their SLA clocks run.
OPEN_STATUSES = ("new", "open", "in_progress", "pending", "on_hold")
# Done: ``resolved`` (a customer's answer reopens it) and ``closed`` (the archive).
RESOLVED = "resolved"
FINISHED_STATUSES = (RESOLVED, "closed")
# Waiting on the customer: the SLA clock pauses. (``on_hold`` waits on a third party and does not.)
WAITING_ON_CUSTOMER = "pending"
