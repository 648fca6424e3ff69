"""Ingest across a broker restart, a database restart and a stop with tickets not answering (issue 20).

Restarts happen on a private RabbitMQ node and a private PostgreSQL cluster
(``tests/support/private_backends.py``); tests that restart only the broker use
the suite's shared test database, which stays up.
"""
from __future__ import annotations

import time

import eventlet
import pytest
import requests

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.ingest.service import IngestService
from services.ingest.tests.test_service_ingest import mail
from services.reports.service import SERVICE as ReportsService
from services.shared.migrate import upgrade_all
from services.shared.rpc import rpc
from services.sla.service import SERVICE as SlaService
from services.tickets.seed import seed
from services.tickets.service import TicketsService
from tests.support.private_backends import private_postgres, private_rabbit, start_service_on  # noqa: F401
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


def post(url: str, raw: bytes) -> requests.Response:
    return requests.post(url, data=raw, timeout=40, headers={"Content-Type": "message/rfc822"})


def test_ingest_takes_mail_again_by_itself_after_a_broker_restart(demo_org, private_rabbit, start_service_on,
                                                                  tmp_path):
    start_service_on(TicketsService, private_rabbit.amqp_uri)
    ingest = start_service_on(IngestService, private_rabbit.amqp_uri, IMAP_POLLING="off",
                              ATTACHMENT_STORE_DIR=str(tmp_path / "store"))
    base = f"http://{ingest.config['WEB_SERVER_ADDRESS']}"
    assert post(f"{base}/ingest/email", mail("before@musteri.com.tr")).json()["status"] == "created"

    with private_rabbit.down():
        started = time.monotonic()
        during = post(f"{base}/ingest/email", mail("during@musteri.com.tr"))
        assert during.status_code == 503 and during.headers["Retry-After"]
        assert time.monotonic() - started < 3  # a prompt answer, not the 30 s RPC timeout (0.2 s seen)
        ready = requests.get(f"{base}/health/ready", timeout=10)
        assert ready.status_code == 503 and ready.json()["broker"].startswith("failing")
        assert requests.get(f"{base}/health/live", timeout=10).status_code == 200

    # The operator saw 503 for every mail from here on ("This consumer has been disconnected").
    answers = []

    def accepted() -> bool:
        answer = post(f"{base}/ingest/email", mail(f"after-{len(answers)}@musteri.com.tr"))
        answers.append(answer.status_code)
        return answer.status_code == 202
    assert eventually(accepted, timeout=30, interval=0.5), answers
    for n in range(3):  # and it stays so
        assert post(f"{base}/ingest/email", mail(f"later-{n}@musteri.com.tr")).status_code == 202
    assert eventually(lambda: requests.get(f"{base}/health/ready", timeout=10).status_code == 200, timeout=20)


class SilentTickets:
    """A tickets that takes inbound mail and never answers, as a tickets process that hangs."""
    name = "tickets"

    @rpc
    def receive_messages(self, messages):
        eventlet.sleep(120)


def test_stopping_ingest_answers_mail_in_flight_with_a_503_within_the_grace_period(
        start_service, tmp_path, monkeypatch):
    monkeypatch.setenv("INGEST_STOP_GRACE_SECONDS", "2")
    start_service(SilentTickets)
    ingest = start_service(IngestService, IMAP_POLLING="off", ATTACHMENT_STORE_DIR=str(tmp_path / "store"))
    url = f"http://{ingest.config['WEB_SERVER_ADDRESS']}/ingest/email"
    in_flight = [eventlet.spawn(post, url, mail(f"in-flight-{n}@musteri.com.tr")) for n in range(3)]
    eventlet.sleep(1)  # the batch is out, tickets sits on it

    started = time.monotonic()
    ingest.stop()
    stopped_after = time.monotonic() - started
    answers = [thread.wait() for thread in in_flight]
    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert stopped_after < 3.5, stopped_after  # the grace period (2.0 s seen); the RPC timeout alone is 30 s


def test_a_database_restart_during_intake_leaves_no_ticket_without_its_sla_clocks_or_report_row(
        private_postgres, private_rabbit, start_service_on, tmp_path, monkeypatch):
    """The operator's run: mail 24 at a time, PostgreSQL restarted (2.5 s) mid-way; before the fix 48 of these 600 were lost."""
    url = private_postgres.url("destek")
    upgrade_all(url.replace("+psycopg", ""))
    engine = create_engine(url, pool_pre_ping=True)
    with Session(engine) as session, session.begin():
        seed(session, "destek-demo")
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    for service in (TicketsService, SlaService, ReportsService):
        start_service_on(service, private_rabbit.amqp_uri, database_url=url)
    ingest = start_service_on(IngestService, private_rabbit.amqp_uri, database_url=url, IMAP_POLLING="off",
                              ATTACHMENT_STORE_DIR=str(tmp_path / "store"), max_workers=30)
    intake = f"http://{ingest.config['WEB_SERVER_ADDRESS']}/ingest/email"
    waiting, answers = list(range(600)), []

    def sender():  # a mail server: what is refused (503) is sent again shortly
        while waiting:
            n = waiting.pop()
            while (status := post(intake, mail(f"m{n}@musteri.com.tr", sender=f"c{n}@musteri.com.tr"))
                   .status_code) != 202:
                answers.append(status)
                eventlet.sleep(0.5)
            answers.append(status)
    senders = [eventlet.spawn(sender) for _ in range(24)]
    eventlet.sleep(1)
    private_postgres.restart(down_for=2.5)
    for thread in senders:
        thread.wait()

    def counts() -> list[int]:
        with engine.connect() as conn:
            return [conn.execute(text(query)).scalar() for query in (
                "SELECT count(*) FROM tickets.tickets", "SELECT count(DISTINCT ticket_number) FROM sla.clocks",
                "SELECT count(*) FROM reports.ticket_facts",
                "SELECT count(*) FROM sla.parked_events WHERE status <> 'done'",
                "SELECT count(*) FROM reports.parked_events WHERE status <> 'done'")]
    try:
        assert eventually(lambda: counts() == [600, 600, 600, 0, 0], timeout=30, interval=0.5), counts()
        assert answers.count(202) == 600 and 503 in answers  # the restart did refuse mail while it lasted
    finally:
        engine.dispose()
