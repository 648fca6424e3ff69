"""Queueing, sending and retrying deliveries; every outcome is recorded and published."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.models import Delivery, outbox
from services.shared.events import utcnow
from services.shared.outbox import record_event

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(minutes=30)


def queue_reply(session: Session, event: dict) -> Delivery:
    """A pending delivery for a ``reply_posted`` event (one per Message-ID, however often it comes)."""
    existing = session.scalars(select(Delivery).where(Delivery.message_id == event["message_id"])).first()
    if existing is not None:
        return existing
    built = mail.build_reply(event)
    delivery = Delivery(
        kind="reply", ticket_number=event["ticket_number"], message_db_id=event.get("message_db_id"),
        message_id=event["message_id"], from_email=event["from_email"], to_email=event["to_email"],
        subject=event["subject"], raw=built.as_bytes(), status="pending", attempts=0,
        next_attempt_at=utcnow(), created_at=utcnow())
    session.add(delivery)
    session.flush()
    return delivery


def due_delivery_ids(session: Session, limit: int = 50) -> list[int]:
    return list(session.scalars(select(Delivery.id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at).limit(limit)))


def attempt(session: Session, delivery_id: int, settings: mail.SmtpSettings) -> str | None:
    """Try to send one pending delivery now; returns its new status, or None if another worker has it."""
    delivery = session.scalars(select(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                               .with_for_update(skip_locked=True)).first()
    if delivery is None:
        return None
    delivery.attempts += 1
    try:
        mail.send(settings, delivery.raw, delivery.from_email, delivery.to_email)
    except mail.TemporaryFailure as exc:
        _temporary(session, delivery, str(exc), timedelta(seconds=settings.first_retry_seconds))
    except mail.PermanentFailure as exc:
        _failed(session, delivery, str(exc))
    else:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
        record_event(session, outbox, "reply_sent", _outcome(delivery))
    return delivery.status


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
    record_event(session, outbox, "reply_failed", {**_outcome(delivery), "error": error})


def _outcome(delivery: Delivery) -> dict:
    return {"ticket_number": delivery.ticket_number, "message_db_id": delivery.message_db_id,
            "message_id": delivery.message_id, "to_email": delivery.to_email, "attempts": delivery.attempts}
