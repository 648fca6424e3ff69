"""Turning raw RFC 5322 bytes into a ParsedMail, whatever state the mail is in."""
from __future__ import annotations

import email
import email.parser
import email.utils
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.message import Message
from email.policy import compat32

from services.shared.contracts.tickets import tracking_number_in

from .delivery_reports import DeliveryReport, find_delivery_reports
from .mail_charset import clean_text, decode_header_text, decode_raw_header
from .mail_flags import auto_submitted_reason
from .mail_html import html_to_text, sanitize_html
from .mail_parts import Attachment, Collected, SkippedAttachment, collect_parts, limit_attachments
from .mail_quotes import split_reply
from .message_ids import message_ids

__all__ = [
    "Attachment", "SkippedAttachment", "DeliveryReport", "ParsedMail", "parse_email",
]


@dataclass(frozen=True)
class ParsedMail:
    """Everything the ingest service needs from one mail; strings are PostgreSQL-safe."""

    message_id: str  # without <>; "derived-<sha256[:32]>@destek.invalid" when missing
    message_id_derived: bool
    in_reply_to: list[str]  # message ids without <>
    references: list[str]  # message ids without <>, in header order
    subject: str  # RFC 2047 decoded, whitespace collapsed, "" if missing
    from_name: str
    from_email: str  # lower-cased, "" if unparseable
    reply_to: str  # the Reply-To address, "" without one
    to: list[str]
    cc: list[str]
    delivered_to: list[str]  # Delivered-To and X-Original-To
    date: datetime | None  # timezone-aware (UTC when the header had no zone)
    body_text: str  # from text/plain, else derived from the HTML
    body_html: str | None  # sanitised; remote images moved to data-remote-src
    reply_text: str  # body_text without the quoted history
    quoted_text: str  # the quoted history, kept
    attachments: list[Attachment]
    skipped_attachments: list[SkippedAttachment]  # over the size limit, never dropped silently
    is_auto_submitted: bool  # auto-reply / bounce / bulk: never answer automatically
    auto_reason: str | None
    delivery_reports: list[DeliveryReport]  # a bounce's failed or delayed recipients; [] for other mail
    tracking_number: str | None  # "2026-001234" from "[#2026-001234]" in the subject
    parse_notes: list[str]  # what reading the mail had to guess: charset fallbacks, unparseable MIME
    size: int  # len(raw)


_FORWARD_DEPTH = 5
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Outlook .msg file (a compound document)


def parse_email(raw: bytes, *, max_total_attachment_bytes: int = 25 * 1024 * 1024) -> ParsedMail:
    """Parse raw mail; never raises, even for b"" or garbage: worst case, what could be read."""
    raw = _safe(lambda: bytes(raw), b"")
    if raw.startswith(_OLE2_SIGNATURE):
        return _outlook_file(raw, max_total_attachment_bytes)
    try:
        return _parse(raw, max_total_attachment_bytes)
    except Exception:  # last line of defence: a mail must never stop the ingest loop
        return _empty(raw, ["the mail could not be parsed at all"])


def _parse(raw: bytes, max_total: int) -> ParsedMail:
    notes: list[str] = []
    msg = _load(raw, notes)
    headers = _Headers(msg, notes)
    found = _safe(lambda: collect_parts(msg, notes), None) or Collected()
    body_text, body_html = _bodies(found, notes)
    reply_text, quoted_text = _safe(lambda: split_reply(body_text), (body_text, ""))
    attachments, skipped = limit_attachments(found.attachments, max_total)
    message_id, derived = _message_id(headers.text("Message-ID"), raw)
    in_reply_to = message_ids(headers.text("In-Reply-To"))
    references = message_ids(" ".join(headers.all_text("References")))
    from_name, from_email = _sender(headers, notes)
    subject = " ".join((headers.text("Subject") or "").split())
    content_type = _safe(msg.get_content_type, "") or ""
    reports = _safe(lambda: find_delivery_reports(msg, from_email=from_email, explanation=body_text,
                                                  answered=[*in_reply_to, *reversed(references)]), [])
    reason = _safe(lambda: auto_submitted_reason(headers.text, content_type, from_email), None)
    reason = reason or ("delivery report" if reports else None)  # a bounce is never answered
    return ParsedMail(
        message_id=message_id,
        message_id_derived=derived,
        in_reply_to=in_reply_to,
        references=references,
        subject=clean_text(subject),
        from_name=from_name,
        from_email=from_email,
        reply_to=next((a for _, a in _addresses(headers, ["Reply-To"], notes) if a), ""),
        to=_unique(a for _, a in _addresses(headers, ["To"], notes)),
        cc=_unique(a for _, a in _addresses(headers, ["Cc"], notes)),
        delivered_to=_unique(
            a for _, a in _addresses(headers, ["Delivered-To", "X-Original-To"], notes)),
        date=_parse_date(headers.text("Date")),
        body_text=body_text,
        body_html=body_html,
        reply_text=reply_text,
        quoted_text=quoted_text,
        attachments=attachments,
        skipped_attachments=skipped,
        is_auto_submitted=reason is not None,
        auto_reason=reason,
        delivery_reports=reports,
        tracking_number=tracking_number_in(subject),
        parse_notes=[clean_text(note) for note in _unique(notes)],
        size=len(raw),
    )


def _empty(raw: bytes, notes: list[str]) -> ParsedMail:
    message_id, derived = _message_id(None, raw)
    return ParsedMail(
        message_id, derived, [], [], "", "", "", "", [], [], [], None, "", None, "", "",
        [], [], False, None, [], None, notes, len(raw),
    )


def _outlook_file(raw: bytes, max_total: int) -> ParsedMail:
    """An Outlook .msg file sent as if it were mail: no headers or text to read, so the file is kept whole."""
    kept, skipped = limit_attachments(
        [Attachment("message.msg", "application/vnd.ms-outlook", raw, None, False)], max_total)
    return replace(_empty(raw, ["an Outlook .msg file, not an internet mail: kept whole as message.msg"]),
                   attachments=kept, skipped_attachments=skipped)


def _load(raw: bytes, notes: list[str]) -> Message:
    """Full MIME parse; if even compat32 chokes (deep nesting), headers only."""
    msg = _safe(lambda: email.message_from_bytes(raw, policy=compat32), None)
    if msg is not None:
        return msg
    notes.append("the MIME structure could not be parsed; the body is shown raw")
    headers_only = email.parser.BytesHeaderParser(policy=compat32)
    return _safe(lambda: headers_only.parsebytes(raw), None) or Message()


class _Headers:
    """Raw header values, decoded on demand so one bad header spoils nothing else."""

    def __init__(self, msg: Message, notes: list[str]) -> None:
        self._notes = notes
        self._values: dict[str, list[str]] = {}
        for name, value in _safe(lambda: list(msg.raw_items()), []):
            # Unfold: a line break followed by whitespace is not content.
            value = re.sub(r"\r?\n(?=[ \t])", "", str(value)).replace("\r", "").replace("\n", " ")
            self._values.setdefault(str(name).strip().lower(), []).append(value.strip())

    def raw(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])

    def text(self, name: str) -> str | None:
        values = self.raw(name)
        return self._decode(name, values[0]) if values else None

    def all_text(self, name: str) -> list[str]:
        return [self._decode(name, value) for value in self.raw(name)]

    def _decode(self, name: str, value: str) -> str:
        value = _safe(lambda: decode_raw_header(value, self._notes, f"{name} header"), value)
        return _safe(lambda: decode_header_text(value, self._notes, f"{name} header"), value)


def _addresses(headers: _Headers, names: list[str], notes: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased address or "") pairs from address headers."""
    values = [decode_raw_header(v, notes, f"{n} header") for n in names for v in headers.raw(n)]
    pairs = _safe(lambda: email.utils.getaddresses(values), [])
    result = []
    for display, address in pairs:
        # Decode names after splitting: a decoded comma would split the list.
        name = " ".join(_safe(lambda: decode_header_text(display, notes), display).split())
        address = address.strip().strip("<>").lower()
        if "@" not in address or any(ch.isspace() for ch in address):
            address = ""
        result.append((clean_text(name), clean_text(address)))
    return result


def _sender(headers: _Headers, notes: list[str]) -> tuple[str, str]:
    pairs = _addresses(headers, ["From"], notes)
    for name, address in pairs:
        if address:
            return name, address
    return (pairs[0][0] if pairs else ""), ""


def _message_id(value: str | None, raw: bytes) -> tuple[str, bool]:
    ids = message_ids(value)
    if ids:
        return ids[0], False
    # Stable across re-deliveries of the same bytes, so de-duplication still works.
    return f"derived-{hashlib.sha256(raw).hexdigest()[:32]}@destek.invalid", True


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = _safe(lambda: email.utils.parsedate_to_datetime(value), None)
    if parsed is None:
        return None
    # No zone in the header (or "-0000"): RFC 5322 says assume UTC.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _bodies(found: Collected, notes: list[str]) -> tuple[str, str | None]:
    """Plain text (from text/plain, else HTML) and sanitised HTML."""
    plain, html = found.plain, found.html
    forwarded, depth = list(found.forwarded), 0
    # A mail that is only a forward still has something to read: the forward.
    while not any(t.strip() for t in plain + html) and forwarded and depth < _FORWARD_DEPTH:
        inner = _safe(lambda: collect_parts(forwarded.pop(0), notes), None) or Collected()
        plain, html, depth = inner.plain, inner.html, depth + 1
        forwarded = inner.forwarded + forwarded
    html_source = "\n".join(html)
    text = "\n\n".join(t.strip("\r\n") for t in plain if t.strip())
    if not text.strip() and html_source:
        text = _safe(lambda: html_to_text(html_source), "")
    if not text.strip():
        text = "\n\n".join(t.strip("\r\n") for t in found.inline_texts if t.strip())
    body_html = _safe(lambda: sanitize_html(html_source), "") if html else None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body_text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return clean_text(body_text), (clean_text(body_html).strip() if body_html is not None else None)


def _unique(items) -> list:
    seen: dict = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _safe(function, default):
    """Call function(); any malformed input degrades to default instead of raising."""
    try:
        return function()
    except Exception:
        return default
