"""Rules for a department's mailbox settings: what a valid IMAP or SMTP section is.

A change is partial: a field left out keeps its value, and a password is
changed only when one is sent (``null`` or ``""`` clears it). The result is
checked as a whole: an enabled IMAP mailbox needs a host, a user and a
password; an SMTP section needs a host.
"""
from __future__ import annotations

import re

from services.shared.errors import InvalidInput

SECURITY = ("none", "starttls", "tls")
DEFAULT_PORTS = {"imap": {"tls": 993, "starttls": 143, "none": 143},
                 "smtp": {"tls": 465, "starttls": 587, "none": 25}}
IMAP_FIELDS = ("enabled", "host", "port", "security", "user", "password", "folder", "move_to")
SMTP_FIELDS = ("host", "port", "security", "username", "password")
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,253}$")


def merge_imap(current: dict, changes: dict) -> dict:
    """The IMAP section after ``changes``; ``"password"`` is in the result only when it changes."""
    _only_known("imap", changes, IMAP_FIELDS)
    merged = {**current, **{k: v for k, v in changes.items() if k != "password"}}
    merged["enabled"] = _boolean("imap.enabled", merged.get("enabled", False))
    merged["security"] = _security("imap", merged.get("security") or "tls")
    merged["host"] = _host("imap.host", merged.get("host"))
    merged["port"] = _port("imap", merged.get("port"), merged["security"])
    merged["user"] = _text("imap.user", merged.get("user"))
    merged["folder"] = _text("imap.folder", merged.get("folder")) or "INBOX"
    merged["move_to"] = _text("imap.move_to", merged.get("move_to"))
    password_set = _apply_password("imap", changes, merged, current.get("password_set", False))
    if merged["enabled"]:
        for name, present in (("host", merged["host"]), ("user", merged["user"]), ("password", password_set)):
            if not present:
                raise InvalidInput(f"an enabled mailbox needs imap.{name}", f"imap.{name}")
    if merged["move_to"] and merged["move_to"] == merged["folder"]:
        raise InvalidInput("imported mail cannot be moved to the folder it is read from", "imap.move_to")
    return merged


def merge_smtp(current: dict, changes: dict) -> dict:
    """The SMTP section after ``changes``; ``"password"`` is in the result only when it changes."""
    _only_known("smtp", changes, SMTP_FIELDS)
    merged = {**current, **{k: v for k, v in changes.items() if k != "password"}}
    merged["security"] = _security("smtp", merged.get("security") or "starttls")
    merged["host"] = _host("smtp.host", merged.get("host"))
    if not merged["host"]:
        raise InvalidInput("an SMTP section needs smtp.host (send null to remove the section)", "smtp.host")
    merged["port"] = _port("smtp", merged.get("port"), merged["security"])
    merged["username"] = _text("smtp.username", merged.get("username"))
    _apply_password("smtp", changes, merged, current.get("password_set", False))
    return merged


def _apply_password(kind: str, changes: dict, merged: dict, was_set: bool) -> bool:
    merged.pop("password", None)
    merged.pop("password_set", None)
    if "password" not in changes:
        return was_set
    password = changes["password"]
    if password is not None and not isinstance(password, str):
        raise InvalidInput(f"{kind}.password must be a string or null", f"{kind}.password")
    merged["password"] = password or None
    return bool(password)


def _only_known(kind: str, changes: dict, allowed: tuple[str, ...]) -> None:
    if not isinstance(changes, dict):
        raise InvalidInput(f"{kind} must be an object or null", kind)
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInput(f"{kind} has no setting {unknown[0]!r}; known: {', '.join(allowed)}",
                           f"{kind}.{unknown[0]}")


def _boolean(field: str, value) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", field)
    return value


def _security(kind: str, value) -> str:
    if value not in SECURITY:
        raise InvalidInput(f"{kind}.security must be one of {', '.join(SECURITY)}", f"{kind}.security")
    return value


def _host(field: str, value) -> str | None:
    value = _text(field, value)
    if value is not None and not _HOST.match(value):
        raise InvalidInput(f"{field} must be a host name or an IP address", field)
    return value


def _port(kind: str, value, security: str) -> int:
    if value is None or value == "":
        return DEFAULT_PORTS[kind][security]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput(f"{kind}.port must be a whole number from 1 to 65535", f"{kind}.port")
    return value


def _text(field: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field)
    return value.strip() or None
