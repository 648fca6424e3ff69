"""The dev run's mail catcher (deploy/mail_catcher.py) as an SMTP client meets it: a real process on loopback."""

from __future__ import annotations

import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.sandbox import free_port

MAIL_CATCHER = Path(__file__).resolve().parents[2] / "deploy" / "mail_catcher.py"

ACKNOWLEDGEMENT = (
    b"From: =?utf-8?q?M=C3=BC=C5=9Fteri?= Hizmetleri <destek@firma.com.tr>\r\n"
    b"To: =?utf-8?q?Ay=C5=9Fe_Y=C4=B1lmaz?= <ayse@musteri.com.tr>\r\n"
    b"Subject: Talebiniz =?utf-8?q?al=C4=B1nd=C4=B1_/_Request_received=3A_?=\r\n"
    b" =?utf-8?q?Sipari=C5=9Fim_gelmedi?= [#2026-000123]\r\n"
    b"Message-ID: <ack.1@firma.com.tr>\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"MIME-Version: 1.0\r\n"
    b"\r\n"
    b"Talebinizi ald=C4=B1k.\r\n"
    b".\r\n"
    b"..\r\n")
SUBJECT = "Talebiniz alındı / Request received: Siparişim gelmedi [#2026-000123]"


@pytest.fixture
def catcher(tmp_path):
    """``(port, outbox, process)`` of a mail catcher of this test's own; its log is read after it stops."""
    port, outbox = free_port(), tmp_path / "mail-outbox"
    process = subprocess.Popen([sys.executable, str(MAIL_CATCHER), "--port", str(port), "--dir", str(outbox)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("mail catcher did not start: " + process.stderr.read())
            time.sleep(0.05)
    yield port, outbox, process
    if process.poll() is None:
        process.kill()
    process.wait()
    process.stderr.close()


def stopped_log(process) -> str:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    return process.stderr.read()


def test_the_mail_catcher_keeps_each_mail_byte_for_byte_and_logs_its_decoded_turkish_subject(catcher):
    port, outbox, process = catcher
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("destek@firma.com.tr", ["ayse@musteri.com.tr"], ACKNOWLEDGEMENT)
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == ACKNOWLEDGEMENT
    log = stopped_log(process)
    assert f"subject={SUBJECT!r}" in log and "to=ayse@musteri.com.tr" in log


def test_the_mail_catcher_offers_pipelining_and_takes_commands_sent_together(catcher):
    port, outbox, process = catcher
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("pipelining")
        for n in range(2):
            client.send(f"MAIL FROM:<destek@firma.com.tr>\r\nRCPT TO:<m{n}@example.org>\r\nDATA\r\n")
            assert [client.getreply()[0] for _ in range(3)] == [250, 250, 354]
            client.send(ACKNOWLEDGEMENT.replace(b"\r\n.", b"\r\n..") + b".\r\n")
            assert client.getreply()[0] == 250
    assert [path.read_bytes() for path in sorted(outbox.glob("*.eml"))] == [ACKNOWLEDGEMENT, ACKNOWLEDGEMENT]
    assert stopped_log(process).count(f"subject={SUBJECT!r}") == 2


def test_a_mail_whose_headers_cannot_be_read_is_still_kept(catcher):
    port, outbox, process = catcher
    broken = b"Subject: =?utf-8?q?\xff\xfe?=\r\nFrom: <x@example.org>\r\n\r\nbody\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("x@example.org", ["y@example.org"], broken)
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == broken
    assert "from=x@example.org" in stopped_log(process)
