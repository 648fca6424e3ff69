"""An SMTP server that goes away and comes back, and several notify processes at once: no mail lost, none twice."""
from __future__ import annotations

import time

import pytest
from nameko.standalone.events import event_dispatcher

from services.notify.service import NotifyService
from services.notify.tests.test_service_notify import reply_posted
from tests.support.smtp_server import RecordingSmtpServer


@pytest.fixture
def vanishing_smtp(monkeypatch, tmp_path):
    """The address of an SMTP server that is not running yet; ``start()`` brings one up there."""
    with RecordingSmtpServer() as probe:  # find a port, then leave it closed: connections are refused
        port = probe.port
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_FIRST_RETRY_SECONDS", "1")
    servers = []

    def start() -> RecordingSmtpServer:
        servers.append(RecordingSmtpServer(port=port, directory=tmp_path / "smtp").start())
        return servers[-1]
    yield start
    for server in servers:
        server.stop()


def assert_each_arrived_once(received, message_ids: set[str]) -> None:
    arrived = [mail.message["Message-ID"].strip("<>") for mail in received]
    assert sorted(arrived) == sorted(message_ids)


def test_replies_posted_while_the_smtp_server_is_down_arrive_once_each_when_it_is_back(
        start_service, rabbit_config, clean_db, vanishing_smtp, event_tap):
    tap = event_tap("notify")
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    ids = {f"down-{n}.2026-000042@example.com" for n in range(5)}
    for message_id in sorted(ids):
        dispatch("tickets", "reply_posted", reply_posted(message_id))
    time.sleep(8)  # first attempts and a retry or two meet a refused connection
    server = vanishing_smtp()
    server.wait_for(5, timeout=40)
    time.sleep(7)  # more than a retry round: anything sent twice would show up now
    assert_each_arrived_once(server.messages, ids)
    sent = tap.wait_for("reply_sent", 5)
    # While it was down the server was probed one mail at a time, in backoff, not hammered by every reply.
    failed_attempts = sum(event["attempts"] - 1 for event in sent)
    assert len(sent) == 5 and 1 <= failed_attempts <= 6, [event["attempts"] for event in sent]


def test_two_notify_processes_retrying_the_same_deliveries_send_each_once(
        start_service, rabbit_config, clean_db, smtp):
    smtp.set_failure(451, "greylisted, try again")
    start_service(NotifyService)
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    ids = {f"pair-{n}.2026-000042@example.com" for n in range(20)}
    for message_id in sorted(ids):
        dispatch("tickets", "reply_posted", reply_posted(message_id))
    deadline = time.monotonic() + 30
    while smtp.rejected_count < 20 and time.monotonic() < deadline:  # every first attempt meets the 451
        time.sleep(0.1)
    assert smtp.messages == [] and smtp.rejected_count >= 20
    smtp.set_failure(None)
    smtp.wait_for(20, timeout=40)
    time.sleep(7)  # both processes' timers run again: nothing more may go out
    assert_each_arrived_once(smtp.messages, ids)
