"""Building a destination's backlog of overdue deliveries in one statement, not by sending thousands."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.notify.destinations import ensure_destinations
from services.notify.domain.destinations import smtp_destination

BACKLOG = text("""
    INSERT INTO notify.deliveries (kind, ticket_number, department_id, message_id, from_email, to_email, subject,
                                   raw, details, destination, status, attempts, next_attempt_at, created_at)
    SELECT :kind, '2026-' || lpad(n::text, 6, '0'), :department_id, :prefix || n || '@example.com',
           :from_email, 'musteri' || n || '@example.org', 'Talebiniz alındı [#2026-' || lpad(n::text, 6, '0') || ']',
           convert_to('From: ' || :from_email || E'\\r\\nTo: musteri' || n || E'@example.org\\r\\nSubject: [#2026-'
                      || lpad(n::text, 6, '0') || E']\\r\\nMessage-ID: <' || :prefix || n
                      || E'@example.com>\\r\\n\\r\\nAlindi.\\r\\n', 'UTF8'),
           CASE WHEN :kind <> 'reply' THEN jsonb_build_object(  -- what automatic.py keeps of an automatic mail
               'kind', CAST(:kind AS text), 'body_text', 'Alindi.', 'from_name', 'Destek', 'in_reply_to', '[]'::jsonb,
               'references', '[]'::jsonb) END,
           :destination, 'pending', 0, now() - CAST(:overdue AS interval), now() - CAST(:overdue AS interval)
    FROM generate_series(1, :count) AS n""")


def overdue_deliveries(engine, *, department_id: int | None, count: int, prefix: str,
                       kind: str = "acknowledgement", overdue: timedelta = timedelta(hours=6)) -> list[str]:
    """``count`` pending deliveries of a department, due ``overdue`` ago; their Message-IDs."""
    destination = smtp_destination(department_id)
    with Session(engine) as session, session.begin():
        ensure_destinations(session, {destination})
        session.execute(BACKLOG, {"kind": kind, "department_id": department_id, "prefix": prefix,
                                  "from_email": f"d{department_id}@example.com", "destination": destination,
                                  "overdue": f"{int(overdue.total_seconds())} seconds", "count": count})
    return [f"{prefix}{n}@example.com" for n in range(1, count + 1)]


def counts(engine, department_id: int) -> dict:
    """``{"pending", "sent", "attempts"}`` of a department's deliveries."""
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sent'), "
            "coalesce(sum(attempts), 0) FROM notify.deliveries WHERE department_id = :d"), {"d": department_id}).one()
    return {"pending": row[0], "sent": row[1], "attempts": row[2]}
