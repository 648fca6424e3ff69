"""Queueing and sending deliveries: a batch is one insert, one SMTP conversation per department."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import ARRAY, BigInteger, any_, bindparam, select, text
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.attachments import read_attachments
from services.notify.models import Delivery
from services.notify.outcomes import Settled, settle
from services.shared.events import utcnow

# Column arrays unpacked by PostgreSQL: the statement text is the same for every batch size,
# so it is parsed once, and a burst of mail costs one round trip.
QUEUE_MAILS = text("""
    INSERT INTO notify.deliveries (kind, ticket_number, department_id, message_db_id, message_id, from_email,
                                   to_email, subject, raw, details, status, attempts, next_attempt_at, created_at)
    SELECT kind, ticket_number, department_id, message_db_id, message_id, from_email, to_email, subject, raw,
           CAST(details AS jsonb), 'pending', 0, :now, :now
    FROM unnest(CAST(:kind AS text[]), CAST(:ticket_number AS text[]), CAST(:department_id AS int[]),
                CAST(:message_db_id AS bigint[]), CAST(:message_id AS text[]), CAST(:from_email AS text[]),
                CAST(:to_email AS text[]), CAST(:subject AS text[]), CAST(:raw AS bytea[]),
                CAST(:details AS text[]))
         AS r(kind, ticket_number, department_id, message_db_id, message_id, from_email, to_email, subject, raw,
              details)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING message_id, id""")
QUEUED_COLUMNS = ("kind", "ticket_number", "department_id", "message_db_id", "message_id", "from_email",
                  "to_email", "subject", "raw", "details")
DELIVERY_IDS = bindparam("ids", type_=ARRAY(BigInteger))


class SmtpChooser(Protocol):
    first_retry_seconds: int

    def smtp_for(self, department_id: int | None) -> mail.SmtpSettings: ...


@dataclass(frozen=True)
class OutgoingMail:
    """A mail in its wire form (CRLF) and what its delivery row records about it."""
    raw: bytes
    message_id: str
    from_email: str
    to_email: str
    subject: str
    kind: str  # reply | acknowledgement | attachments_notice
    ticket_number: str
    department_id: int | None
    message_db_id: int | None = None
    details: dict | None = None


def outgoing_message(built: EmailMessage, kind: str, ticket_number: str, department_id: int | None,
                     message_db_id: int | None = None) -> OutgoingMail:
    """An :class:`OutgoingMail` of a message the email package built (replies, with their attachments)."""
    return OutgoingMail(mail.wire_bytes(built), built["Message-ID"].strip("<>"), _address(built["From"]),
                        _address(built["To"]), built["Subject"], kind, ticket_number, department_id, message_db_id)


def queue_reply(session: Session, event: dict) -> int:
    """The pending delivery of a ``reply_posted`` event (one per Message-ID, however often it comes)."""
    existing = session.scalar(select(Delivery.id).where(Delivery.message_id == event["message_id"]))
    if existing is not None:
        return existing
    built = mail.build_reply(event, read_attachments(event.get("attachments") or []))
    [delivery_id] = queue_mails(session, [outgoing_message(
        built, "reply", event["ticket_number"], event.get("department_id"), event.get("message_db_id"))])
    return delivery_id


def queue_mails(session: Session, mails: list[OutgoingMail]) -> list[int]:
    """Pending deliveries for built mails, in one insert; returns their ids in order.

    A mail whose Message-ID is queued already (a redelivered event, or another
    worker at this very moment) keeps that delivery: each mail is sent once.
    """
    if not mails:
        return []
    columns = {name: [getattr(outgoing, name) for outgoing in mails] for name in QUEUED_COLUMNS}
    columns["details"] = [None if d is None else json.dumps(d, ensure_ascii=False) for d in columns["details"]]
    ids = dict(session.execute(QUEUE_MAILS, {**columns, "now": utcnow()}).tuples().all())
    known = [outgoing.message_id for outgoing in mails if outgoing.message_id not in ids]
    if known:
        ids.update(session.execute(select(Delivery.message_id, Delivery.id)
                                   .where(Delivery.message_id.in_(known))).tuples().all())
    return [ids[outgoing.message_id] for outgoing in mails]


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
    due = session.execute(select(*Delivery.__table__.c).where(
        Delivery.id == any_(DELIVERY_IDS), Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.id).with_for_update(skip_locked=True), {"ids": list(delivery_ids)}).all()
    by_department: dict[int | None, list] = {}
    for delivery in due:
        by_department.setdefault(delivery.department_id, []).append(delivery)
    settled = Settled(first_backoff=timedelta(seconds=chooser.first_retry_seconds))
    for department_id, waiting in by_department.items():
        _send_through_one_connection(department_id, waiting, chooser, settled)
    settled.write(session)
    return settled.outcomes


def _send_through_one_connection(department_id: int | None, waiting: list, chooser: SmtpChooser,
                                 settled: Settled) -> None:
    try:
        with mail.SmtpConnection(chooser.smtp_for(department_id)) as connection:
            for delivery in waiting:
                try:
                    connection.send(delivery.raw, delivery.from_email, delivery.to_email)
                except mail.Unreachable:
                    raise
                except (mail.TemporaryFailure, mail.PermanentFailure) as failure:
                    settle(settled, delivery, failure)
                else:
                    settle(settled, delivery, None)
    except (mail.TemporaryFailure, mail.PermanentFailure) as failure:
        # No conversation (down, refused, settings unknown) or it broke off: the mail that found
        # out takes the attempt and its backoff; the others wait for the next round, uncharged.
        untried = next(delivery for delivery in waiting if delivery.id not in settled.outcomes)
        settle(settled, untried, failure)


def _address(header) -> str:
    return header.addresses[0].addr_spec
