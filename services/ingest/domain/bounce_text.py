"""Reading a bounce's explanation in prose: which recipients failed, with what status, and why.

Bounces without a machine-readable report (qmail, Exim without DSN, many
hosted services) say it in a few recurring shapes::

    <ali@example.org>:                                        (qmail)
    Sorry, no mailbox here by that name. (#5.1.1)

      ali@example.org                                         (Exim)
        SMTP error from remote mail server after RCPT TO:<ali@example.org>:
        host mx.example.org [192.0.2.1]: 550 5.1.1 User unknown

    <ali@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown   (Postfix)

and often copy the bounced mail below a marker line instead of attaching it.
"""
from __future__ import annotations

import re

from .mail_flags import daemon_sender

_COPY_MARKER = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:below this line is a copy of the message|this is a copy of the message"
    r"|original message follows|unsent message below)[^\n]*$", re.IGNORECASE | re.MULTILINE)
# An address opening a line, bracketed or not, maybe followed by ":": how bounces list failed recipients.
_RECIPIENT_LINE = re.compile(r"^[ \t]*<?([^\s<>\"@:;,()]+@[^\s<>\"@:;,()]+?)>?:?(?=\s|$)", re.MULTILINE)
# RFC 3463 codes ("5.1.1"), not the middle of an IP address or version number.
_ENHANCED_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_SMTP_REPLY = re.compile(r"(?<![\d.])([45])\d\d(?![\d.])")
_DELAY_PHRASES = ("not yet been delivered", "has been delayed", "delivery is delayed", "will continue trying",
                  "still trying", "delivery attempts will continue")
MAX_DIAGNOSTIC = 1000


def split_at_copy(text: str) -> tuple[str, str | None]:
    """The explanation, and the copy of the bounced mail below its marker line (None without one)."""
    match = _COPY_MARKER.search(text)
    if match is None:
        return text, None
    return text[:match.start()], text[match.end():].lstrip("\r\n")


def failed_addresses(explanation: str) -> list[str]:
    """Addresses opening a line of the explanation, lower-cased, once each; mail servers' own left out."""
    found = (match.group(1).rstrip(".").lower() for match in _RECIPIENT_LINE.finditer(explanation))
    return list(dict.fromkeys(address for address in found if daemon_sender(address) is None))


def diagnostic_for(address: str, explanation: str) -> str:
    """The paragraph of the explanation that first names the address, on one line, without the address."""
    lines = explanation.splitlines()
    for start, line in enumerate(lines):
        if address and address in line.lower():
            paragraph = [line]
            for following in lines[start + 1:]:
                if not following.strip():
                    break
                paragraph.append(following)
            text = " ".join(" ".join(paragraph).split())
            text = re.sub(rf"^<?{re.escape(address)}>?:?\s*", "", text, flags=re.IGNORECASE)
            return text[:MAX_DIAGNOSTIC]
    return ""


def status_in(text: str) -> str:
    """The first RFC 3463 status code in the text; "5.0.0" from a bare SMTP reply code 5xx; else ""."""
    enhanced = _ENHANCED_STATUS.search(text)
    if enhanced:
        return enhanced.group(1)
    reply = _SMTP_REPLY.search(text)
    return f"{reply.group(1)}.0.0" if reply else ""


def sounds_delayed(explanation: str) -> bool:
    """True when the explanation says the server is still trying (a warning, not a failure)."""
    text = " ".join(explanation.lower().split())
    return any(phrase in text for phrase in _DELAY_PHRASES)
