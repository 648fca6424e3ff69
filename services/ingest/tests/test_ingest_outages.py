"""Ingest across a broker restart and a stop with tickets not answering (issue 20).

The restart runs on a private RabbitMQ node (``tests/support/private_backends.py``);
the database is the suite's shared test database, which stays up.
"""
from __future__ import annotations

import time

import eventlet
import pytest
import requests

from services.ingest.service import IngestService
from services.ingest.tests.test_service_ingest import mail
from services.shared.rpc import rpc
from services.tickets.service import TicketsService
from tests.support.private_backends import private_rabbit, start_service_on  # noqa: F401 (fixtures)
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
