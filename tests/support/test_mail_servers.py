"""Self-tests of the mail servers used by the test suite (the dev run's mail catcher: test_mail_catcher.py)."""

from __future__ import annotations

import imaplib
import os
import signal
import smtplib
import subprocess
import sys
import textwrap
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from .dovecot import DovecotServer
from .smtp_server import RecordingSmtpServer

SUPPORT_DIR = Path(__file__).resolve().parent


def _mail(subject: str = "Printer on fire", to: str = "support@example.com",
          body: str = "Please help.\n") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Jane Customer <jane@customer.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<t1@customer.example>"
    msg.set_content(body)
    return msg


# ---------------------------------------------------------------- SMTP server

def test_smtp_server_records_mail_with_headers():
    with RecordingSmtpServer() as smtp:
        assert smtp.host == "127.0.0.1" and smtp.port > 0
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            client.send_message(_mail("Grüße – ticket #1"),
                                from_addr="bounce@destek.example",
                                to_addrs=["support@example.com", "cc@example.com"])
        [mail] = smtp.wait_for(1)
        assert mail.mail_from == "bounce@destek.example"
        assert mail.rcpt_tos == ["support@example.com", "cc@example.com"]
        assert mail.message["Subject"] == "Grüße – ticket #1"
        assert mail.subject == "Grüße – ticket #1"
        assert mail.message["From"].addresses[0].addr_spec == "jane@customer.example"
        assert mail.message["Message-ID"] == "<t1@customer.example>"
        assert mail.message.get_content() == "Please help.\n"
        assert b"Please help." in mail.raw
        assert smtp.messages == [mail]
        smtp.clear()
        assert smtp.messages == []


def test_smtp_server_failure_injection_and_reset():
    with RecordingSmtpServer() as smtp:
        smtp.set_failure(451)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.send_message(_mail("one"))
        [(code, _text)] = refused.value.recipients.values()
        assert code == 451

        smtp.set_failure(451, "4.4.1 try later", stage="data")
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPDataError) as data_error:
                client.send_message(_mail("two"))
        assert data_error.value.smtp_code == 451
        assert b"try later" in data_error.value.smtp_error

        smtp.set_failure(550)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.send_message(_mail("three"))
        assert list(refused.value.recipients.values())[0][0] == 550

        smtp.set_failure(None)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            client.send_message(_mail("four"))
        [mail] = smtp.wait_for(1)
        assert mail.subject == "four"
        assert smtp.rejected_count == 3


def test_smtp_server_fail_with_at_start():
    with RecordingSmtpServer(fail_with=451) as smtp:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.send_message(_mail())
            smtp.set_failure(None)
            client.send_message(_mail("retried"))  # same connection: RSET, retry
        assert [m.subject for m in smtp.wait_for(1)] == ["retried"]


def test_smtp_server_wait_for_timeout_is_a_clear_assertion():
    with RecordingSmtpServer() as smtp:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            client.send_message(_mail("only one"))
        with pytest.raises(AssertionError) as err:
            smtp.wait_for(2, timeout=0.5)
        text = str(err.value)
        assert "expected at least 2 mail(s)" in text and "got 1" in text
        assert "only one" in text


def test_smtp_server_child_exits_when_its_parent_dies(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(SUPPORT_DIR)!r})
        from smtp_server import RecordingSmtpServer
        s = RecordingSmtpServer(directory={str(tmp_path)!r}).start()
        print(s._proc.pid, flush=True)
        os._exit(0)   # no stop(): the child must notice by itself
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    child = int(out.strip())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the SMTP server child outlived its parent")


EVENTLET_SCRIPT = r"""
import eventlet
eventlet.monkey_patch()
import smtplib, sys, time
sys.path.insert(0, SUPPORT_DIR)
from smtp_server import RecordingSmtpServer

def send(port, subject):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
        c.sendmail("a@example.com", ["b@example.com"],
                   ("Subject: %s\r\n\r\nbody\r\n" % subject).encode())

# two servers at once, mail sent from green threads and from the main one
with RecordingSmtpServer() as one, RecordingSmtpServer() as two:
    pool = [eventlet.spawn(send, one.port, "g1"), eventlet.spawn(send, two.port, "g2")]
    send(one.port, "main")
    for g in pool:
        g.wait()
    assert sorted(m.subject for m in one.wait_for(2, timeout=10)) == ["g1", "main"]
    assert [m.subject for m in two.wait_for(1, timeout=10)] == ["g2"]
    two.set_failure(451)
    try:
        send(two.port, "refused")
        raise SystemExit("expected a 451")
    except smtplib.SMTPRecipientsRefused as exc:
        assert list(exc.recipients.values())[0][0] == 451
    two.set_failure(None)
    # a green thread sends later while the main green thread waits
    eventlet.spawn_after(0.2, send, two.port, "late")
    assert [m.subject for m in two.wait_for(2, timeout=10)][-1] == "late"
print("EVENTLET-OK")
"""


def test_smtp_server_works_under_eventlet_monkey_patching():
    pytest.importorskip("eventlet")
    script = f"SUPPORT_DIR = {str(SUPPORT_DIR)!r}\n" + EVENTLET_SCRIPT
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", script],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "EVENTLET-OK" in proc.stdout


# ------------------------------------------------------------------- Dovecot

USERS = {"support@example.com": "s3cret", "sales": "other-pw"}


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory):
    DovecotServer.ensure_installed()
    server = DovecotServer(tmp_path_factory.mktemp("dovecot"), users=USERS)
    server.start()
    yield server
    server.stop()
    assert not server.running


@pytest.mark.imap
def test_dovecot_append_select_uidvalidity_and_idle_capability(dovecot):
    assert dovecot.startup_seconds is not None and dovecot.startup_seconds < 30
    uid = dovecot.append("support@example.com", _mail("Hello IMAP").as_bytes())
    assert uid == 1

    conn = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10)
    try:
        assert "IDLE" in conn.capabilities
        conn.login("support@example.com", "s3cret")
        assert "IDLE" in conn.capabilities
        typ, data = conn.select("INBOX")
        assert typ == "OK" and data == [b"1"]
        typ, uidvalidity = conn.response("UIDVALIDITY")
        assert uidvalidity and int(uidvalidity[0]) > 0
        typ, data = conn.uid("FETCH", "1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK" and b"Subject: Hello IMAP" in data[0][1]
    finally:
        conn.logout()
    # the other user's mailbox is separate
    conn = dovecot.connect("sales")
    try:
        assert conn.select("INBOX") == ("OK", [b"0"])
    finally:
        conn.logout()


@pytest.mark.imap
def test_dovecot_rejects_a_wrong_password(dovecot):
    conn = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error):
            conn.login("support@example.com", "wrong")
    finally:
        conn.shutdown()


@pytest.mark.imap
def test_dovecot_append_to_another_folder(dovecot):
    dovecot.append("sales", _mail("Archived").as_bytes(), folder="Archive 2024")
    conn = dovecot.connect("sales")
    try:
        typ, data = conn.select('"Archive 2024"', readonly=True)
        assert typ == "OK" and data == [b"1"]
    finally:
        conn.logout()


@pytest.mark.imap
def test_dovecot_idle_reports_new_mail(dovecot):
    conn = dovecot.connect("sales")
    try:
        before = int(conn.select("INBOX")[1][0])
        conn.send(b"I1 IDLE\r\n")
        assert conn.readline().startswith(b"+")
        dovecot.append("sales", _mail("During IDLE").as_bytes())
        conn.sock.settimeout(10)  # Dovecot notices at once (inotify)
        while b"EXISTS" not in (line := conn.readline()):
            assert line.startswith(b"* "), line
        assert line.strip() == f"* {before + 1} EXISTS".encode(), line
        conn.send(b"DONE\r\n")
        while not (line := conn.readline()).startswith(b"I1 "):
            pass
        assert line.startswith(b"I1 OK"), line
    finally:
        conn.logout()
