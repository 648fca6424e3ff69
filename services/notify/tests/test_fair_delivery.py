"""One destination failing beside one that works: the working one's mail goes out at once, the other backs off alone."""
from __future__ import annotations

import socket
import time
import urllib.request

import pytest
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from sqlalchemy import text as sa_text

from services.notify.service import NotifyService
from services.notify.tests.backlog import counts, overdue_deliveries
from services.notify.tests.test_service_automatic_mail import ticket_created
from services.notify.tests.test_service_notify import reply_posted
from tests.support.smtp_server import RecordingSmtpServer
from tests.support.waiting import eventually

SETTINGS: dict[int, dict] = {}


class TicketsWithTwoDepartments:
    """Stands in for tickets: each department's mail settings from ``SETTINGS``."""
    name = "tickets"

    @rpc
    def get_department_mail_settings(self, department_id):
        return SETTINGS[department_id]


def department(department_id: int, host: str, port: int) -> dict:
    return {"department_id": department_id, "email": f"d{department_id}@example.com", "name": "Destek",
            "send_acknowledgement": True,
            "smtp": {"host": host, "port": port, "security": "none", "username": "", "password": ""}}


@pytest.fixture
def working_smtp():
    with RecordingSmtpServer() as server:
        SETTINGS[2] = department(2, server.host, server.port)
        yield server
    SETTINGS.clear()


def metrics_of(container) -> str:
    with urllib.request.urlopen(f"http://{container.config['WEB_SERVER_ADDRESS']}/metrics", timeout=5) as answer:
        return answer.read().decode()


def metrics_showing(container, line: str) -> str | None:
    exposed = metrics_of(container)
    return exposed if line in exposed else None


def destination(rpc_client, key: str) -> dict:
    return next(item for item in rpc_client.notify.list_destinations() if item["destination"] == key)


def test_replies_of_a_working_department_go_out_at_once_while_another_departments_server_does_not_resolve(
        start_service, rabbit_config, clean_db, smtp, working_smtp, rpc):
    SETTINGS[1] = department(1, "smtp.destek-test.invalid", 25)  # .invalid never resolves (RFC 2606)
    overdue_deliveries(clean_db, department_id=1, count=20_000, prefix="ack-")
    waiting = overdue_deliveries(clean_db, department_id=2, count=30, prefix="reply-", kind="reply")
    start_service(TicketsWithTwoDepartments)
    started = time.monotonic()
    notify = start_service(NotifyService)
    arrived = working_smtp.wait_for(30, timeout=15)
    print(f"\n30 replies left pending went out {time.monotonic() - started:.2f} s after notify started")
    assert sorted(mail.message["Message-ID"].strip("<>") for mail in arrived) == sorted(waiting)

    event_dispatcher(rabbit_config)("tickets", "reply_posted", {**reply_posted("fresh@example.com"),
                                                                "department_id": 2})
    posted = time.monotonic()
    working_smtp.wait_for(31, timeout=5)
    print(f"a reply posted now went out after {time.monotonic() - posted:.2f} s")
    # A new ticket of the broken department: its acknowledgement waits in the queue, no connection is tried.
    event_dispatcher(rabbit_config)("tickets", "ticket_created", ticket_created("2026-100001", department_id=1))
    time.sleep(4)  # the broken server's backoff: 1, 2, 4 s

    broken = counts(clean_db, 1)
    assert broken["pending"] == 20_001 and broken["attempts"] <= 6, broken
    failing = destination(rpc, "smtp:department:1")
    assert failing["state"] == "failing" and failing["deliveries_waiting"] == 20_001
    assert "unreachable" in failing["last_error"] and failing["failing_since"] and failing["next_attempt_at"]
    assert destination(rpc, "smtp:department:2")["state"] == "healthy"
    assert destination(rpc, "smtp:department:2")["deliveries_waiting"] == 0
    # The gauges are counted every 10 s.
    exposed = eventually(lambda: metrics_showing(notify, 'waiting{state="failing"} 20001.0'), timeout=15)
    assert exposed, metrics_of(notify)
    assert 'destek_notify_destination_failures_total{channel="smtp"}' in exposed
    print(f"the broken department: {broken['attempts']} attempts charged to 20,001 waiting deliveries")


def test_a_server_answering_4xx_is_probed_in_backoff_while_the_other_department_gets_its_mail(
        start_service, clean_db, smtp, working_smtp, rpc):
    with RecordingSmtpServer(fail_with=451) as deferring:
        SETTINGS[1] = department(1, deferring.host, deferring.port)
        overdue_deliveries(clean_db, department_id=1, count=2_000, prefix="ack-")
        overdue_deliveries(clean_db, department_id=2, count=20, prefix="reply-", kind="reply")
        start_service(TicketsWithTwoDepartments)
        start_service(NotifyService)
        working_smtp.wait_for(20, timeout=15)
        time.sleep(5)
        refused = deferring.rejected_count
        assert refused <= 15, f"{refused} RCPTs refused: the deferring server was hammered"
        failing = destination(rpc, "smtp:department:1")
        assert failing["state"] == "failing" and failing["last_error"].startswith("451")

        deferring.set_failure(None)  # it works again: the next probe finds out, then the backlog drains
        recovered = time.monotonic()
        deferring.wait_for(2_000, timeout=90)
        print(f"\n{refused} refusals while it deferred; 2,000 overdue sent "
              f"{time.monotonic() - recovered:.1f} s after it recovered")
    assert destination(rpc, "smtp:department:1")["state"] == "healthy"
    assert counts(clean_db, 1)["sent"] == 2_000


@pytest.fixture
def silent_server():
    """A port that takes connections and never says a word: each SMTP conversation hangs until it times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(100)
    yield listener.getsockname()[1]
    listener.close()


def test_a_server_that_never_answers_holds_up_only_its_own_department(
        start_service, rabbit_config, clean_db, smtp, working_smtp, silent_server, rpc):
    SETTINGS[1] = department(1, "127.0.0.1", silent_server)
    overdue_deliveries(clean_db, department_id=1, count=1_000, prefix="ack-")
    overdue_deliveries(clean_db, department_id=2, count=10, prefix="reply-", kind="reply")
    start_service(TicketsWithTwoDepartments)
    start_service(NotifyService)
    working_smtp.wait_for(10, timeout=10)
    dispatch = event_dispatcher(rabbit_config)
    for number in range(5):  # new tickets of the silent department: their handlers must not hang too
        dispatch("tickets", "ticket_created", ticket_created(f"2026-20000{number}", department_id=1))
    time.sleep(1)
    posted = time.monotonic()
    dispatch("tickets", "reply_posted", {**reply_posted("fresh@example.com"), "department_id": 2})
    working_smtp.wait_for(11, timeout=5)
    print(f"\na reply went out {time.monotonic() - posted:.2f} s after it was posted, "
          f"while the silent server held a conversation open")
    hanging = destination(rpc, "smtp:department:1")
    assert hanging["deliveries_sending"] == 10 and hanging["deliveries_waiting"] == 1_005
    with clean_db.connect() as connection:  # its lease is alive: the orphan check (every 2 s) leaves them be
        assert not connection.execute(sa_text("SELECT count(*) FROM notify.deliveries WHERE possible_duplicate")
                                      ).scalar()
