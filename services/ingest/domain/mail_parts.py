"""Walking the MIME tree: body texts, attachments and forwarded messages."""
from __future__ import annotations

import email
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32

from .mail_charset import clean_text, decode_bytes, decode_header_text, decode_raw_header
from .mail_html import html_to_text

_MAX_DEPTH = 30  # deeper nesting is an attack or a loop, not a real mail
_BODY_TYPES = ("text/plain", "text/html")
_MAX_FILENAME = 200
_HEADER_LINE = re.compile(r"[!-9;-~]+:")  # a header field name and its colon (RFC 5322 ftext)


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded, no path separators; "attachment-N.ext" fallback
    content_type: str  # lower-case, e.g. "image/png"
    content: bytes
    content_id: str | None  # without <>
    inline: bool  # has a Content-ID and is not Content-Disposition: attachment


@dataclass(frozen=True)
class SkippedAttachment:
    filename: str
    content_type: str
    size: int  # bytes of the decoded content
    reason: str  # e.g. "larger than the 25 MB limit"


@dataclass
class Collected:
    """What a walk over the MIME tree found, in document order."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: list[Message] = field(default_factory=list)
    # Text shown inline but carrying a filename: body of last resort.
    inline_texts: list[str] = field(default_factory=list)

    def add_attachment(self, filename: str, ctype: str, content: bytes,
                       content_id: str | None, inline: bool) -> None:
        name = _safe_filename(filename, ctype, len(self.attachments) + 1)
        taken = {attachment.filename for attachment in self.attachments}
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        counter = 2
        while name in taken:  # "forwarded-message-2.eml": keep every file reachable
            name = f"{stem}-{counter}{dot}{ext}"
            counter += 1
        self.attachments.append(Attachment(name, ctype, content, content_id, inline))


def collect_parts(
    msg: Message, notes: list[str], depth: int = 0, found: Collected | None = None
) -> Collected:
    """Sort every leaf part of msg into body text, HTML or attachment."""
    found = found if found is not None else Collected()
    if depth > _MAX_DEPTH:
        notes.append("MIME nesting deeper than 30 levels; the rest was ignored")
        return found
    ctype = _content_type(msg)
    payload = _safe(msg.get_payload, "")
    try:
        if isinstance(payload, list) and ctype.startswith("message/"):
            _add_message_part(msg, ctype, payload, notes, found)
        elif isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    collect_parts(sub, notes, depth + 1, found)
            _collect_parts_after_the_end(msg, notes, depth, found)
        elif not (ctype.startswith("multipart/") and _collect_by_the_boundary_used(msg, ctype, notes, depth, found)):
            # multipart without a usable boundary: the payload is all we have
            _add_leaf(msg, "text/plain" if ctype.startswith("multipart/") else ctype, notes, found)
    except Exception as error:  # one broken part must not cost the others
        notes.append(f"a {ctype} part could not be read ({type(error).__name__})")
    return found


def _collect_parts_after_the_end(msg: Message, notes: list[str], depth: int, found: Collected) -> None:
    """Parts a sender put after a multipart's closing line, which a strict parser leaves as its epilogue.

    Mailers that give a nested multipart its parent's boundary close both with one line; the parts
    that follow (often the attachment) would be lost without a word.
    """
    boundary = _safe(msg.get_boundary, None)
    epilogue = msg.epilogue or ""
    if not boundary or f"--{boundary}" not in epilogue:
        return
    chunks = _parts_between_delimiters(epilogue, boundary)
    if chunks:
        notes.append(f"{len(chunks)} part(s) after the end of a multipart (a nested part reused its boundary) "
                     "were read as well")
    for chunk in chunks:
        collect_parts(_message_of(chunk), notes, depth + 1, found)


def _parts_between_delimiters(text: str, boundary: str) -> list[str]:
    """The parts in ``text`` delimited by ``--boundary`` lines, up to the closing ``--boundary--``."""
    delimiter, chunks, current = f"--{boundary}", [], None
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip()
        if stripped in (delimiter, delimiter + "--"):
            if current is not None:
                chunks.append("".join(current))
            if stripped != delimiter:  # the closing line: what follows is an epilogue after all
                current = None
                break
            current = []
        elif current is not None:
            current.append(line)
    if current is not None:  # no closing line
        chunks.append("".join(current))
    return [chunk for chunk in chunks if chunk.strip()]


def _collect_by_the_boundary_used(msg: Message, ctype: str, notes: list[str], depth: int,
                                  found: Collected) -> bool:
    """A multipart whose declared boundary never occurs, but whose body opens with another one: read by that.

    Spam kits and broken mailers do this; what a reader sees is then the parts, not raw MIME. False when
    the body does not open with a delimiter line followed by a header (the caller keeps it as text).
    """
    body = _payload_bytes(msg)
    lines = [line.strip() for line in body.lstrip(b"\r\n").decode("latin-1").splitlines()[:2]]
    if len(lines) < 2 or not lines[0].startswith("--") or len(lines[0]) < 3 or not _HEADER_LINE.match(lines[1]):
        return False
    boundary = lines[0][2:]
    if '"' in boundary or "\\" in boundary:
        return False
    rebuilt = _message_of(f'Content-Type: {ctype}; boundary="{boundary}"\n\n'.encode("latin-1") + body)
    if not isinstance(_safe(rebuilt.get_payload, None), list):
        return False
    notes.append(f"the {ctype} part's declared boundary never occurs; it was read by the boundary its body uses")
    collect_parts(rebuilt, notes, depth + 1, found)
    return True


def _message_of(data: str | bytes) -> Message:
    """A MIME entity from what a parser left unparsed (in a string, bytes are kept as surrogate escapes)."""
    if isinstance(data, str):
        data = data.encode("ascii", "surrogateescape")
    return email.message_from_bytes(data, policy=compat32)


def _add_leaf(part: Message, ctype: str, notes: list[str], found: Collected) -> None:
    content = _payload_bytes(part)
    filename = _filename(part, notes)
    disposition = _safe(part.get_content_disposition, None)
    if ctype in _BODY_TYPES and disposition != "attachment" and not filename:
        charset = _safe(part.get_content_charset, None)
        text = decode_bytes(content, charset, notes, f"{ctype} part")
        (found.plain if ctype == "text/plain" else found.html).append(text)
        return
    if ctype.startswith("text/") and disposition != "attachment":
        charset = _safe(part.get_content_charset, None)
        text = decode_bytes(content, charset, notes, f"{ctype} part")
        found.inline_texts.append(html_to_text(text) if ctype == "text/html" else text)
    content_id = _content_id(part)
    inline = content_id is not None and disposition != "attachment"
    found.add_attachment(filename, ctype, content, content_id, inline)


def _add_message_part(
    part: Message, ctype: str, payload: list, notes: list[str], found: Collected
) -> None:
    """message/rfc822 (a forward) and message/delivery-status become files."""
    chunks = []
    for sub in payload:
        chunks.append(_safe(lambda: sub.as_bytes(), None) or _safe(lambda: str(sub).encode(
            "utf-8", "surrogateescape"), b""))
    if ctype == "message/rfc822":
        found.forwarded.extend(sub for sub in payload if isinstance(sub, Message))
    default = {"message/rfc822": "forwarded-message.eml",
               "message/delivery-status": "delivery-status.txt"}.get(ctype)
    filename = _filename(part, notes) or default or ""
    found.add_attachment(filename, ctype, b"\n".join(chunks), _content_id(part), False)


def limit_attachments(
    attachments: list[Attachment], max_total: int
) -> tuple[list[Attachment], list[SkippedAttachment]]:
    """Keep attachments in order while their total fits in max_total bytes."""
    kept, skipped, total = [], [], 0
    megabytes = max_total / (1024 * 1024)
    limit_mb = f"{megabytes:g} MB" if megabytes >= 1 else f"{max_total} bytes"
    for attachment in attachments:
        size = len(attachment.content)
        if total + size > max_total:
            reason = f"larger than the {limit_mb} limit" if size > max_total else (
                f"would exceed the {limit_mb} total attachment limit")
            skipped.append(SkippedAttachment(
                attachment.filename, attachment.content_type, size, reason))
            continue
        kept.append(attachment)
        total += size
    return kept, skipped


def _content_type(part: Message) -> str:
    return (_safe(part.get_content_type, "") or "application/octet-stream").lower()


def _payload_bytes(part: Message) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), None)
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: Message, notes: list[str]) -> str:
    name = _safe(part.get_filename, None)
    if not isinstance(name, str) or not name:
        return ""
    name = decode_raw_header(name, notes, "attachment filename")
    # Outlook puts RFC 2047 words inside quoted filename parameters.
    return decode_header_text(name, notes, "attachment filename")


def _safe_filename(name: str, ctype: str, index: int) -> str:
    """Strip paths and control characters; fall back to attachment-N.ext."""
    name = clean_text(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".").strip()
    if len(name) > _MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = name[: _MAX_FILENAME - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    if name:
        return name
    ext = ".eml" if ctype == "message/rfc822" else mimetypes.guess_extension(ctype)
    ext = ext or (".txt" if ctype.startswith(("text/", "message/")) else ".bin")
    return f"attachment-{index}{ext}"


def _content_id(part: Message) -> str | None:
    value = _safe(lambda: part.get("Content-ID"), None)
    if value is None:
        return None
    value = clean_text(str(value)).strip().strip("<>").strip()
    return value or None


def _safe(function, default):
    """Call function(); malformed MIME must degrade to default, never raise."""
    try:
        return function()
    except Exception:
        return default
