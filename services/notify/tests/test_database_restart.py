"""A real notify process rides out a PostgreSQL restart in the middle of a round: each reply once, all ``sent``.

Test policy: the shared PostgreSQL is never restarted. This test points a
notify process (started as ``make run`` starts it, on the shared RabbitMQ's
vhost of the test) at a database of a private cluster
(``tests/support/private_backends.py``) and stops that cluster while the SMTP
server has a batch of replies in hand, so that the process learns what
became of them with the database away and loses its lease with it.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.notify.lease import LEASE_CLASS, Lease, recover_orphans
from services.notify.settings import DeliveryPacing, LeaseTiming
from services.notify.tests.holding_smtp import holding_server
from services.notify.tests.test_crash_while_sending import _metrics, notify_process, queue_reply
from services.shared.migrate import upgrade_all
from tests.support.private_backends import private_postgres  # noqa: F401 (a fixture)
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

# Another notify process's sweep, as eager as it may be: five seconds after PostgreSQL starts it would take
# whatever is "sending" under a lease nobody holds.
EAGER_SWEEPER = Lease(0, DeliveryPacing(), LeaseTiming(grace_seconds=5))


@pytest.fixture
def restartable_db(private_postgres):  # noqa: F811 (the fixture imported above)
    """notify's tables in a database of the private cluster, and an engine on it."""
    url = private_postgres.create_database("notify_restart")
    upgrade_all(url, services=("notify",))
    engine = create_engine(url, pool_pre_ping=True)
    yield url, engine
    engine.dispose()


def states(engine) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT status, count(*) FROM notify.deliveries GROUP BY status")).tuples().all())


def sending_owners(engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(text(
            "SELECT DISTINCT sending_owner FROM notify.deliveries WHERE status = 'sending'")).scalars())


def lease_held(engine, owner: int) -> bool:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
            "AND classid = CAST(:c AS oid) AND objid = CAST(:o AS oid)"), {"c": LEASE_CLASS, "o": owner}).scalar() == 1


def sweep(engine) -> list:
    with Session(engine) as session, session.begin():
        return recover_orphans(session, EAGER_SWEEPER)


def test_replies_in_hand_when_postgresql_restarts_are_recorded_under_the_lease_taken_again_and_sent_once(
        restartable_db, private_postgres, rabbit_config, tmp_path):  # noqa: F811
    url, engine = restartable_db
    ids = [f"restart-{n:02}.2026-000042@example.com" for n in range(30)]
    for message_id in ids:
        queue_reply(engine, message_id)
    with holding_server(tmp_path / "smtp") as (smtp_port, server), \
            notify_process(rabbit_config, smtp_port, tmp_path / "notify.log", DATABASE_URL=url,
                           DELIVERY_RECORD_EVERY="5") as (process, metrics_port):
        server.wait_for(1, timeout=30)  # the first of a batch of five is in; its "250 OK" is held back
        [owner] = sending_owners(engine)
        assert states(engine)["sending"] == 5
        engine.dispose()
        with private_postgres.down():
            server.release()
            server.wait_for(5, timeout=15)  # the whole batch went out with the database away ...
            time.sleep(3)  # ... and recording it failed, again and again
            assert process.poll() is None
        restarted = time.monotonic()

        swept = []

        def all_sent() -> bool:
            swept.extend(sweep(engine))
            return states(engine) == {"sent": 30}
        assert eventually(all_sent, timeout=60, interval=0.2), states(engine)
        print(f"\nall 30 recorded sent {time.monotonic() - restarted:.1f} s after PostgreSQL was back")
        time.sleep(4)  # the process's own orphan checks and retry scans run again: nothing may go out twice
        swept.extend(sweep(engine))

        arrived = sorted(mail.message["Message-ID"].strip("<>") for mail in server.messages)
        assert arrived == ids  # each once: none lost, none twice
        assert swept == []  # the batch in hand was under a lease held again, never a dead process's
        assert lease_held(engine, owner)  # taken again on a new connection, under the same number
        with engine.connect() as connection:
            assert connection.execute(text(
                "SELECT count(*) FROM notify.deliveries WHERE possible_duplicate OR sending_owner IS NOT NULL "
                "OR attempts <> 1")).scalar() == 0
        exposed = eventually(lambda: _metrics(metrics_port), timeout=10)
        assert "destek_notify_possible_duplicates_total{" not in exposed
    log = (tmp_path / "notify.log").read_text()
    assert f"the sending lease {owner} was lost" in log and f"the sending lease {owner} is held again" in log
    assert "could not record 5 outcomes at smtp:default" in log
