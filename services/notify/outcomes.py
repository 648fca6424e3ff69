"""What became of each delivery tried: its new state and the event it raises, written for a whole round at once."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.domain.destinations import backoff, channel_of
from services.notify.metrics import DELIVERY_FAILURES, POSSIBLE_DUPLICATES
from services.notify.models import Delivery, outbox
from services.shared.contracts.events import (AcknowledgementSent, AttachmentsNoticeSent, BounceReceived, Event,
                                              ReplyFailed, ReplySent)
from services.shared.events import utcnow
from services.shared.outbox import record_events

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(minutes=30)
# An automatic mail sent raises the event of its kind; one that fails for good stays in deliveries.
AUTOMATIC_MAIL_SENT: dict[str, type[AcknowledgementSent]] = {
    "acknowledgement": AcknowledgementSent,
    "attachments_notice": AttachmentsNoticeSent,
}
AUTOMATIC_DETAILS = ("body_text", "from_name", "in_reply_to", "references")  # what automatic.py keeps in details
STATE_COLUMNS = ("id", "attempt_id", "status", "attempts", "sent_at", "last_error", "next_attempt_at")
# One statement for every delivery of a round, its rows as one JSON document (see deliveries.QUEUE_MAILS).
# Only rows still at the attempt the outcome is of: a process whose lease was taken for a dead one's
# (it could not take it again in time) must not overwrite the attempt another process has begun since.
UPDATE_STATES = text("""
    UPDATE notify.deliveries AS d
    SET status = s.status, attempts = s.attempts, sent_at = s.sent_at, last_error = s.last_error,
        next_attempt_at = s.next_attempt_at, sending_owner = NULL
    FROM json_to_recordset(CAST(:states AS json))
         AS s(id bigint, attempt_id uuid, status text, attempts int, sent_at timestamptz, last_error text,
              next_attempt_at timestamptz)
    WHERE d.id = s.id AND d.attempt_id IS NOT DISTINCT FROM s.attempt_id
    RETURNING d.id""")


@dataclass
class Settled:
    """The outcomes of a round of attempts, kept until :meth:`write` records them in one go."""
    first_backoff: timedelta = timedelta(seconds=10)
    outcomes: dict[int, str] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)
    events: list[tuple[int, Event]] = field(default_factory=list)  # (delivery id, the event its outcome raises)

    def write(self, session: Session) -> None:
        """Store every new state in one update and the events of those stored in one insert."""
        written = set()
        if self.states:
            written = set(session.execute(UPDATE_STATES, {"states": json.dumps(self.states, default=_json)}).scalars())
        for state in self.states:
            if state["id"] not in written:
                log.warning("delivery %s: another attempt began since attempt %s, whose outcome (%s) is not "
                            "recorded", state["id"], state["attempt_id"], state["status"])
        events = [(event.event_type, event.to_wire()) for delivery_id, event in self.events if delivery_id in written]
        if events:
            record_events(session, outbox, events)


def settle(settled: Settled, delivery, failure: Exception | None) -> str:
    """Count the attempt and note its outcome: ``sent``, ``failed``, ``retry`` or ``unreachable``."""
    attempts = delivery.attempts + 1
    if failure is None:
        outcome = _sent(settled, delivery, attempts)
    elif isinstance(failure, mail.PermanentFailure):
        outcome = _failed(settled, delivery, attempts, str(failure))
    elif attempts >= MAX_ATTEMPTS:
        outcome = _failed(settled, delivery, attempts, f"gave up after {attempts} attempts: {failure}")
    else:
        _retry(settled, delivery, attempts, str(failure))
        outcome = "unreachable" if isinstance(failure, mail.Unreachable) else "retry"
    settled.outcomes[delivery.id] = outcome
    if outcome != "sent":
        failure_kind = "unreachable" if isinstance(failure, mail.Unreachable) else (
            "temporary" if isinstance(failure, mail.TemporaryFailure) else "permanent")
        DELIVERY_FAILURES.labels(channel_of(delivery.destination), failure_kind).inc()
    return outcome


def release(settled: Settled, delivery) -> None:
    """Put a delivery that was not tried back in the queue as it was: no attempt charged."""
    settled.states.append(_state(delivery, status="pending"))


def record_bounce(session: Session, event: BounceReceived) -> bool:
    """Mark a sent mail failed when a bounce (DSN) says it could not be delivered; False if not ours."""
    if event.action != "failed" and not event.status.startswith("5"):
        return False  # "delayed" and other warnings: the receiving server is still trying
    delivery = session.execute(select(*Delivery.__table__.c).where(
        Delivery.message_id == event.original_message_id).with_for_update()).first()
    if delivery is None or delivery.status == "failed":
        return False
    detail = f"{event.status} {event.diagnostic}".strip() or "no details"
    settled = Settled()
    _failed(settled, delivery, delivery.attempts, f"bounced: {detail}")
    settled.write(session)
    return True


def _sent(settled: Settled, delivery, attempts: int) -> str:
    sent_at = utcnow()
    settled.states.append(_state(delivery, status="sent", attempts=attempts, sent_at=sent_at, last_error=None))
    if delivery.possible_duplicate:
        POSSIBLE_DUPLICATES.labels(channel_of(delivery.destination)).inc()
        log.warning("delivery %s (Message-ID %s) sent again after a process died sending it: possibly a duplicate",
                    delivery.id, delivery.message_id)
    event = (ReplySent(**_outcome(delivery, attempts)) if delivery.kind == "reply"
             else _automatic_mail_sent(delivery, attempts, sent_at) if delivery.kind in AUTOMATIC_MAIL_SENT
             else None)  # staff notifications are no part of any thread: they raise no event
    if event is not None:
        settled.events.append((delivery.id, event))
    return "sent"


def _automatic_mail_sent(delivery, attempts: int, sent_at: datetime) -> AcknowledgementSent | None:
    """The event of an automatic mail sent, from what its row keeps (automatic.py); None if the row lacks it.

    Automatic mail has no thread entry yet (no ``message_db_id``): the event creates it.
    """
    details = delivery.details or {}
    missing = [name for name in AUTOMATIC_DETAILS if name not in details]
    if missing:  # the mail is gone already: failing here would send it again, so it goes without its event
        log.error("delivery %s (%s) was sent but its row lacks %s: no %s event", delivery.id, delivery.message_id,
                  ", ".join(missing), AUTOMATIC_MAIL_SENT[delivery.kind].event_type)
        return None
    return AUTOMATIC_MAIL_SENT[delivery.kind](
        ticket_number=delivery.ticket_number, message_id=delivery.message_id, subject=delivery.subject,
        body_text=details["body_text"], from_email=delivery.from_email, from_name=details["from_name"],
        to_email=delivery.to_email, in_reply_to=tuple(details["in_reply_to"]),
        references=tuple(details["references"]), sent_at=sent_at, attempts=attempts, kind=delivery.kind)


def _retry(settled: Settled, delivery, attempts: int, error: str) -> None:
    wait = backoff(settled.first_backoff, attempts, MAX_BACKOFF)
    settled.states.append(_state(delivery, status="pending", attempts=attempts, last_error=error,
                                 next_attempt_at=utcnow() + wait))
    log.warning("delivery %s to %s failed (%s); retrying in %s", delivery.id, delivery.to_email, error, wait)


def _failed(settled: Settled, delivery, attempts: int, error: str) -> str:
    settled.states.append(_state(delivery, status="failed", attempts=attempts, last_error=error,
                                 next_attempt_at=None))
    log.error("delivery %s to %s failed for good: %s", delivery.id, delivery.to_email, error)
    if delivery.kind == "reply":
        settled.events.append((delivery.id, ReplyFailed(**_outcome(delivery, attempts), error=error)))
    return "failed"


def _state(delivery, **changes) -> dict:
    return {name: changes.get(name, getattr(delivery, name)) for name in STATE_COLUMNS}


def _outcome(delivery, attempts: int) -> dict:
    return {"ticket_number": delivery.ticket_number, "message_db_id": delivery.message_db_id,
            "message_id": delivery.message_id, "to_email": delivery.to_email, "attempts": attempts}


def _json(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)  # times, and attempt ids (UUID)
