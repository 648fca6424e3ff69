"""Queueing and sending deliveries: a batch is one insert, one SMTP conversation per department."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from types import SimpleNamespace
from typing import Protocol

from sqlalchemy import ARRAY, BigInteger, any_, bindparam, select, text
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.attachments import read_attachments
from services.notify.models import Delivery
from services.notify.outcomes import Settled, settle
from services.shared.events import utcnow

# The rows travel as one JSON document and the mails' bytes as one bytea, cut apart by PostgreSQL:
# the statement text is the same for every batch size, and psycopg escapes a list of long strings
# or bytes element by element in Python, which cost more CPU than building the mails.
QUEUE_MAILS = text("""
    INSERT INTO notify.deliveries (kind, ticket_number, department_id, message_db_id, message_id, from_email,
                                   to_email, subject, raw, details, status, attempts, next_attempt_at, created_at)
    SELECT m.kind, m.ticket_number, m.department_id, m.message_db_id, m.message_id, m.from_email, m.to_email,
           m.subject, substring(CAST(:raw AS bytea) FROM m.raw_start FOR m.raw_length), m.details, 'pending', 0,
           CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM json_to_recordset(CAST(:mails AS json))
         AS m(kind text, ticket_number text, department_id int, message_db_id bigint, message_id text,
              from_email text, to_email text, subject text, details jsonb, raw_start int, raw_length int)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING message_id, id""")
QUEUED_COLUMNS = ("kind", "ticket_number", "department_id", "message_db_id", "message_id", "from_email",
                  "to_email", "subject", "details")
DELIVERY_IDS = bindparam("ids", type_=ARRAY(BigInteger))
# What a delivery's attempt reads under its row lock; its bytes and details come apart (see _contents).
LOCKED_COLUMNS = [column for column in Delivery.__table__.c if column.name not in ("raw", "details", "created_at")]


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
    [delivery_id] = list(queue_mails(session, [outgoing_message(
        built, "reply", event["ticket_number"], event.get("department_id"), event.get("message_db_id"))]))
    return delivery_id


def queue_mails(session: Session, mails: list[OutgoingMail]) -> dict[int, OutgoingMail | None]:
    """Pending deliveries for built mails, in one insert: ``{delivery id: mail}`` in order.

    A mail whose Message-ID is queued already (a redelivered event, or another
    worker at this very moment) keeps that delivery, and None stands for its
    mail: each mail is sent once, and as it was first built.
    """
    if not mails:
        return {}
    rows, start = [], 1
    for outgoing in mails:
        rows.append({**{name: getattr(outgoing, name) for name in QUEUED_COLUMNS},
                     "raw_start": start, "raw_length": len(outgoing.raw)})
        start += len(outgoing.raw)
    parameters = {"mails": json.dumps(rows, ensure_ascii=False), "raw": b"".join(m.raw for m in mails), "now": utcnow()}
    ids = dict(session.execute(QUEUE_MAILS, parameters).tuples().all())
    queued = {ids[outgoing.message_id]: outgoing for outgoing in mails if outgoing.message_id in ids}
    known = [outgoing.message_id for outgoing in mails if outgoing.message_id not in ids]
    if known:
        ids.update(session.execute(select(Delivery.message_id, Delivery.id)
                                   .where(Delivery.message_id.in_(known))).tuples().all())
    return {ids[outgoing.message_id]: queued.get(ids[outgoing.message_id]) for outgoing in mails}


def due_deliveries(session: Session, limit: int = 50) -> list[int]:
    """Ids of pending deliveries whose retry time has come, oldest first."""
    return list(session.scalars(select(Delivery.id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at).limit(limit)))


def attempt(session: Session, delivery_ids: list[int], chooser: SmtpChooser,
            built: dict[int, OutgoingMail | None] | None = None) -> dict[int, str]:
    """Try to send due deliveries, one SMTP conversation per department; ``{id: outcome}``.

    Outcomes: ``sent``, ``failed``, ``retry`` (a temporary failure, backoff
    set) or ``unreachable``. A delivery missing from the answer was not tried
    now: sent or failed already, not due, being sent by another worker, or
    behind one its server did not answer (the next round tries it). The row
    locks are held until the outcomes commit, so no other worker or process
    sends the same mail. ``built``: mails this worker has just queued, whose
    bytes need not be read back.
    """
    due = session.execute(select(*LOCKED_COLUMNS).where(
        Delivery.id == any_(DELIVERY_IDS), Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.id).with_for_update(skip_locked=True), {"ids": list(delivery_ids)}).all()
    contents = _contents(session, [delivery.id for delivery in due], built or {})
    by_department: dict[int | None, list] = {}
    for delivery in due:
        raw, details = contents[delivery.id]
        by_department.setdefault(delivery.department_id, []).append(
            SimpleNamespace(**delivery._mapping, raw=raw, details=details))
    settled = Settled(first_backoff=timedelta(seconds=chooser.first_retry_seconds))
    for department_id, waiting in by_department.items():
        _send_through_one_connection(department_id, waiting, chooser, settled)
    settled.write(session)
    return settled.outcomes


def _contents(session: Session, delivery_ids: list[int], built: dict[int, OutgoingMail | None]) -> dict:
    """``{id: (raw, details)}``: from the mails in hand, the others from the table (retries, redeliveries)."""
    contents = {i: (built[i].raw, built[i].details) for i in delivery_ids if built.get(i) is not None}
    missing = [i for i in delivery_ids if i not in contents]
    if missing:
        contents.update((row.id, (row.raw, row.details)) for row in session.execute(
            select(Delivery.id, Delivery.raw, Delivery.details).where(Delivery.id == any_(DELIVERY_IDS)),
            {"ids": missing}))
    return contents


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
