"""Turning normalised inbound messages into tickets and thread entries, many per transaction.

A batch arrives from ingest as a list of JSON objects, each read once, here,
into an ``InboundMessage`` (``services/shared/contracts/inbound.py``); one it
cannot read is held for an operator, the field at fault named in its error,
and the rest of the batch goes on. The batch is looked up in a few queries (``InboundIndex``),
each message is placed in arrival order in memory, so that a reply later in
the batch finds the ticket an earlier message opened, and what was placed is
written a statement per kind of row. If that fails, the messages are applied
one by one so that the one at fault is held for an operator and the others
go in: one bad message cannot sink the batch.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from prometheus_client import Histogram
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, InterfaceError, InternalError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from services.shared.contracts.events import AttachmentsRejected, MessageReceived, TicketsEvent
from services.shared.contracts.inbound import DeliveryReport, InboundMessage, UnreadableMessage
from services.shared.errors import InvalidInput
from services.shared.contracts.tickets import FINISHED_STATUSES
from services.tickets import repository as repo
from services.tickets.assignment.assignment import reassign_reopened
from services.tickets.domain.identity import MAX_EMAIL, normalise_email
from services.tickets.domain.status import status_after_customer_message
from services.tickets.domain.ticket_fields import StatusDates, dates_after_status_change
from services.tickets.inbound import held
from services.tickets.inbound.bounces import bounce_received_events
from services.tickets.inbound.index import InboundIndex
from services.tickets.inbound.rate_limit import SenderBudget
from services.tickets.inbound.rows import (KnownCustomer, NewCustomer, NewTicket, Placement, TicketState,
                                           write_batch)
from services.tickets.inbound.thread_matching import (APPEND, BY_HEADERS, ThreadCandidate, ThreadDecision,
                                                     decide_thread)
from services.tickets.models import Department
from services.tickets.schemas import status_changed_event, ticket_created_event
from services.tickets.settings import TicketsSettings

log = logging.getLogger(__name__)
ISTANBUL = ZoneInfo("Europe/Istanbul")
INBOUND_LOCK = 0x1B0B0  # pg_advisory_xact_lock key: one inbound batch at a time
BATCH_MESSAGES = Histogram("destek_inbound_batch_messages", "Inbound messages per batch tickets applied",
                           buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500))


@dataclass
class BatchOutcome:
    results: list[dict] = field(default_factory=list)
    events: list[TicketsEvent] = field(default_factory=list)


@dataclass
class _Batch:
    """What every message of one batch is applied with."""
    session: Session
    departments: dict[str, Department]
    fallback: Department
    budget: SenderBudget
    now: datetime
    reopen_window_days: int


def receive_batch(session: Session, messages: list, now: datetime, settings: TicketsSettings, *,
                  rate_limited: bool = True) -> BatchOutcome:
    """Apply every message of a batch (their JSON form); returns per-message results and the events to publish.

    Batches are applied one after another across every tickets worker and
    process (a transaction-level advisory lock): a reply and the mail it
    answers, arriving in two batches at once, would otherwise not see each
    other and open two tickets.
    """
    read = [_read(message) for message in messages]  # once: from here on every reader takes the dataclass
    session.execute(select(func.pg_advisory_xact_lock(INBOUND_LOCK)))
    BATCH_MESSAGES.observe(len(messages))
    departments = repo.departments_by_email(session)
    fallback = min(departments.values(), key=lambda d: (not d.is_default, d.id), default=None)
    if fallback is None:
        raise InvalidInput("no department is configured to receive messages", "department")
    usable = [message for message in read if isinstance(message, InboundMessage)]
    senders = {_sender_email(m) for m in usable} if rate_limited else set()
    batch = _Batch(session=session, departments=departments, fallback=fallback,
                   budget=_budget(session, senders, now, settings) if rate_limited else SenderBudget(0),
                   now=now, reopen_window_days=settings.reopen_window_days)
    results = _apply_with_fallback(batch, usable)
    outcome = BatchOutcome()
    for wire, message in zip(messages, read):
        if isinstance(message, InboundMessage):
            result, events = results.pop(0)
            outcome.events.extend(events)
        else:
            result = _hold_unreadable(batch, wire, message)
        outcome.results.append(result)
    return outcome


def _budget(session: Session, senders: set[str], now: datetime, settings: TicketsSettings) -> SenderBudget:
    return held.sender_budget(session, senders, now, limit=settings.sender_rate_limit,
                              window=settings.sender_rate_window)


def _read(wire) -> InboundMessage | UnreadableMessage:
    """The message ingest sent, or why it cannot be read (the field at fault)."""
    try:
        return InboundMessage.from_wire(wire)
    except UnreadableMessage as unreadable:
        log.warning("holding an inbound message tickets cannot read: %s", unreadable)
        return unreadable


def _apply_with_fallback(batch: _Batch, messages: list[InboundMessage]) -> list[tuple[dict, list]]:
    """All messages in one go; when that fails, one by one, holding the ones that fail for an operator."""
    if not messages:
        return []
    failure = _try_apply(batch, messages)
    if not isinstance(failure, Exception):
        return failure
    if len(messages) == 1:
        log.error("holding inbound message %s that could not be applied: %r", messages[0].message_id, failure,
                  exc_info=failure)
        return [(_hold_failed(batch, messages[0], _failure_text(failure)), [])]
    log.warning("a batch of %d inbound messages failed (%r); applying them one by one", len(messages), failure)
    return [placed for message in messages for placed in _apply_with_fallback(batch, [message])]


def _try_apply(batch: _Batch, messages: list[InboundMessage]):
    """The results and events of every message, or the exception that stopped them (nothing kept then)."""
    # A concurrent insert outside the inbound lock (a customer created through the API) may
    # take an address first: the savepoint undoes this attempt, and the next finds theirs.
    failure: Exception | None = None
    for _attempt in range(3):
        try:
            with batch.session.begin_nested():
                return _apply(batch, messages)
        except (OperationalError, InterfaceError, ProgrammingError, InternalError) as exc:
            if _beyond_database_limits(exc):
                return exc  # a value of some message is too big for the database: the caller finds which
            raise  # the database or the schema is failing, not these messages: retry the whole batch later
        except IntegrityError as exc:
            failure = exc
            log.info("retrying %d inbound messages after a concurrent insert", len(messages))
        except Exception as exc:  # noqa: BLE001 - the caller finds the message at fault
            return exc
    return failure


def _beyond_database_limits(exc: Exception) -> bool:
    """SQLSTATE class 54, program limit exceeded: e.g. a value too long for an index to hold."""
    return str(getattr(getattr(exc, "orig", None), "sqlstate", "") or "").startswith("54")


def _apply(batch: _Batch, messages: list[InboundMessage]) -> list[tuple[dict, list]]:
    session, now = batch.session, batch.now
    senders = {_sender_email(m) for m in messages}
    index = InboundIndex.load(session, messages, senders)
    staff = repo.user_emails_among(session, senders)
    placed = [_place(batch, index, message) for message in messages]
    write_batch(session, [p for p in placed if isinstance(p, Placement)], now)
    reassigned = _reassign_reopened(session, [p for p in placed if isinstance(p, Placement)], now)
    answers = []
    for item in placed:
        if not isinstance(item, Placement):
            answers.append((item() if callable(item) else item, []))
            continue
        events = _events_of(item, now, staff) + reassigned.pop(item.ticket.number, [])
        status = "created" if item.created else "appended"
        answers.append(({"status": status, "ticket_number": item.ticket.number,
                         "message_id": item.message.message_id}, events))
    return answers


def _reassign_reopened(session: Session, placed: list[Placement], now: datetime) -> dict[str, list]:
    """Tickets a customer's mail reopened while their assignee is away go to the next agent: events by number."""
    reopened = [p.ticket.id for p in placed if p.status_change and p.status_change[0] in FINISHED_STATUSES
                and p.ticket.assignee_id is not None]
    events: dict[str, list] = {}
    for event in reassign_reopened(session, reopened, now):
        events.setdefault(event.ticket_number, []).append(event)
    return events


def _place(batch: _Batch, index: InboundIndex, message: InboundMessage) -> Placement | dict | Callable[[], dict]:
    """Decide where one message goes, in memory; or its result when it is held, or a duplicate."""
    session, now = batch.session, batch.now
    department = _department_of(batch, message)
    rfc_id = message.message_id
    duplicate = index.received.get((department.id, rfc_id))
    if duplicate is not None:  # its number is known once the batch is written, if it is new too
        return lambda: {"status": "duplicate", "ticket_number": duplicate.number, "message_id": rfc_id}
    sender = _sender_email(message)
    if not batch.budget.admit(sender):
        return held.hold(session, department, message, "rate_limited", None, now)
    bounce = index.bounced_mail(message)
    if bounce is not None:
        return _place_bounce(batch, index, message, department, sender, *bounce)
    by_headers = index.ticket_by_headers(message)
    by_tracking = index.by_number.get(message.tracking_number or "")
    decision = decide_thread(by_headers=_candidate(index, by_headers), by_tracking=_candidate(index, by_tracking),
                             sender_email=sender, now=now, reopen_window_days=batch.reopen_window_days)
    customer = _find_or_create_customer(index, sender, message.from_name)
    matched = by_headers if decision.matched_by == BY_HEADERS else by_tracking  # new ones have no number yet
    if decision.action == "append":
        ticket = matched
        item = Placement(message, department, sender, decision, ticket, customer, created=False,
                       status_change=_status_on_customer_message(ticket, decision.reopen, now))
    else:
        ticket = _new_ticket(message, department, matched if decision.linked_to else None, now)
        index.remember_ticket(ticket, customer)
        item = Placement(message, department, sender, decision, ticket, customer, created=True)
    index.remember(ticket, department.id, message, sender, now)
    return item


def _place_bounce(batch: _Batch, index: InboundIndex, message: InboundMessage, department: Department, sender: str,
                  ticket: TicketState, reports: list[DeliveryReport]) -> Placement:
    """A bounce joins the ticket of the mail it bounces, even an archived one; a robot reopens nothing."""
    ticket.updated_at = batch.now
    decision = ThreadDecision(action=APPEND, ticket_number=ticket.number, matched_by=BY_HEADERS)
    index.remember(ticket, department.id, message, sender, batch.now)
    return Placement(message, department, sender, decision, ticket, None, created=False, bounced=reports)


def _events_of(item: Placement, now: datetime, staff: set[str]) -> list[TicketsEvent]:
    ticket, message = item.ticket, item.message
    events: list[TicketsEvent] = []
    if item.created:
        events.append(ticket_created_event(ticket, item.department, item.customer, message_id=message.message_id,
                                           send_acknowledgement=item.department.send_acknowledgement))
    if item.status_change:
        events.append(status_changed_event(ticket.number, *item.status_change, now))
    events.append(_message_received(ticket, message, item.sender, item.decision, now,
                                    sender_kind="agent" if item.sender in staff else "customer"))
    if item.skipped:
        events.append(_attachments_rejected(item, now))
    events.extend(bounce_received_events(ticket, message, item.bounced, now))
    return events


def route_department(recipients, departments: dict[str, Department], fallback: Department):
    """The department of the first recipient address that belongs to one, else the default."""
    for address in recipients:
        department = departments.get((address or "").strip().lower())
        if department is not None:
            return department
    return fallback


def _department_of(batch: _Batch, message: InboundMessage) -> Department:
    return route_department(message.recipients, batch.departments, batch.fallback)


def _failure_text(failure: Exception) -> str:
    """What an operator reads on a held message: the error's name and its first line, without the
    statement and parameters a database error carries (the message itself is kept beside it)."""
    cause = getattr(failure, "orig", None) or failure
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def _hold_failed(batch: _Batch, message: InboundMessage, error: str) -> dict:
    with batch.session.begin_nested():
        return held.hold(batch.session, _department_of(batch, message), message, "failed", error[:2000], batch.now)


def _hold_unreadable(batch: _Batch, wire, unreadable: UnreadableMessage) -> dict:
    """Held in the department it was sent to if its recipients can be read, else the default one."""
    recipients = wire.get("recipients") if isinstance(wire, dict) else None
    readable = [r for r in recipients if isinstance(r, str)] if isinstance(recipients, list) else []
    department = route_department(readable, batch.departments, batch.fallback)
    with batch.session.begin_nested():
        return held.hold_unreadable(batch.session, department, wire, unreadable, batch.now)


def _message_received(ticket: TicketState, message: InboundMessage, sender: str, decision, now: datetime, *,
                      sender_kind: str) -> MessageReceived:
    return MessageReceived(
        ticket_number=ticket.number, message_id=message.message_id, channel=message.channel,
        department_id=ticket.department_id, from_email=sender, is_auto_submitted=message.is_auto_submitted,
        auto_reason=message.auto_reason, matched_by=decision.matched_by, new_participant=decision.new_participant,
        created_at=now, sender_kind=sender_kind)


def _attachments_rejected(item: Placement, now: datetime) -> AttachmentsRejected:
    stored = item.stored
    return AttachmentsRejected(
        ticket_number=item.ticket.number, message_id=stored["rfc_message_id"], message_db_id=stored["id"],
        department_id=item.department.id, department_email=item.department.email, to_email=stored["from_email"],
        subject=stored["subject"], is_auto_submitted=stored["is_auto_submitted"],
        skipped=tuple(item.skipped), created_at=now)


def _sender_email(message: InboundMessage) -> str:
    """The sender's address; one outside the usual rules is kept as written (``ali@localhost``), unless
    it is longer than any address can be (RFC 5321: 254 characters), which is no address at all."""
    try:
        return normalise_email(message.from_email)
    except InvalidInput:
        written = message.from_email.strip().lower()
        return written if len(written) <= MAX_EMAIL else ""


def _candidate(index: InboundIndex, ticket: TicketState | None) -> ThreadCandidate | None:
    if ticket is None:
        return None
    return ThreadCandidate(ticket_number=ticket.number, status=ticket.status, closed_at=ticket.closed_at,
                           customer_emails=index.customer_emails(ticket))


def _find_or_create_customer(index: InboundIndex, email: str, name: str) -> KnownCustomer | NewCustomer:
    customer = index.customers.get(email) if email else None
    if customer is None:
        customer = NewCustomer(name=name or email, email=email or None)
        if email:
            index.customers[email] = customer
    elif name and customer.name in ("", customer.email):
        customer.name = name
        if isinstance(customer, KnownCustomer):
            customer.renamed = True
    return customer


def _status_on_customer_message(ticket: TicketState, reopen: bool, now: datetime) -> tuple[str, str] | None:
    """Set the status a customer's message leads to; returns (old, new) when it changed."""
    old = ticket.status
    new_status = "open" if reopen else status_after_customer_message(old)
    ticket.updated_at = now
    if new_status == old:
        return None
    dates = dates_after_status_change(new_status, StatusDates(ticket.resolved_at, ticket.closed_at), now)
    ticket.status, ticket.resolved_at, ticket.closed_at = new_status, dates.resolved_at, dates.closed_at
    return old, new_status


def _new_ticket(message: InboundMessage, department, linked: TicketState | None, now) -> NewTicket:
    return NewTicket(
        subject=message.subject.strip() or "(no subject)", description=message.reply_text or message.body_text,
        department_id=department.id, channel=message.channel, linked_ticket_id=linked.id if linked else None,
        is_auto_submitted=message.is_auto_submitted, created_at=now)
