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
    local_part = from_email.split("@", 1)[0].lower() if "@" in from_email else ""
    if local_part in _DAEMON_LOCAL_PARTS:
        return _DAEMON_LOCAL_PARTS[local_part]
    if content_type.lower() == "multipart/report":
        return "multipart/report"
    return None
