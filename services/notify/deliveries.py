"""Queueing deliveries: a batch of mails is one insert (sending.py sends them)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.attachments import read_attachments
from services.notify.destinations import ensure_destinations
from services.notify.domain.destinations import smtp_destination
from services.notify.models import Delivery
from services.shared.contracts.events import ReplyPosted
from services.shared.events import utcnow

# The rows travel as one JSON document and the mails' bytes as one bytea, cut apart by PostgreSQL:
# the statement text is the same for every batch size, and psycopg escapes a list of long strings
# or bytes element by element in Python, which cost more CPU than building the mails.
QUEUE_MAILS = text("""
    INSERT INTO notify.deliveries (kind, ticket_number, department_id, message_db_id, message_id, from_email,
                                   to_email, subject, raw, details, destination, status, attempts,
                                   next_attempt_at, created_at)
    SELECT m.kind, m.ticket_number, m.department_id, m.message_db_id, m.message_id, m.from_email, m.to_email,
           m.subject, substring(CAST(:raw AS bytea) FROM m.raw_start FOR m.raw_length), m.details, m.destination,
           'pending', 0, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM json_to_recordset(CAST(:mails AS json))
         AS m(kind text, ticket_number text, department_id int, message_db_id bigint, message_id text,
              from_email text, to_email text, subject text, details jsonb, destination text,
              raw_start int, raw_length int)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING message_id, id""")
QUEUED_COLUMNS = ("kind", "ticket_number", "department_id", "message_db_id", "message_id", "from_email",
                  "to_email", "subject", "details", "destination")


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

    @property
    def destination(self) -> str:
        return smtp_destination(self.department_id)


def outgoing_message(built: EmailMessage, kind: str, ticket_number: str, department_id: int | None,
                     message_db_id: int | None = None) -> OutgoingMail:
    """An :class:`OutgoingMail` of a message the email package built (replies, with their attachments)."""
    return OutgoingMail(mail.wire_bytes(built), built["Message-ID"].strip("<>"), _address(built["From"]),
                        _address(built["To"]), built["Subject"], kind, ticket_number, department_id, message_db_id)


def queue_reply(session: Session, event: ReplyPosted) -> int:
    """The pending delivery of a ``reply_posted`` event (one per Message-ID, however often it comes)."""
    existing = session.scalar(select(Delivery.id).where(Delivery.message_id == event.message_id))
    if existing is not None:
        return existing
    built = mail.build_reply(event, read_attachments(event.attachments))
    [delivery_id] = list(queue_mails(session, [outgoing_message(
        built, "reply", event.ticket_number, event.department_id, event.message_db_id)]))
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
    ensure_destinations(session, {outgoing.destination for outgoing in mails})
    ids = dict(session.execute(QUEUE_MAILS, parameters).tuples().all())
    queued = {ids[outgoing.message_id]: outgoing for outgoing in mails if outgoing.message_id in ids}
    known = [outgoing.message_id for outgoing in mails if outgoing.message_id not in ids]
    if known:
        ids.update(session.execute(select(Delivery.message_id, Delivery.id)
                                   .where(Delivery.message_id.in_(known))).tuples().all())
    return {ids[outgoing.message_id]: queued.get(ids[outgoing.message_id]) for outgoing in mails}


def _address(header) -> str:
    return header.addresses[0].addr_spec
