"""Every event Destek publishes, as one small frozen dataclass each: the payloads of docs/events.md.

An event is a fact in the past tense with an ``event_id`` (a UUID) and the time
it ``occurred_at``; ``source`` is the service that publishes it and
``event_type`` its routing key. On the bus it is the envelope the outbox stores:
``{"event_id", "event_type", "occurred_at", **payload}``, times as ISO 8601.
``to_wire()`` gives exactly that, so a producer records
``(event.event_type, event.to_wire())`` with ``outbox.record_events`` (the
envelope's own id and time are kept), and a consumer reads what it receives
with ``TicketCreated.from_wire(wire)``, which refuses, naming the field, an
event it cannot read (:class:`UnreadableEvent`) and passes over fields it does
not know yet.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from services.shared.contracts.inbound import SkippedAttachment
from services.shared.contracts.wire import WireError, check_aware, from_wire as read_dataclass, to_wire
from services.shared.events import utcnow

E = TypeVar("E", bound="Event")
ENVELOPE = ("event_id", "event_type", "occurred_at")


class UnreadableEvent(Exception):
    """An event a consumer cannot read: it is parked with this reason, which names the field at fault."""

    def __init__(self, event_type: str, reason: str):
        super().__init__(f"cannot read a {event_type} event: {reason}")
        self.event_type, self.reason = event_type, reason


@dataclass(frozen=True, kw_only=True)
class Event:
    """What every event carries; subclasses add their payload and name their ``source`` and ``event_type``."""
    source: ClassVar[str]
    event_type: ClassVar[str]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=utcnow)

    def __post_init__(self):
        # Canonical only: consumers claim an event by the text PostgreSQL gives back for its uuid.
        try:
            canonical = str(uuid.UUID(self.event_id)) == self.event_id
        except (TypeError, ValueError, AttributeError):
            canonical = False
        if not canonical:
            raise WireError("event_id", f"must be a UUID (lower-case, with hyphens), not {self.event_id!r}")
        check_aware(self)

    def to_wire(self) -> dict:
        """The envelope as the outbox stores and the bus carries it."""
        payload = {f.name: to_wire(getattr(self, f.name)) for f in fields(self) if f.name not in ENVELOPE}
        return {"event_id": self.event_id, "event_type": self.event_type,
                "occurred_at": self.occurred_at.isoformat(), **payload}

    @classmethod
    def from_wire(cls: type[E], wire: Any) -> E:
        """The event from its envelope; raises :class:`UnreadableEvent` naming the field it cannot read."""
        if isinstance(wire, dict) and wire.get("event_type") != cls.event_type:
            raise UnreadableEvent(cls.event_type, "event_type is missing" if "event_type" not in wire
                                  else f"event_type is {wire['event_type']!r}, not {cls.event_type!r}")
        try:
            return read_dataclass(cls, wire)
        except WireError as error:
            raise UnreadableEvent(cls.event_type, str(error)) from None


@dataclass(frozen=True, kw_only=True)
class FieldChange:
    """One line of a ticket's history: the field and its values before and after, as text."""
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, kw_only=True)
class StoredAttachment:
    """A file of an agent's reply, in the attachment store under its SHA-256."""
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class TicketsEvent(Event):
    source: ClassVar[str] = "tickets"


@dataclass(frozen=True, kw_only=True)
class NotifyEvent(Event):
    source: ClassVar[str] = "notify"


@dataclass(frozen=True, kw_only=True)
class SlaEvent(Event):
    source: ClassVar[str] = "sla"


# tickets.events

@dataclass(frozen=True, kw_only=True)
class TicketCreated(TicketsEvent):
    event_type: ClassVar[str] = "ticket_created"
    ticket_number: str
    subject: str
    priority: int
    status: str
    channel: str
    department_id: int
    department_email: str
    customer_email: str | None
    customer_name: str
    is_auto_submitted: bool
    created_at: datetime
    message_id: str | None = None  # the mail that opened it; none for a ticket opened by hand
    send_acknowledgement: bool | None = None  # None: published before it existed; the department's setting decides
    # Who holds it (given by hand or by automatic assignment) and who opened it; None: nobody, or not published.
    assignee_id: int | None = None
    created_by_user_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MessageReceived(TicketsEvent):
    event_type: ClassVar[str] = "message_received"
    ticket_number: str
    message_id: str
    channel: str
    department_id: int
    from_email: str
    is_auto_submitted: bool
    auto_reason: str | None
    matched_by: str | None  # headers | tracking_number | None
    new_participant: bool
    created_at: datetime
    # Who wrote: "customer" or "agent" (staff writing in by mail); None: not published yet, read as the customer.
    sender_kind: str | None = None


@dataclass(frozen=True, kw_only=True)
class AttachmentsRejected(TicketsEvent):
    event_type: ClassVar[str] = "attachments_rejected"
    ticket_number: str
    message_id: str
    message_db_id: int
    department_id: int
    department_email: str
    to_email: str
    subject: str
    is_auto_submitted: bool
    skipped: tuple[SkippedAttachment, ...]
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class BounceReceived(TicketsEvent):
    event_type: ClassVar[str] = "bounce_received"
    ticket_number: str
    message_id: str
    department_id: int
    original_message_id: str
    recipient: str
    action: str  # failed | delayed
    status: str  # RFC 3463, e.g. "5.1.1", or ""
    diagnostic: str
    received_at: datetime


@dataclass(frozen=True, kw_only=True)
class ReplyPosted(TicketsEvent):
    event_type: ClassVar[str] = "reply_posted"
    ticket_number: str
    message_db_id: int
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    body_text: str
    from_email: str
    from_name: str
    to_email: str
    to_name: str
    department_id: int
    author_name: str
    first_response: bool
    ticket_created_at: datetime
    priority: int
    attachments: tuple[StoredAttachment, ...]
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(TicketsEvent):
    event_type: ClassVar[str] = "ticket_status_changed"
    ticket_number: str
    old_status: str
    new_status: str
    changed_at: datetime


@dataclass(frozen=True, kw_only=True)
class TicketUpdated(TicketsEvent):
    event_type: ClassVar[str] = "ticket_updated"
    ticket_number: str
    changes: tuple[FieldChange, ...]
    department_id: int  # after the change
    priority: int  # after the change
    updated_at: datetime
    # For notify's staff notifications: the assignee after the change (None: nobody, or not published yet;
    # read only when an "assignee" change is listed) and who made the change (None: the system, or unknown).
    assignee_id: int | None = None
    updated_by_user_id: int | None = None

    def new_value(self, name: str) -> str | None:
        """The last new value of the field ``name`` among the changes; None if it did not change."""
        values = [change.new for change in self.changes if change.field == name]
        return values[-1] if values else None


@dataclass(frozen=True, kw_only=True)
class TicketDeleted(TicketsEvent):
    event_type: ClassVar[str] = "ticket_deleted"
    ticket_number: str
    department_id: int
    deleted_by_user_id: int
    deleted_at: datetime


# notify.events

@dataclass(frozen=True, kw_only=True)
class ReplySent(NotifyEvent):
    event_type: ClassVar[str] = "reply_sent"
    ticket_number: str
    message_db_id: int
    message_id: str
    to_email: str
    attempts: int


@dataclass(frozen=True, kw_only=True)
class ReplyFailed(ReplySent):
    event_type: ClassVar[str] = "reply_failed"
    error: str


@dataclass(frozen=True, kw_only=True)
class AcknowledgementSent(NotifyEvent):
    event_type: ClassVar[str] = "acknowledgement_sent"
    ticket_number: str
    message_id: str  # the automatic mail's own
    to_email: str
    sent_at: datetime
    attempts: int
    # A delivery queued before notify kept the mail's details publishes without these: the defaults.
    subject: str = ""
    body_text: str = ""
    from_email: str = ""
    from_name: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    kind: str = "acknowledgement"  # acknowledgement | attachments_notice


@dataclass(frozen=True, kw_only=True)
class AttachmentsNoticeSent(AcknowledgementSent):
    event_type: ClassVar[str] = "attachments_notice_sent"
    kind: str = "attachments_notice"


# sla.events

@dataclass(frozen=True, kw_only=True)
class SlaBreached(SlaEvent):
    event_type: ClassVar[str] = "sla_breached"
    ticket_number: str
    kind: str  # first_response | resolution | next_update
    due_at: datetime
    priority: int
    started_at: datetime | None = None  # the clock's episode began then (a reopen or an answer starts one)
    target_seconds: int | None = None
    late_seconds: int = 0  # how late the timer found it (0 when found on time)


@dataclass(frozen=True, kw_only=True)
class SlaWarning(SlaEvent):
    event_type: ClassVar[str] = "sla_warning"
    ticket_number: str
    kind: str  # first_response | resolution | next_update
    due_at: datetime
    priority: int
    started_at: datetime
    target_seconds: int
    remaining_seconds: int  # wall-clock time left until due_at when published (negative once late)


EVENT_TYPES: dict[tuple[str, str], type[Event]] = {
    (cls.source, cls.event_type): cls for cls in (
        TicketCreated, MessageReceived, AttachmentsRejected, BounceReceived, ReplyPosted, TicketStatusChanged,
        TicketUpdated, TicketDeleted, ReplySent, ReplyFailed, AcknowledgementSent, AttachmentsNoticeSent,
        SlaBreached, SlaWarning)}


def event_from_wire(source: str, wire: Any) -> Event:
    """Any event of ``source`` from its envelope, by its ``event_type``; raises :class:`UnreadableEvent`."""
    event_type = wire.get("event_type") if isinstance(wire, dict) else None
    cls = EVENT_TYPES.get((source, event_type)) if isinstance(event_type, str) else None
    if cls is None:
        raise UnreadableEvent(str(event_type), f"{source} publishes no event of type {event_type!r}")
    return cls.from_wire(wire)


# For consumers: the shared consumer machinery parks and retries the events as they came on the wire.

def read_events(wire_events: list, cls: type[E]) -> tuple[list[E], list[tuple[Any, UnreadableEvent]]]:
    """The events of a batch read as ``cls``, in order, and those it cannot read beside their reason."""
    read, unreadable = [], []
    for wire in wire_events:
        try:
            read.append(cls.from_wire(wire))
        except UnreadableEvent as error:
            unreadable.append((wire, error))
    return read, unreadable


def among(events: list[E], wire_events: list[dict]) -> list[E]:
    """Those of ``events`` that ``wire_events`` hold (e.g. the ones a handler claimed), once each, in order."""
    wanted = {str(wire["event_id"]) for wire in wire_events}
    return list({event.event_id: event for event in events if event.event_id in wanted}.values())


def as_sent(wire_events: list[dict], refused: list[tuple[Event, Exception]]) -> list[tuple[dict, Exception]]:
    """Refused events as they came on the wire, to be parked as such."""
    by_id = {str(wire["event_id"]): wire for wire in wire_events}
    return [(by_id[event.event_id], error) for event, error in refused]
