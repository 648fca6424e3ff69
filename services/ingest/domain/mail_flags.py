"""Detection of mail that must never get an automatic answer (RFC 3834)."""
from __future__ import annotations

from typing import Callable

# Presence alone marks these: vacation responders and mailing-list software.
_PRESENCE_HEADERS = (
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "List-Id",
    "List-Unsubscribe",
)
_BULK_PRECEDENCE = {"bulk", "junk", "list"}
_DAEMON_LOCAL_PARTS = {"mailer-daemon": "mailer-daemon", "postmaster": "postmaster"}


def auto_submitted_reason(
    header: Callable[[str], str | None], content_type: str, from_email: str
) -> str | None:
    """Why this mail is automatic (auto-reply, bounce, bulk), or None for a person."""
    auto_submitted = (header("Auto-Submitted") or "").strip()
    # RFC 3834: only "no" means a human sent it; parameters may follow ";".
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (header("Precedence") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _PRESENCE_HEADERS:
        if header(name) is not None:
            return name
    return_path = header("Return-Path")
    # A null reverse-path is how bounces and other notifications are sent.
    if return_path is not None and return_path.replace(" ", "") in ("<>", ""):
        return "empty Return-Path"
    daemon = daemon_sender(from_email)
    if daemon is not None:
        return daemon
    if content_type.lower() == "multipart/report":
        return "multipart/report"
    return None


def daemon_sender(address: str) -> str | None:
    """The mail server's role ("mailer-daemon", "postmaster") when the address is its own, else None."""
    local_part = address.split("@", 1)[0].lower() if "@" in address else ""
    return _DAEMON_LOCAL_PARTS.get(local_part)
