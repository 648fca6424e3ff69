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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput
from services.tickets import repository as repo
from services.tickets.domain.identity import InvalidContact, normalise_email
from services.tickets.domain.numbers import format_ticket_number
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


def receive_batch(session: Session, engine: Engine, messages: list[dict], now: datetime) -> BatchOutcome:
    """Apply every message of a batch; returns per-message results and the events to publish."""
    outcome = BatchOutcome()
    departments = repo.departments_by_email(session)
    fallback = repo.default_department(session)
    if fallback is None:
        raise InvalidInput("no department is configured to receive messages", "department")
    numbers = NumberAllocator(engine, block=len(messages))
    for message in messages:
        outcome.results.append(_receive_with_retry(session, message, departments, fallback, numbers,
                                                   now, outcome.events))
    return outcome


def _receive_with_retry(session, message, departments, fallback, numbers, now, events) -> dict:
    # A concurrent batch may create the same customer or message first: the
    # savepoint rolls back only this message, and the second try finds theirs.
    for attempt in (1, 2):
        pending_events: list[tuple[str, dict]] = []
        try:
            with session.begin_nested():
                result = _receive_one(session, message, departments, fallback, numbers, now, pending_events)
            events.extend(pending_events)
            return result
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("retrying message %s after a concurrent insert", message.get("message_id"))
    raise AssertionError("unreachable")


def route_department(recipients: list[str], departments: dict[str, Department], fallback: Department):
    """The department of the first recipient address that belongs to one, else the default."""
    for address in recipients:
        department = departments.get((address or "").strip().lower())
        if department is not None:
            return department
    return fallback


def _receive_one(session, message, departments, fallback, numbers, now, events) -> dict:
    department = route_department(message.get("recipients", []), departments, fallback)
    rfc_id = message["message_id"]
    duplicate = repo.message_in_department(session, department.id, rfc_id)
    if duplicate is not None:
        ticket = session.get(Ticket, duplicate.ticket_id)
        return {"status": "duplicate", "ticket_number": ticket.number, "message_id": rfc_id}
    sender = _sender_email(message)
    decision = decide_thread(
        by_headers=_candidate(session, _ticket_by_headers(session, message)),
        by_tracking=_candidate(session, repo.ticket_by_number(session, message.get("tracking_number") or "")),
        sender_email=sender, now=now, reopen_window_days=REOPEN_WINDOW_DAYS)
    customer = _find_or_create_customer(session, sender, message.get("from_name", ""), now)
    if decision.action == "append":
        ticket = repo.ticket_by_number(session, decision.ticket_number)
        _update_status_on_customer_message(session, ticket, decision.reopen, now, events)
        status = "appended"
    else:
        linked = repo.ticket_by_number(session, decision.linked_to) if decision.linked_to else None
        ticket = _open_ticket(session, message, department, customer, numbers.next(now), linked, now)
        events.append(("ticket_created", ticket_created_event(ticket, department, customer)))
        status = "created"
    _add_inbound_message(session, ticket, message, sender, now)
    events.append(("message_received", {
        "ticket_number": ticket.number, "message_id": rfc_id, "channel": message.get("channel", "email"),
        "from_email": sender, "is_auto_submitted": bool(message.get("is_auto_submitted")),
        "matched_by": decision.matched_by, "created_at": iso(now)}))
    return {"status": status, "ticket_number": ticket.number, "message_id": rfc_id}


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


def _add_inbound_message(session, ticket: Ticket, message: dict, sender: str, now: datetime) -> None:
    session.add(Message(
        ticket_id=ticket.id, department_id=ticket.department_id, direction="inbound",
        channel=message.get("channel", "email"), rfc_message_id=message["message_id"],
        in_reply_to=list(message.get("in_reply_to") or []), references=list(message.get("references") or []),
        subject=message.get("subject") or "", from_name=message.get("from_name") or "", from_email=sender,
        to_emails=list(message.get("to") or []), body_text=message.get("body_text") or "",
        body_html=message.get("body_html"), reply_text=message.get("reply_text") or "",
        is_auto_submitted=bool(message.get("is_auto_submitted")), created_at=now))
    session.flush()
