"""Turning normalised inbound messages into tickets and thread entries, many per transaction.

A batch arrives from ingest as a list of dicts (see ``receive_messages`` in
service.py for the shape). Each message is applied inside its own savepoint so
that one bad message cannot sink the batch, and in arrival order so that a
reply later in the same batch finds the ticket an earlier message opened.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, InternalError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from services.shared.config import env_int
from services.shared.errors import InvalidInput
from services.tickets import attachments, held_messages
from services.tickets import repository as repo
from services.tickets.domain.identity import InvalidContact, normalise_email
from services.tickets.domain.numbers import format_ticket_number
from services.tickets.domain.rate_limit import SenderBudget
from services.tickets.domain.status import status_after_customer_message
from services.tickets.domain.thread_matching import ThreadCandidate, decide_thread
from services.tickets.history import record_change
from services.tickets.models import Customer, Department, Message, Ticket
from services.tickets.schemas import iso, ticket_created_event

log = logging.getLogger(__name__)
ISTANBUL = ZoneInfo("Europe/Istanbul")
REOPEN_WINDOW_DAYS = 14


class NumberAllocator:
    """Hands out ticket numbers from blocks reserved in one short transaction each."""

    def __init__(self, engine: Engine, block: int):
        self.engine, self.block = engine, max(1, block)
        self._free: list[int] = []
        self._year = 0

    def next(self, now: datetime) -> str:
        year = now.astimezone(ISTANBUL).year
        if year != self._year or not self._free:
            self._year = year
            self._free = repo.allocate_ticket_numbers(self.engine, year, self.block)
        return format_ticket_number(year, self._free.pop(0))


@dataclass
class BatchOutcome:
    results: list[dict] = field(default_factory=list)
    events: list[tuple[str, dict]] = field(default_factory=list)


@dataclass
class _Batch:
    """What every message of one batch is applied with."""
    session: Session
    departments: dict[str, Department]
    fallback: Department
    numbers: NumberAllocator
    budget: SenderBudget
    now: datetime
    reopen_window_days: int


def receive_batch(session: Session, engine: Engine, messages: list[dict], now: datetime, *,
                  rate_limited: bool = True) -> BatchOutcome:
    """Apply every message of a batch; returns per-message results and the events to publish."""
    outcome = BatchOutcome()
    fallback = repo.default_department(session)
    if fallback is None:
        raise InvalidInput("no department is configured to receive messages", "department")
    senders = {_sender_email(m) for m in messages if isinstance(m, dict)} if rate_limited else set()
    batch = _Batch(session=session, departments=repo.departments_by_email(session), fallback=fallback,
                   numbers=NumberAllocator(engine, block=len(messages)),
                   budget=held_messages.sender_budget(session, senders, now) if rate_limited else SenderBudget(0),
                   now=now, reopen_window_days=env_int("REOPEN_WINDOW_DAYS", REOPEN_WINDOW_DAYS))
    for message in messages:
        outcome.results.append(_receive_with_retry(batch, message, outcome.events))
    return outcome


def _receive_with_retry(batch: _Batch, message: dict, events: list) -> dict:
    # A concurrent batch may create the same customer or message first: the
    # savepoint rolls back only this message, and the second try finds theirs.
    # Anything else that goes wrong with one message holds that message for an
    # operator instead of failing the batch again on every redelivery.
    failure: Exception | None = None
    for attempt in (1, 2):
        pending_events: list[tuple[str, dict]] = []
        try:
            with batch.session.begin_nested():
                result = _receive_one(batch, message, pending_events)
            events.extend(pending_events)
            return result
        except (OperationalError, InterfaceError, ProgrammingError, InternalError):
            raise  # the database or the schema is failing, not this message: retry the whole batch later
        except IntegrityError as exc:
            failure = exc
            log.info("retrying message %s after a concurrent insert", _message_id_of(message))
        except Exception as exc:  # noqa: BLE001 - one bad message must not sink the batch
            failure = exc
            break
    log.error("holding inbound message %s that could not be applied: %r", _message_id_of(message), failure)
    with batch.session.begin_nested():
        return held_messages.hold(batch.session, _department_of(batch, message), _as_dict(message), "failed",
                                  f"{type(failure).__name__}: {failure}"[:2000], batch.now)


def route_department(recipients: list[str], departments: dict[str, Department], fallback: Department):
    """The department of the first recipient address that belongs to one, else the default."""
    for address in recipients:
        department = departments.get((address or "").strip().lower())
        if department is not None:
            return department
    return fallback


def _department_of(batch: _Batch, message) -> Department:
    recipients = message.get("recipients") if isinstance(message, dict) else None
    if not isinstance(recipients, list):
        return batch.fallback
    return route_department([str(r) for r in recipients], batch.departments, batch.fallback)


def _receive_one(batch: _Batch, message: dict, events: list) -> dict:
    session, now = batch.session, batch.now
    department = _department_of(batch, message)
    rfc_id = message["message_id"]
    duplicate = repo.message_in_department(session, department.id, rfc_id)
    if duplicate is not None:
        ticket = session.get(Ticket, duplicate.ticket_id)
        return {"status": "duplicate", "ticket_number": ticket.number, "message_id": rfc_id}
    sender = _sender_email(message)
    if not batch.budget.admit(sender):
        return held_messages.hold(session, department, message, "rate_limited", None, now)
    decision = decide_thread(
        by_headers=_candidate(session, _ticket_by_headers(session, message)),
        by_tracking=_candidate(session, repo.ticket_by_number(session, message.get("tracking_number") or "")),
        sender_email=sender, now=now, reopen_window_days=batch.reopen_window_days)
    customer = _find_or_create_customer(session, sender, message.get("from_name", ""), now)
    if decision.action == "append":
        ticket = repo.ticket_by_number(session, decision.ticket_number)
        _update_status_on_customer_message(session, ticket, decision.reopen, now, events)
        if decision.new_participant:
            record_change(session, ticket, "customer", "participant", None, sender, now)
        status = "appended"
    else:
        linked = repo.ticket_by_number(session, decision.linked_to) if decision.linked_to else None
        ticket = _open_ticket(session, message, department, customer, batch.numbers.next(now), linked, now)
        events.append(("ticket_created", {**ticket_created_event(ticket, department, customer),
                                          "message_id": rfc_id}))
        status = "created"
    stored = _add_inbound_message(session, ticket, message, sender, now)
    events.append(("message_received", _message_received(ticket, message, sender, decision, now)))
    skipped = attachments.add_inbound_attachments(session, stored.id, message)
    if skipped:
        events.append(("attachments_rejected", _attachments_rejected(ticket, department, stored, skipped, now)))
    return {"status": status, "ticket_number": ticket.number, "message_id": rfc_id}


def _message_received(ticket: Ticket, message: dict, sender: str, decision, now: datetime) -> dict:
    return {"ticket_number": ticket.number, "message_id": message["message_id"],
            "channel": message.get("channel", "email"), "department_id": ticket.department_id,
            "from_email": sender, "is_auto_submitted": bool(message.get("is_auto_submitted")),
            "auto_reason": message.get("auto_reason"), "matched_by": decision.matched_by,
            "new_participant": decision.new_participant, "created_at": iso(now)}


def _attachments_rejected(ticket: Ticket, department: Department, stored: Message, skipped: list[dict],
                          now: datetime) -> dict:
    return {"ticket_number": ticket.number, "message_id": stored.rfc_message_id, "message_db_id": stored.id,
            "department_id": department.id, "department_email": department.email,
            "to_email": stored.from_email, "subject": stored.subject,
            "is_auto_submitted": stored.is_auto_submitted, "skipped": skipped, "created_at": iso(now)}


def _message_id_of(message) -> str | None:
    return message.get("message_id") if isinstance(message, dict) else None


def _as_dict(message) -> dict:
    return message if isinstance(message, dict) else {"unreadable": repr(message)[:2000]}


def _sender_email(message: dict) -> str:
    try:
        return normalise_email(message.get("from_email") or "")
    except InvalidContact:
        return (message.get("from_email") or "").strip().lower()


def _ticket_by_headers(session, message) -> Ticket | None:
    ids = list(message.get("in_reply_to") or []) + list(message.get("references") or [])
    return repo.ticket_by_message_ids(session, ids) or repo.ticket_referencing(session, message["message_id"])


def _candidate(session, ticket: Ticket | None) -> ThreadCandidate | None:
    if ticket is None:
        return None
    return ThreadCandidate(ticket_number=ticket.number, status=ticket.status, closed_at=ticket.closed_at,
                           customer_emails=frozenset(repo.customer_emails_of_ticket(session, ticket)))


def _find_or_create_customer(session, email: str, name: str, now: datetime) -> Customer:
    customer = repo.customer_by_email(session, email) if email else None
    if customer is None:
        customer = Customer(name=name or email, email=email or None, created_at=now)
        session.add(customer)
        session.flush()
    elif name and customer.name in ("", customer.email):
        customer.name = name
    customer.last_contact_at = now
    return customer


def _update_status_on_customer_message(session, ticket: Ticket, reopen: bool, now: datetime, events) -> None:
    new_status = "open" if reopen else status_after_customer_message(ticket.status)
    if new_status != ticket.status:
        record_change(session, ticket, "customer", "status", ticket.status, new_status, now)
        events.append(("ticket_status_changed", {
            "ticket_number": ticket.number, "old_status": ticket.status, "new_status": new_status,
            "changed_at": iso(now)}))
        ticket.status = new_status
        if new_status not in ("resolved", "closed"):
            ticket.resolved_at = ticket.closed_at = None
    ticket.updated_at = now


def _open_ticket(session, message, department, customer, number, linked, now) -> Ticket:
    ticket = Ticket(
        number=number, subject=(message.get("subject") or "").strip() or "(no subject)",
        description=message.get("reply_text") or message.get("body_text") or "",
        priority=3, status="new", department_id=department.id, customer_id=customer.id,
        channel=message.get("channel", "email"), linked_ticket_id=linked.id if linked else None,
        is_auto_submitted=bool(message.get("is_auto_submitted")), created_at=now, updated_at=now)
    session.add(ticket)
    session.flush()
    return ticket


def _add_inbound_message(session, ticket: Ticket, message: dict, sender: str, now: datetime) -> Message:
    stored = Message(
        ticket_id=ticket.id, department_id=ticket.department_id, direction="inbound",
        channel=message.get("channel", "email"), rfc_message_id=message["message_id"],
        in_reply_to=list(message.get("in_reply_to") or []), references=list(message.get("references") or []),
        subject=message.get("subject") or "", from_name=message.get("from_name") or "", from_email=sender,
        to_emails=list(message.get("to") or []), body_text=message.get("body_text") or "",
        body_html=message.get("body_html"), reply_text=message.get("reply_text") or "",
        is_auto_submitted=bool(message.get("is_auto_submitted")), created_at=now)
    session.add(stored)
    session.flush()
    return stored
