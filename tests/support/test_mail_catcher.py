"""The dev run's mail catcher (deploy/mail_catcher.py) as an SMTP client meets it: a real process on loopback."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
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


def start_catcher(tmp_path, *extra_args: str):
    """``(port, outbox, process)`` of a mail catcher of this test's own, once it answers."""
    port, outbox = free_port(), tmp_path / "mail-outbox"
    process = subprocess.Popen([sys.executable, str(MAIL_CATCHER), "--port", str(port), "--dir", str(outbox),
                                *extra_args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=5).close()
            return port, outbox, process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("mail catcher did not start: " + process.stderr.read()) from None
            time.sleep(0.05)


@pytest.fixture
def catcher(tmp_path):
    """A started catcher (see ``start_catcher``); its log is read after it stops."""
    started = []

    def start(*extra_args: str):
        started.append(start_catcher(tmp_path, *extra_args))
        return started[-1]
    yield start
    for _port, _outbox, process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stderr.close()


def stopped_log(process) -> str:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    return process.stderr.read()


def test_the_mail_catcher_keeps_each_mail_byte_for_byte_and_logs_its_decoded_turkish_subject(catcher):
    port, outbox, process = catcher()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("destek@firma.com.tr", ["ayse@musteri.com.tr"], ACKNOWLEDGEMENT)
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == ACKNOWLEDGEMENT
    log = stopped_log(process)
    assert f"subject={SUBJECT!r}" in log and "to=ayse@musteri.com.tr" in log


def test_the_mail_catcher_offers_pipelining_and_takes_commands_sent_together(catcher):
    port, outbox, process = catcher()
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
    port, outbox, process = catcher()
    broken = b"Subject: =?utf-8?q?\xff\xfe?=\r\nFrom: <x@example.org>\r\n\r\nbody\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("x@example.org", ["y@example.org"], broken)
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == broken
    assert "from=x@example.org" in stopped_log(process)


def converse(port: int, lines: bytes, *, piece: int | None = None) -> list[bytes]:
    """Send a whole SMTP conversation as raw bytes (in pieces of ``piece`` bytes, if given); its answers' lines."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        step = piece or len(lines)
        for start in range(0, len(lines), step):
            sock.sendall(lines[start:start + step])
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received.split(b"\r\n")[:-1]


def codes(answers: list[bytes]) -> list[int]:
    """The code of each answer, a multi-line answer (``250-...``) counted once."""
    return [int(line[:3]) for line in answers if line[3:4] != b"-"]


def test_a_conversation_that_arrives_a_byte_at_a_time_keeps_the_mail_whole(catcher):
    port, outbox, _process = catcher()
    conversation = (b"EHLO notify.example\r\nMAIL FROM:<destek@firma.com.tr>\r\nRCPT TO:<ayse@musteri.com.tr>\r\n"
                    b"DATA\r\n" + ACKNOWLEDGEMENT.replace(b"\r\n.", b"\r\n..") + b".\r\nQUIT\r\n")
    assert codes(converse(port, conversation, piece=1)) == [220, 250, 250, 250, 354, 250, 221]
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == ACKNOWLEDGEMENT


def test_commands_out_of_order_are_refused_and_the_conversation_goes_on(catcher):
    port, outbox, _process = catcher()
    answers = converse(port, b"MAIL FROM:<a@example.org>\r\n"          # before any greeting
                             b"HELO client.example\r\n"
                             b"RCPT TO:<b@example.org>\r\n"            # before MAIL
                             b"DATA\r\n"                               # before RCPT
                             b"MAIL FROM:<a@example.org>\r\nMAIL FROM:<c@example.org>\r\n"  # nested
                             b"RSET\r\nRCPT TO:<b@example.org>\r\n"    # RSET forgot the sender
                             b"FROB\r\nMAIL FROM:a@example.org\r\nRCPT TO:<b@example.org>\r\n"
                             b"DATA\r\n.\r\n"                          # an empty mail is a mail
                             b"QUIT\r\n")
    assert codes(answers) == [220, 503, 250, 503, 503, 250, 503, 250, 503, 500, 250, 250, 354, 250, 221]
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == b""


def test_a_mail_over_the_size_limit_is_refused_not_kept_and_the_next_one_is_caught(catcher):
    port, outbox, _process = catcher("--max-message-bytes", "1000")
    mail = b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        assert client.esmtp_features["size"] == "1000"
        with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # the client said how big it is
            client.sendmail("a@example.org", ["b@example.org"], mail * 20)
        assert declared.value.smtp_code == 552
    answers = converse(port, b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n"
                             b"DATA\r\n" + mail * 200 + b".\r\n"  # it did not, and it took 17 kB
                             b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n" + mail + b".\r\n",
                       piece=4096)
    assert codes(answers) == [220, 250, 250, 250, 354, 552, 250, 250, 354, 250]
    [caught] = sorted(outbox.glob("*.eml"))
    assert caught.read_bytes() == mail


def test_the_mail_catcher_names_each_file_by_time_and_count_and_stops_on_sigterm(catcher):
    port, outbox, process = catcher()  # the outbox folder does not exist before the catcher starts
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Jane Customer <jane@customer.example>", "x@example.com", "Caught!"
    mail.set_content("Please help.\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(mail, to_addrs=["x@example.com"])
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 1, files
    name = files[0].name
    assert name.endswith("-1.eml") and name[:8].isdigit() and "Z-" in name
    assert b"Subject: Caught!" in files[0].read_bytes()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) in (0, -signal.SIGTERM)
    log = process.stderr.read()
    assert "from=jane@customer.example" in log
    assert "to=x@example.com" in log and "'Caught!'" in log
