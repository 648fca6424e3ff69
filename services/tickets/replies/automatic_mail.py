"""Mail notify sent on its own (acknowledgements, attachments notices) written onto the threads, set-based.

One acknowledgement goes out per new ticket, so these arrive as fast as
tickets are opened. A batch is one statement: the mails travel as one JSON
document, their tickets are found by number in the same statement, and the
unique index on (department, Message-ID) keeps out a mail already on the
thread. Loading each ticket and adding each message through the ORM cost
more CPU than the database spent.
"""
from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.shared.contracts.events import AcknowledgementSent

RECORD_AUTOMATIC_MAIL = text("""
    INSERT INTO tickets.messages (ticket_id, department_id, direction, channel, rfc_message_id, in_reply_to,
                                  "references", subject, from_name, from_email, to_emails, body_text, reply_text,
                                  is_auto_submitted, delivery_status, created_at)
    SELECT t.id, t.department_id, 'outbound', 'email', m.message_id, m.in_reply_to, m."references", m.subject,
           m.from_name, m.from_email, ARRAY[m.to_email], m.body_text, m.body_text, true, 'sent', m.sent_at
    FROM json_to_recordset(CAST(:mails AS json))
         AS m(ticket_number text, message_id text, in_reply_to text[], "references" text[], subject text,
              from_name text, from_email text, to_email text, body_text text, sent_at timestamptz)
    JOIN tickets.tickets AS t ON t.number = m.ticket_number
    ON CONFLICT (department_id, rfc_message_id) WHERE rfc_message_id IS NOT NULL DO NOTHING
    RETURNING id""")


def record_automatic_mail(session: Session, events: list[AcknowledgementSent]) -> list[int]:
    """Append sent automatic mails to their tickets' threads; returns the new messages' ids.

    Their Message-IDs then thread the customers' answers. A ticket deleted
    meanwhile takes nothing; a mail already on the thread is not added twice.
    """
    if not events:
        return []
    mails = json.dumps([_mail(event) for event in events], ensure_ascii=False)
    return list(session.execute(RECORD_AUTOMATIC_MAIL, {"mails": mails}).scalars())


def _mail(event: AcknowledgementSent) -> dict:
    return {"ticket_number": event.ticket_number, "message_id": event.message_id,
            "in_reply_to": list(event.in_reply_to), "references": list(event.references), "subject": event.subject,
            "from_name": event.from_name, "from_email": event.from_email, "to_email": event.to_email,
            "body_text": event.body_text, "sent_at": event.sent_at.isoformat()}
