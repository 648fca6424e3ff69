"""Queueing, sending and retrying deliveries; every outcome is recorded and published."""
from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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


def queue_reply(session: Session, event: dict) -> Delivery:
    """A pending delivery for a ``reply_posted`` event (one per Message-ID, however often it comes)."""
    existing = delivery_by_message_id(session, event["message_id"])
    if existing is not None:
        return existing
    built = mail.build_reply(event, read_attachments(event.get("attachments") or []))
    return queue_mail(session, built, kind="reply", ticket_number=event["ticket_number"],
                      department_id=event.get("department_id"), message_db_id=event.get("message_db_id"))


def queue_mail(session: Session, built: EmailMessage, *, kind: str, ticket_number: str,
               department_id: int | None, message_db_id: int | None = None,
               details: dict | None = None) -> Delivery:
    """A pending delivery of a built mail, or the one already queued under its Message-ID."""
    message_id = built["Message-ID"].strip("<>")
    existing = delivery_by_message_id(session, message_id)
    if existing is not None:
        return existing
    delivery = Delivery(
        kind=kind, ticket_number=ticket_number, department_id=department_id, message_db_id=message_db_id,
        message_id=message_id, from_email=_address(built["From"]), to_email=_address(built["To"]),
        subject=built["Subject"], raw=mail.wire_bytes(built), status="pending", attempts=0,
        next_attempt_at=utcnow(), created_at=utcnow(), details=details)
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:  # the same mail queued at this moment by another worker: theirs stands
        return delivery_by_message_id(session, message_id)
    return delivery


def delivery_by_message_id(session: Session, message_id: str) -> Delivery | None:
    return session.scalars(select(Delivery).where(Delivery.message_id == message_id)).first()


def due_deliveries(session: Session, limit: int = 50) -> list[tuple[int, int | None]]:
    """``(delivery id, department id)`` of pending deliveries whose retry time has come, oldest first."""
    return [tuple(row) for row in session.execute(select(Delivery.id, Delivery.department_id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at).limit(limit))]


def attempt(session: Session, delivery_id: int, chooser: SmtpChooser) -> str | None:
    """Try to send one due delivery: ``sent``, ``failed``, ``retry``, ``unreachable``, or None if not ours now."""
    # The row lock is held until the outcome commits, so no second worker or process sends it too.
    delivery = session.scalars(select(Delivery).where(
        Delivery.id == delivery_id, Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .with_for_update(skip_locked=True)).first()
    if delivery is None:
        return None
    delivery.attempts += 1
    try:
        settings = chooser.smtp_for(delivery.department_id)
        mail.send(settings, delivery.raw, delivery.from_email, delivery.to_email)
    except mail.TemporaryFailure as exc:
        _temporary(session, delivery, str(exc), timedelta(seconds=chooser.first_retry_seconds))
        if delivery.status == "pending":
            return "unreachable" if isinstance(exc, mail.Unreachable) else "retry"
    except mail.PermanentFailure as exc:
        _failed(session, delivery, str(exc))
    else:
        _sent(session, delivery)
    return delivery.status


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
