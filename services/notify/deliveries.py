"""Queueing, sending and retrying deliveries; every outcome is recorded and published."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.attachments import read_attachments
from services.notify.models import Delivery, outbox
from services.shared.events import utcnow
from services.shared.outbox import record_event

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(minutes=30)
# kind → (event when sent, event when failed for good); automatic mail that fails stays in deliveries.
OUTCOME_EVENTS = {
    "reply": ("reply_sent", "reply_failed"),
    "acknowledgement": ("acknowledgement_sent", None),
    "attachments_notice": ("attachments_notice_sent", None),
}


class SmtpChooser(Protocol):
    first_retry_seconds: int

    def smtp_for(self, department_id: int | None) -> mail.SmtpSettings: ...


@dataclass(frozen=True)
class OutgoingMail:
    """A built mail and what its delivery row records about it."""
    built: EmailMessage
    kind: str  # reply | acknowledgement | attachments_notice
    ticket_number: str
    department_id: int | None
    message_db_id: int | None = None
    details: dict | None = None


def queue_reply(session: Session, event: dict) -> int:
    """The pending delivery of a ``reply_posted`` event (one per Message-ID, however often it comes)."""
    existing = session.scalar(select(Delivery.id).where(Delivery.message_id == event["message_id"]))
    if existing is not None:
        return existing
    built = mail.build_reply(event, read_attachments(event.get("attachments") or []))
    [delivery_id] = queue_mails(session, [OutgoingMail(
        built, "reply", event["ticket_number"], event.get("department_id"), event.get("message_db_id"))])
    return delivery_id


def queue_mails(session: Session, mails: list[OutgoingMail]) -> list[int]:
    """Pending deliveries for built mails, in one insert; returns their ids in order.

    A mail whose Message-ID is queued already (a redelivered event, or another
    worker at this very moment) keeps that delivery: each mail is sent once.
    """
    if not mails:
        return []
    now = utcnow()
    rows = [_delivery_row(outgoing, now) for outgoing in mails]
    ids = dict(session.execute(insert(Delivery).values(rows).on_conflict_do_nothing(index_elements=["message_id"])
                               .returning(Delivery.message_id, Delivery.id)).all())
    known = [row["message_id"] for row in rows if row["message_id"] not in ids]
    if known:
        ids.update(session.execute(select(Delivery.message_id, Delivery.id)
                                   .where(Delivery.message_id.in_(known))).all())
    return [ids[row["message_id"]] for row in rows]


def _delivery_row(outgoing: OutgoingMail, now: datetime) -> dict:
    built = outgoing.built
    return dict(kind=outgoing.kind, ticket_number=outgoing.ticket_number, department_id=outgoing.department_id,
                message_db_id=outgoing.message_db_id, message_id=built["Message-ID"].strip("<>"),
                from_email=_address(built["From"]), to_email=_address(built["To"]), subject=built["Subject"],
                raw=mail.wire_bytes(built), status="pending", attempts=0, next_attempt_at=now, created_at=now,
                details=outgoing.details)


def due_deliveries(session: Session, limit: int = 50) -> list[int]:
    """Ids of pending deliveries whose retry time has come, oldest first."""
    return list(session.scalars(select(Delivery.id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at).limit(limit)))


def attempt(session: Session, delivery_ids: list[int], chooser: SmtpChooser) -> dict[int, str]:
    """Try to send due deliveries, one SMTP conversation per department; ``{id: outcome}``.

    Outcomes: ``sent``, ``failed``, ``retry`` (a temporary failure, backoff
    set) or ``unreachable``. A delivery missing from the answer was not tried
    now: sent or failed already, not due, being sent by another worker, or
    behind one its server did not answer (the next round tries it). The row
    locks are held until the outcomes commit, so no other worker or process
    sends the same mail.
    """
    due = session.scalars(select(Delivery).where(
        Delivery.id.in_(delivery_ids), Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.id).with_for_update(skip_locked=True)).all()
    by_department: dict[int | None, list[Delivery]] = {}
    for delivery in due:
        by_department.setdefault(delivery.department_id, []).append(delivery)
    outcomes: dict[int, str] = {}
    for department_id, waiting in by_department.items():
        _send_through_one_connection(session, department_id, waiting, chooser, outcomes)
    return outcomes


def _send_through_one_connection(session: Session, department_id: int | None, waiting: list[Delivery],
                                 chooser: SmtpChooser, outcomes: dict[int, str]) -> None:
    first_backoff = timedelta(seconds=chooser.first_retry_seconds)
    try:
        with mail.SmtpConnection(chooser.smtp_for(department_id)) as connection:
            for delivery in waiting:
                try:
                    connection.send(delivery.raw, delivery.from_email, delivery.to_email)
                except mail.Unreachable:
                    raise
                except (mail.TemporaryFailure, mail.PermanentFailure) as failure:
                    outcomes[delivery.id] = _settle(session, delivery, failure, first_backoff)
                else:
                    outcomes[delivery.id] = _settle(session, delivery, None, first_backoff)
    except (mail.TemporaryFailure, mail.PermanentFailure) as failure:
        # No conversation (down, refused, settings unknown) or it broke off: the mail that found
        # out takes the attempt and its backoff; the others wait for the next round, uncharged.
        untried = next(delivery for delivery in waiting if delivery.id not in outcomes)
        outcomes[untried.id] = _settle(session, untried, failure, first_backoff)


def _settle(session: Session, delivery: Delivery, failure: Exception | None, first_backoff: timedelta) -> str:
    """Count the attempt and record its outcome: ``sent``, ``failed``, ``retry`` or ``unreachable``."""
    delivery.attempts += 1
    if failure is None:
        _sent(session, delivery)
        return "sent"
    if isinstance(failure, mail.PermanentFailure):
        _failed(session, delivery, str(failure))
        return "failed"
    _temporary(session, delivery, str(failure), first_backoff)
    if delivery.status != "pending":
        return delivery.status  # gave up after the last attempt
    return "unreachable" if isinstance(failure, mail.Unreachable) else "retry"


def record_bounce(session: Session, event: dict) -> Delivery | None:
    """Mark a sent mail failed when a bounce (DSN) says it could not be delivered; None if not ours."""
    if event.get("action") != "failed" and not str(event.get("status") or "").startswith("5"):
        return None  # "delayed" and other warnings: the receiving server is still trying
    delivery = session.scalars(select(Delivery).where(Delivery.message_id == event.get("original_message_id"))
                               .with_for_update()).first()
    if delivery is None or delivery.status == "failed":
        return None
    detail = " ".join(str(event.get(k) or "") for k in ("status", "diagnostic")).strip() or "no details"
    _failed(session, delivery, f"bounced: {detail}")
    return delivery


def _sent(session: Session, delivery: Delivery) -> None:
    delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
    sent_event, _ = OUTCOME_EVENTS[delivery.kind]
    payload = _outcome(delivery)
    if delivery.kind != "reply":
        del payload["message_db_id"]  # automatic mail has no thread entry yet: the event creates it
        payload.update({**(delivery.details or {}), "subject": delivery.subject,
                        "from_email": delivery.from_email, "sent_at": delivery.sent_at.isoformat()})
    record_event(session, outbox, sent_event, payload)


def _temporary(session: Session, delivery: Delivery, error: str, first_backoff: timedelta) -> None:
    if delivery.attempts >= MAX_ATTEMPTS:
        _failed(session, delivery, f"gave up after {delivery.attempts} attempts: {error}")
        return
    backoff = min(first_backoff * (2 ** (delivery.attempts - 1)), MAX_BACKOFF)
    delivery.last_error, delivery.next_attempt_at = error, utcnow() + backoff
    log.warning("delivery %s to %s failed (%s); retrying in %s", delivery.id, delivery.to_email, error, backoff)


def _failed(session: Session, delivery: Delivery, error: str) -> None:
    delivery.status, delivery.last_error, delivery.next_attempt_at = "failed", error, None
    log.error("delivery %s to %s failed for good: %s", delivery.id, delivery.to_email, error)
    _, failed_event = OUTCOME_EVENTS[delivery.kind]
    if failed_event:
        record_event(session, outbox, failed_event, {**_outcome(delivery), "error": error})


def _outcome(delivery: Delivery) -> dict:
    return {"ticket_number": delivery.ticket_number, "message_db_id": delivery.message_db_id,
            "message_id": delivery.message_id, "to_email": delivery.to_email, "attempts": delivery.attempts}


def _address(header) -> str:
    return header.addresses[0].addr_spec
