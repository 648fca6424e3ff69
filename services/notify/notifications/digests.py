"""Mailing staff what they chose to be told by mail: once nothing new came for a person for the window
(or the first of it has waited the longest allowed), everything waiting for them goes in one mail: one
notification alone, or a digest of a burst.

The mail goes from the department's address through notify's deliveries, like
every other mail, so it is retried and sent once. It is internal: marked
``Auto-Submitted: auto-generated``, with no In-Reply-To, References,
X-Destek-Ticket or tracking tag, so that nothing ever threads it (or an answer
to it) into the customer's conversation.
"""
from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from services.notify import deliveries, mail
from services.notify.domain.automatic_mail import stable_message_id
from services.notify.models import StaffNotification as Row
from services.notify.notifications.notifications import with_subject
from services.notify.notifications.rules import staff_mail_text
from services.notify.notifications.tickets_copy import subjects_of
from services.notify.settings import StaffMailPolicy
from services.shared.events import utcnow

PEOPLE_PER_ROUND = 100


def people_due(session: Session, *, policy: StaffMailPolicy, now: datetime) -> list[int]:
    """Those to whom nothing new came for the window, or whose oldest waiting notification waited the most."""
    return list(session.scalars(
        select(Row.user_id).where(Row.email_state == "waiting").group_by(Row.user_id)
        .having(or_(func.max(Row.created_at) <= now - policy.digest_window,
                    func.min(Row.created_at) <= now - policy.digest_max_wait))
        .order_by(func.min(Row.created_at)).limit(PEOPLE_PER_ROUND)))


def queue_mail_for(session: Session, user_id: int, *, policy: StaffMailPolicy, staff, departments
                   ) -> dict[int, deliveries.OutgoingMail | None]:
    """Queue one mail of everything waiting for this person (``{delivery id: mail}``; empty if none).

    The rows are locked and skipped by any other process doing the same, and marked in the
    delivery's own transaction: each notification is mailed once.
    """
    rows = session.scalars(select(Row).where(Row.user_id == user_id, Row.email_state == "waiting")
                           .order_by(Row.id).with_for_update(skip_locked=True)).all()
    if not rows:
        return {}
    person = staff.user(user_id)
    if not person or not person.get("email"):  # gone or disabled: the console keeps them, no mail goes
        _mark(session, rows, state="none", delivery_id=None)
        return {}
    department_id = rows[0].department_id
    department = departments.settings(department_id) or {}
    sender = department.get("email") or policy.fallback_from
    subjects = subjects_of(session, {row.ticket_number for row in rows})
    items = [{"kind": row.kind, "ticket_number": row.ticket_number,
              "data": with_subject(row.data, row.ticket_number, subjects)} for row in rows]
    outgoing = _outgoing(rows, items, person, (department.get("name") or "Destek", sender), department_id, policy)
    queued = deliveries.queue_mails(session, [outgoing])
    [delivery_id] = list(queued)
    _mark(session, rows, state="queued", delivery_id=delivery_id)
    return queued


def _outgoing(rows: list[Row], items: list[dict], person: dict, named_sender: tuple[str, str],
              department_id: int | None, policy: StaffMailPolicy) -> deliveries.OutgoingMail:
    sender = named_sender[1]
    text = staff_mail_text(items, name=person.get("name") or "", console_url=policy.console_url)
    # Keyed on the notifications it carries: the same mail however often this runs.
    message_id = stable_message_id("staff", f"{person['id']}\0{rows[0].id}\0{rows[-1].id}\0{len(rows)}", sender)
    built = EmailMessage()
    built["From"] = formataddr(named_sender)
    built["To"] = formataddr((person.get("name") or "", person["email"]))
    built["Subject"] = text.subject
    built["Date"] = format_datetime(utcnow())
    built["Message-ID"] = f"<{message_id}>"
    built["Auto-Submitted"] = "auto-generated"  # RFC 3834: written by Destek, not in answer to anything
    built["X-Auto-Response-Suppress"] = "All"
    built.set_content(text.body, charset="utf-8")
    kind = "staff_notification" if len(rows) == 1 else "staff_digest"
    return deliveries.OutgoingMail(mail.wire_bytes(built), message_id, sender, person["email"], text.subject,
                                   kind, rows[0].ticket_number if len(rows) == 1 else "", department_id)


def _mark(session: Session, rows: list[Row], *, state: str, delivery_id: int | None) -> None:
    session.execute(update(Row).where(Row.id.in_([row.id for row in rows]))
                    .values(email_state=state, delivery_id=delivery_id))
