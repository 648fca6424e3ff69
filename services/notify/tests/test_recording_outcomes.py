"""A round that cannot record what the server answered keeps it and records it when the database is back.

Service tests against the real database and a real SMTP server on loopback;
the database "goes away" through a hand-written unit of work whose commits
fail as a dropped connection's do (the restart itself is tested, with a
private cluster, in ``test_database_restart.py``).
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.notify import sending
from services.notify.lease import LEASE_CLASS, Lease
from services.notify.mail import SmtpSettings
from services.notify.models import Delivery, outbox
from services.notify.outcomes import Settled, settle
from services.notify.sending import DestinationRound
from services.notify.settings import DeliveryPacing
from services.notify.tests.test_crash_while_sending import queue_reply
from services.shared.database import UnitOfWork

OWNER = 424242


class DatabaseAway:
    """A unit of work whose transactions number ``first_failing`` and the ``failures - 1`` after it do their
    work and then fail to commit, as when PostgreSQL drops the connection."""

    def __init__(self, engine, *, first_failing: int, failures: int):
        self.real = UnitOfWork(sessionmaker(engine, expire_on_commit=False))
        self.failing = range(first_failing, first_failing + failures)
        self.count = 0

    @contextmanager
    def transaction(self):
        self.count += 1
        with self.real.transaction() as session:
            yield session
            if self.count in self.failing:
                raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


class OneServer:
    """Every department sends through the test's SMTP server."""
    first_retry_seconds = 1

    def __init__(self, smtp):
        self.settings = SmtpSettings(smtp.host, smtp.port, "", "", "none", first_retry_seconds=1)

    def smtp_for(self, department_id):
        return self.settings


@pytest.fixture
def lease(clean_db, monkeypatch):
    """A lease this test holds, as a notify process does; retries of recording are quick."""
    monkeypatch.setattr(sending, "RECORD_FIRST_PAUSE", 0.05)
    with clean_db.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(CAST(:c AS int), CAST(:o AS int))"), {"c": LEASE_CLASS, "o": OWNER})
        yield Lease(OWNER, DeliveryPacing(record_every=5))
        holder.execute(text("SELECT pg_advisory_unlock_all()"))


def statuses(engine) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT status, count(*) FROM notify.deliveries GROUP BY status")).tuples().all())


def test_outcomes_the_database_would_not_take_are_kept_and_recorded_when_it_is_back(clean_db, smtp, lease):
    for n in range(12):
        queue_reply(clean_db, f"record-{n:02}@example.com")
    uow = DatabaseAway(clean_db, first_failing=2, failures=3)  # 1 claims five; 2, 3, 4 fail to record them

    outcomes = DestinationRound(uow, "smtp:default", lease, OneServer(smtp)).run()

    assert outcomes == {n: "sent" for n in range(1, 6)}
    assert uow.count == 6  # claim, three failures, the record, the verdict: nothing claimed after the outage
    assert statuses(clean_db) == {"sent": 5, "pending": 7}  # no "sending" left behind, nothing claimed and lost
    DestinationRound(uow, "smtp:default", lease, OneServer(smtp)).run()
    assert statuses(clean_db) == {"sent": 12}
    arrived = sorted(mail.message["Message-ID"] for mail in smtp.wait_for(12))
    assert arrived == sorted(f"<record-{n:02}@example.com>" for n in range(12))  # each once


def test_a_round_claims_nothing_under_a_lease_postgresql_does_not_see_held(clean_db, smtp, lease):
    queue_reply(clean_db, "unleased@example.com")
    dropped = Lease(OWNER + 1, DeliveryPacing())  # as after a restart, before this process has noticed

    assert DestinationRound(DatabaseAway(clean_db, first_failing=0, failures=0), "smtp:default", dropped,
                            OneServer(smtp)).run() == {}
    assert statuses(clean_db) == {"pending": 1}
    assert smtp.messages == []


def test_an_outcome_is_not_recorded_over_an_attempt_another_process_began_since(clean_db):
    queue_reply(clean_db, "superseded@example.com")
    queue_reply(clean_db, "still-ours@example.com")
    claim = text("UPDATE notify.deliveries SET status = 'sending', attempt_id = gen_random_uuid(), "
                 "sending_owner = :owner WHERE message_id = :m")
    with clean_db.begin() as connection:
        for message_id in ("superseded@example.com", "still-ours@example.com"):
            connection.execute(claim, {"owner": OWNER, "m": message_id})
        claimed = connection.execute(select(*Delivery.__table__.c).order_by(Delivery.id)).all()
    settled = Settled()
    for delivery in claimed:
        settle(settled, delivery, None)  # both went out, as far as this process knows
    with clean_db.begin() as connection:  # a lease lost for too long: another process took one and began again
        connection.execute(claim, {"owner": OWNER + 1, "m": "superseded@example.com"})

    with Session(clean_db) as session, session.begin():
        settled.write(session)

    with clean_db.connect() as connection:
        rows = dict(connection.execute(text(
            "SELECT message_id, status || ':' || coalesce(sending_owner::text, '-') FROM notify.deliveries")).all())
        events = connection.execute(select(outbox.c.payload)).scalars().all()
    assert rows == {"superseded@example.com": f"sending:{OWNER + 1}", "still-ours@example.com": "sent:-"}
    assert [event["message_id"] for event in events] == ["still-ours@example.com"]  # one reply_sent, ours
