"""A real notify process killed while a server holds its mail: the mail is sent again, once, as it was.

The process is started as ``make run`` starts it and killed with SIGKILL at
the moment the SMTP server has the mail but has not yet answered "250 OK":
nothing in the process gets to record anything. The restarted process must
find the delivery marked "sending" under a lease nobody holds, send the very
same bytes again (so the same Message-ID), count it as a possible duplicate,
and send what was left pending within seconds of starting.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from deploy.sandbox import free_port
from services.notify import mail
from services.notify.deliveries import outgoing_message, queue_mails
from services.notify.tests.holding_smtp import holding_server
from services.notify.tests.server_process import ROOT
from services.notify.tests.test_service_notify import reply_posted
from services.shared.contracts.events import ReplyPosted
from tests.support.waiting import eventually


def queue_reply(engine, message_id: str) -> None:
    """A reply queued as notify's handler queues it (built, stored pending), not yet sent."""
    event = ReplyPosted.from_wire(reply_posted(message_id))
    with Session(engine) as session, session.begin():
        queue_mails(session, [outgoing_message(mail.build_reply(event), "reply", event.ticket_number, None, 7)])


def delivery(engine, message_id: str) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT status, attempts, attempt_id, sending_owner, possible_duplicate FROM notify.deliveries "
            "WHERE message_id = :m"), {"m": message_id}).one()._mapping)


@contextmanager
def notify_process(rabbit_config, smtp_port: int, log_path, **settings: str):
    """``python -m services.shared.runner notify`` on the test's database and vhost (or as ``settings`` say,
    e.g. ``DATABASE_URL``); yields (process, port)."""
    port = free_port()
    env = {**os.environ, "AMQP_URI": rabbit_config["AMQP_URI"], "NOTIFY_PORT": str(port),
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_FIRST_RETRY_SECONDS": "1",
           "PYTHONPATH": str(ROOT), **settings}
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.shared.runner", "notify"], cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_reply_the_server_had_when_notify_was_killed_is_sent_again_once_with_the_same_message_id(
        clean_db, rabbit_config, tmp_path):
    queue_reply(clean_db, "in-flight@example.com")
    with holding_server(tmp_path / "smtp") as (smtp_port, server):
        with notify_process(rabbit_config, smtp_port, tmp_path / "first.log") as (first, _):
            [held] = server.wait_for(1, timeout=30)  # the server has it; its "250 OK" is held back
            marked = delivery(clean_db, "in-flight@example.com")
            assert marked["status"] == "sending" and marked["attempt_id"] and marked["sending_owner"]
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        assert delivery(clean_db, "in-flight@example.com")["status"] == "sending"  # nobody could record it

        queue_reply(clean_db, "pending-at-start@example.com")  # queued while no notify runs
        server.release()
        with notify_process(rabbit_config, smtp_port, tmp_path / "second.log") as (second, metrics_port):
            started = time.monotonic()
            server.wait_for(3, timeout=30)
            print(f"\nthe orphan and the pending reply went out {time.monotonic() - started:.2f} s after the "
                  f"second process was started (interpreter start included)")
            time.sleep(4)  # two more orphan and retry rounds: nothing may go out again
            arrived = [mail.message["Message-ID"] for mail in server.messages]
            assert sorted(arrived) == ["<in-flight@example.com>", "<in-flight@example.com>",
                                       "<pending-at-start@example.com>"]
            resent = next(mail for mail in server.messages[1:] if mail.message["Message-ID"] == held.message["Message-ID"])
            assert resent.raw == held.raw  # the very same mail, not one built again
            after = delivery(clean_db, "in-flight@example.com")
            assert after["status"] == "sent" and after["possible_duplicate"] and after["sending_owner"] is None
            assert delivery(clean_db, "pending-at-start@example.com")["possible_duplicate"] is False
            exposed = eventually(lambda: _metrics(metrics_port), timeout=10)
            assert 'destek_notify_possible_duplicates_total{channel="smtp"} 1.0' in exposed


def _metrics(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            return answer.read().decode()
    except OSError:
        return None
