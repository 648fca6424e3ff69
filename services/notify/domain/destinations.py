"""Where a delivery goes and how a destination's failures pace its retries: pure rules, no bus or database.

A destination is what one failure takes down for every delivery behind it:
today a department's SMTP server (``smtp:department:7``, or ``smtp:default``
for mail without a department), later a WhatsApp number
(``whatsapp:+905551234567``) or a webhook URL (``webhook:https://...``).
Each destination backs off on its own, so a broken one delays nobody else.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


def smtp_destination(department_id: int | None) -> str:
    """The destination key of mail sent through a department's SMTP server."""
    return "smtp:default" if department_id is None else f"smtp:department:{department_id}"


def channel_of(destination: str) -> str:
    """``smtp``, ``whatsapp``, ``webhook``: the part of the key before the first colon."""
    return destination.partition(":")[0]


def backoff(first: timedelta, failures: int, cap: timedelta) -> timedelta:
    """The wait after ``failures`` failures in a row: doubling from ``first``, never over ``cap``."""
    return min(first * (2 ** max(failures - 1, 0)), cap)


@dataclass(frozen=True)
class RoundResult:
    """What one round of attempts at a destination came to."""
    sent: int = 0
    refused: int = 0  # answered 5xx: the server works, the mail will never go
    deferred: int = 0  # answered 4xx for this mail
    connection_failed: bool = False  # no conversation, or it broke off: unreachable, login refused, no settings


def destination_failed(result: RoundResult, *, was_failing: bool) -> bool | None:
    """Whether the round says the destination is failing (True), working (False) or nothing (None).

    A server that would not talk is failing. One that answered 4xx to every
    mail it was offered and sent none is failing too when it was offered more
    than one, or was failing already (its probe was deferred): a single mail
    deferred (a full mailbox) says nothing about the server.
    """
    if result.connection_failed:
        return True
    if result.sent or result.refused:
        return False
    if result.deferred:
        return True if (result.deferred > 1 or was_failing) else None
    return None
