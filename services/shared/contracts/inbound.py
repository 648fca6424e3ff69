"""The inbound message: what ingest makes of every mail (and, later, every channel) and tickets applies.

It travels as JSON in ``tickets.receive_messages`` and is kept as such on a
held message; tickets reads it once, with :meth:`InboundMessage.from_wire`,
and works with the dataclass from then on. One name per field from ingest to
the API: ``reply_to`` (the mail's Reply-To), ``parse_notes`` (what reading the
mail had to guess, e.g. a charset), ``cc``.

``original`` says where the mail as it arrived is kept in the mail archive
(:class:`OriginalLocation`), or None when it is not kept. It is only ever a
location: ingest carries the mail's bytes beside the message until the batcher
has written them to the archive, then sets ``original``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.shared.contracts.wire import WireError, check_aware, from_wire, to_wire
from services.shared.mail_archive import ARCHIVE_NAME

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UnreadableMessage(WireError):
    """An inbound message tickets cannot read; ``field`` names the value at fault (``attachments[0].sha256``)."""

    @property
    def field(self) -> str:
        return self.path


@dataclass(frozen=True, kw_only=True)
class InboundAttachment:
    """A file of the mail that ingest wrote to the attachment store, found by its SHA-256."""
    sha256: str
    filename: str = "attachment"
    content_type: str = "application/octet-stream"
    size: int
    inline: bool = False
    content_id: str | None = None

    def __post_init__(self):
        if not SHA256.match(self.sha256):
            raise WireError("sha256", "must be 64 lower-case hex digits")
        _not_negative(self, "size")


@dataclass(frozen=True, kw_only=True)
class SkippedAttachment:
    """A file not kept (over the size limit); the thread lists it, and the sender is told."""
    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class DeliveryReport:
    """One recipient a bounce says a mail could not be delivered to, or not yet."""
    recipient: str = ""
    action: str  # failed | delayed
    status: str = ""  # RFC 3463, e.g. "5.1.1"
    diagnostic: str = ""  # the refusing server's words
    original_message_id: str | None = None  # the bounced mail's Message-ID, without <>


@dataclass(frozen=True, kw_only=True)
class OriginalLocation:
    """Where the mail as it arrived is in the mail archive: ``size`` bytes at ``offset`` of file ``archive``."""
    archive: str
    offset: int
    size: int

    def __post_init__(self):
        if not ARCHIVE_NAME.match(self.archive):
            raise WireError("archive", "must name a mail archive")
        _not_negative(self, "offset")
        _not_negative(self, "size")


@dataclass(frozen=True, kw_only=True)
class InboundMessage:
    """One normalised inbound message; ``message_id`` (without <>) is the only field ingest may not leave out."""
    message_id: str
    channel: str = "email"
    recipients: tuple[str, ...] = ()  # where it was delivered, most trustworthy first: routes it to a department
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    body_text: str = ""
    body_html: str | None = None
    reply_text: str = ""  # body_text without the quoted history
    is_auto_submitted: bool = False
    auto_reason: str | None = None
    delivery_reports: tuple[DeliveryReport, ...] = ()
    tracking_number: str | None = None  # "2026-001234" from "[#2026-001234]" in the subject
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    skipped_attachments: tuple[SkippedAttachment, ...] = ()
    parse_notes: tuple[str, ...] = ()
    original: OriginalLocation | None = None

    def __post_init__(self):
        if not self.message_id:
            raise WireError("message_id", "must not be empty")
        check_aware(self)

    def to_wire(self) -> dict:
        """The JSON form ``tickets.receive_messages`` takes."""
        return to_wire(self)

    @classmethod
    def from_wire(cls, wire: Any) -> InboundMessage:
        """The message from its JSON form; raises :class:`UnreadableMessage` naming the field it cannot read."""
        try:
            return from_wire(cls, wire)
        except WireError as error:
            raise UnreadableMessage(error.path, error.problem) from None


def _not_negative(instance: Any, name: str) -> None:
    if getattr(instance, name) < 0:
        raise WireError(name, "must not be negative")
