"""Delivery reports of bounces: which recipient of which mail could not be reached, and why.

A standard bounce (a DSN, RFC 3464) is a ``multipart/report;
report-type=delivery-status`` whose ``message/delivery-status`` part holds a
block of fields per recipient (``Final-Recipient``, ``Action``, ``Status``,
``Diagnostic-Code``), beside the bounced mail (``message/rfc822``) or its
headers (``text/rfc822-headers``). Mail servers that send no DSN (qmail,
older Exim, many hosted services) write from mailer-daemon or postmaster,
explain in prose and attach the bounced mail or copy it below a marker line;
their reports are read from the prose (``bounce_text``). Either way the
bounced mail's Message-ID comes from its headers, else from the bounce's
In-Reply-To or References.
"""
from __future__ import annotations

import email.parser
import email.utils
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

from .bounce_text import (MAX_DIAGNOSTIC, diagnostic_for, failed_addresses, sounds_delayed, split_at_copy,
                          status_in)
from .mail_charset import clean_text
from .mail_flags import daemon_sender
from .message_ids import message_ids

_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
_ORIGINAL_TYPES = ("message/rfc822", "message/global", "message/global-headers", "text/rfc822-headers")
_REPORTED_ACTIONS = ("failed", "delayed")  # "delivered", "relayed", "expanded" are no failures
_MAX_DEPTH = 5


@dataclass(frozen=True)
class DeliveryReport:
    """One recipient a mail could not be delivered to, or not yet."""

    recipient: str  # lower-cased; "" when the bounce does not say
    action: str  # failed | delayed
    status: str  # RFC 3463 code, e.g. "5.1.1"; "" when the bounce gives none
    diagnostic: str  # the refusing server's words, e.g. "550 5.1.1 <ali@example.org>: User unknown"
    original_message_id: str | None  # the bounced mail's Message-ID, without <>


def find_delivery_reports(msg: Message, *, from_email: str, explanation: str,
                          answered: list[str]) -> list[DeliveryReport]:
    """The failed and delayed recipients a bounce reports; [] for any other mail.

    ``explanation`` is the bounce's readable text; ``answered`` the Message-IDs
    of its In-Reply-To and References, closest first: the bounced mail's when
    its headers did not come back.
    """
    parts = list(_parts(msg))
    original = _original_headers(parts)
    status_text = next((_part_text(p) for p in parts if _content_type(p) in _STATUS_TYPES), None)
    if status_text is not None:
        found = _reports_from_fields(status_text, explanation)
    elif daemon_sender(from_email) is not None:
        explanation, copy = split_at_copy(explanation)
        original = original if original is not None else _headers_of_text(copy)
        if original is None:
            return []  # a note from a postmaster, not a bounce
        found = _reports_from_prose(msg, explanation, original)
    else:
        return []
    original_id = _bounced_message_id(original, answered)
    return [DeliveryReport(recipient, action, status, diagnostic, original_id)
            for recipient, action, status, diagnostic in found]


def _reports_from_fields(status_text: str, explanation: str) -> list[tuple[str, str, str, str]]:
    """From the per-recipient blocks of a message/delivery-status part."""
    found = []
    for fields in _field_blocks(status_text):
        recipient_field = fields.get("final-recipient") or fields.get("original-recipient")
        if recipient_field is None:
            continue  # the per-message block (Reporting-MTA, Arrival-Date)
        recipient = _typed_value(recipient_field).strip("<>").lower()
        status = status_in((fields.get("status") or "").split(" ", 1)[0])
        action = (fields.get("action") or "").split(" ", 1)[0].lower()
        if not action:  # Action is required, yet some servers leave it out: the status class says it
            action = {"5": "failed", "4": "delayed"}.get(status[:1], "")
        if action not in _REPORTED_ACTIONS:
            continue
        diagnostic = _typed_value(fields.get("diagnostic-code") or "") or diagnostic_for(recipient, explanation)
        found.append((recipient, action, status, clean_text(diagnostic[:MAX_DIAGNOSTIC])))
    return found


def _reports_from_prose(msg: Message, explanation: str, original: Message) -> list[tuple[str, str, str, str]]:
    """From a bounce without a report: X-Failed-Recipients (Exim), addresses listed in the text, else the
    bounced mail's recipients."""
    recipients = (_addresses(msg.get_all("X-Failed-Recipients") or []) or failed_addresses(explanation)
                  or _addresses([*(original.get_all("To") or []), *(original.get_all("Cc") or [])]) or [""])
    action = "delayed" if sounds_delayed(explanation) else "failed"
    found = []
    for recipient in recipients:
        diagnostic = diagnostic_for(recipient, explanation)
        found.append((recipient, action, status_in(diagnostic) or status_in(explanation), clean_text(diagnostic)))
    return found


def _bounced_message_id(original: Message | None, answered: list[str]) -> str | None:
    """The Message-ID in the returned headers, else the closest one the bounce answers."""
    returned = message_ids(str(original.get("Message-ID") or "")) if original is not None else []
    return next(iter(returned + answered), None)


def _parts(msg: Message, depth: int = 0) -> Iterator[Message]:
    """The mail and the parts of its multiparts; never inside an attached mail (a forwarded bounce is not one)."""
    yield msg
    if depth >= _MAX_DEPTH or not msg.is_multipart() or _content_type(msg).startswith("message/"):
        return
    for sub in msg.get_payload():
        if isinstance(sub, Message):
            yield from _parts(sub, depth + 1)


def _original_headers(parts: list[Message]) -> Message | None:
    """The headers of the bounced mail, from the first part that brings it back."""
    for part in parts:
        if _content_type(part) not in _ORIGINAL_TYPES:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        headers = _headers_of_text(_part_text(part))
        if headers is not None:
            return headers
    return None


def _headers_of_text(text: str | None) -> Message | None:
    headers = email.parser.Parser(policy=compat32).parsestr(text or "", headersonly=True)
    return headers if headers.keys() else None


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser split message/delivery-status into its field blocks
        return "\n\n".join(sub.as_string() for sub in payload if isinstance(sub, Message))
    data = part.get_payload(decode=True)
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload or "")


def _field_blocks(text: str) -> list[dict[str, str]]:
    """Blank-line separated blocks of "Name: value" fields, names lower-cased, folded lines joined."""
    blocks: list[dict[str, str]] = [{}]
    name = None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if blocks[-1]:
                blocks.append({})
            name = None
        elif line[0] in " \t" and name:
            blocks[-1][name] += " " + line.strip()
        elif ":" in line:
            field, _, value = line.partition(":")
            field = field.strip().lower()
            name = None if field in blocks[-1] else field  # the first of a repeated field counts
            if name:
                blocks[-1][name] = value.strip()
    return [block for block in blocks if block]


def _typed_value(value: str) -> str:
    """The value of a DSN field without its type: "smtp; 550 User unknown" gives "550 User unknown"."""
    kind, separator, rest = value.partition(";")
    return " ".join((rest if separator else kind).split())


def _addresses(values: list) -> list[str]:
    pairs = email.utils.getaddresses([str(value) for value in values])
    return list(dict.fromkeys(address.strip().lower() for _, address in pairs if "@" in address))


def _content_type(part: Message) -> str:
    return (part.get_content_type() or "").lower()
