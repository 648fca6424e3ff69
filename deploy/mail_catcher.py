#!/usr/bin/env python3
"""Development mail catcher: an SMTP server that accepts every mail and keeps
it as a file instead of delivering it.

    python deploy/mail_catcher.py --host 127.0.0.1 --port 1025 --dir var/mail-outbox

Each message is written (atomically: temporary name, then rename) as
``<UTC timestamp>-<n>.eml`` in ``--dir`` (created if missing), e.g.
``20250102T130405.123456Z-1.eml``, and one line per mail is logged to stderr:
from, to, subject and the file.  Open the files with any mail client.  SIGTERM
or SIGINT (Ctrl-C) stops the server cleanly with exit code 0.

It speaks just enough ESMTP for a sending program (RFC 5321 with PIPELINING,
8BITMIME, SMTPUTF8 and SIZE; no TLS, no AUTH), on asyncio alone: it stands in
for an outside mail server, so it should cost the machine about what one
would.  The answers to commands that came in one read go out in one write,
and nothing per command goes through the email package.

Self-contained (standard library only): it imports nothing from the project,
so it runs from any directory.  The test suite has its own server in
tests/support/smtp_server.py, which records envelopes and can inject failures.
"""

from __future__ import annotations

import argparse
import asyncio
import email.policy
import logging
import os
import re
import signal
import sys
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from pathlib import Path

log = logging.getLogger("mail_catcher")
HEADERS_ONLY = BytesHeaderParser(policy=email.policy.compat32)
HOSTNAME = "mail-catcher.localhost"
MAX_COMMAND = 4096  # bytes in one command line: more is refused, not buffered
MAX_MESSAGE = 64 * 1024 * 1024  # bytes, by default: advertised by SIZE; a bigger mail is refused after its end
PATH = re.compile(rb"(?i)(FROM|TO):\s*<([^<>]*)>\s*(.*)")
BARE_PATH = re.compile(rb"(?i)(FROM|TO):\s*([^\s<>]+)\s*(.*)")
SIZE_PARAM = re.compile(rb"(?i)(?:^|\s)SIZE=(\d+)")
STUFFED_DOT = re.compile(rb"(?m)^\.")
CLOSING = (b"221", b"421")  # answers after which the catcher hangs up


def subject_of(raw: bytes) -> str:
    """The mail's decoded Subject, from its header block alone.

    Parsing whole mails with ``policy.default`` just to log this cost more CPU
    than everything else the catcher does.
    """
    end = raw.find(b"\r\n\r\n")
    head = raw if end < 0 else raw[:end + 2]
    subject = HEADERS_ONLY.parsebytes(head).get("Subject")
    return "" if subject is None else str(make_header(decode_header(subject)))


class Outbox:
    """Where caught mail goes: every message becomes ``<UTC timestamp>-<n>.eml``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def save(self, raw: bytes) -> Path:
        self.count += 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}-{self.count}.eml"
        tmp = self.directory / f".{path.name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
        return path

    def catch(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> bytes:
        """Keep one mail; the SMTP answer to its end of data."""
        try:
            path = self.save(raw)
        except OSError as exc:
            log.error("could not store a mail from %s: %s", mail_from, exc)
            return b"451 4.3.0 Could not store the message\r\n"
        try:
            subject = subject_of(raw)
        except Exception:  # a malformed header must not lose the mail
            subject = "(unparsable)"
        log.info("mail %d: from=%s to=%s subject=%r -> %s", self.count, mail_from, ",".join(rcpt_tos),
                 subject, path)
        return f"250 2.0.0 OK: caught as {path.name}\r\n".encode()


class SmtpConversation(asyncio.Protocol):
    """One client's SMTP conversation, read as it arrives in whatever pieces."""

    def __init__(self, outbox: Outbox, max_message: int = MAX_MESSAGE) -> None:
        self.outbox, self.max_message = outbox, max_message
        self.buffer = bytearray()
        self.greeted = False
        self._reset()

    def _reset(self) -> None:
        """Forget the mail transaction (after its end, RSET, or a new greeting)."""
        self.mail_from: str | None = None
        self.rcpt_tos: list[str] = []
        self.in_data = self.oversized = False
        self.scanned = 0  # how far the data of this mail was searched for its end

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(f"220 {HOSTNAME} ESMTP Destek dev mail catcher\r\n".encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        answers, closing = [], False
        while not closing:
            answer = self._next_mail_end() if self.in_data else self._next_command()
            if answer is None:
                break
            answers.append(answer)
            closing = answer.startswith(CLOSING)
        if answers:
            self.transport.write(b"".join(answers))
        if closing:
            self.transport.close()

    def _next_command(self) -> bytes | None:
        end = self.buffer.find(b"\n")
        if end < 0:
            return b"421 4.7.0 Command line too long, closing\r\n" if len(self.buffer) > MAX_COMMAND else None
        line = bytes(self.buffer[:end]).rstrip(b"\r")
        del self.buffer[:end + 1]
        if len(line) > MAX_COMMAND:
            return b"500 5.5.2 Line too long\r\n"
        verb, _, argument = line.partition(b" ")
        handler = getattr(self, "smtp_" + verb.decode("ascii", "replace").upper(), None)
        if handler is None:
            return b"500 5.5.1 Command not recognised\r\n"
        return handler(argument.strip())

    def _next_mail_end(self) -> bytes | None:
        """The answer to a mail whose end (a line with a lone dot) has arrived; None while it has not."""
        end = self.buffer.find(b"\r\n.\r\n", self.scanned)
        if end < 0:
            self._wait_for_more()
            return None
        content = bytes(self.buffer[2:end + 2])  # without the line break smtp_DATA put in front
        del self.buffer[:end + 5]
        oversized = self.oversized or len(content) > self.max_message
        mail_from, rcpt_tos = self.mail_from, self.rcpt_tos
        self._reset()
        if oversized:
            return b"552 5.3.4 Message too big\r\n"
        return self.outbox.catch(mail_from, rcpt_tos, STUFFED_DOT.sub(b"", content))

    def _wait_for_more(self) -> None:
        # The next search starts where this one stopped (the end may straddle two reads), and a
        # mail past the limit is not kept in memory: it will be refused once it ends.
        if len(self.buffer) > self.max_message:
            self.oversized = True
            del self.buffer[:-4]
        self.scanned = max(0, len(self.buffer) - 4)

    def smtp_EHLO(self, argument: bytes) -> bytes:
        if not argument:
            return b"501 5.5.4 Syntax: EHLO hostname\r\n"
        self.greeted = True
        self._reset()
        return (f"250-{HOSTNAME}\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                f"250-SIZE {self.max_message}\r\n250 HELP\r\n").encode()

    def smtp_HELO(self, argument: bytes) -> bytes:
        if not argument:
            return b"501 5.5.4 Syntax: HELO hostname\r\n"
        self.greeted = True
        self._reset()
        return f"250 {HOSTNAME}\r\n".encode()

    def smtp_MAIL(self, argument: bytes) -> bytes:
        if not self.greeted:
            return b"503 5.5.1 Send EHLO or HELO first\r\n"
        if self.mail_from is not None:
            return b"503 5.5.1 Nested MAIL command\r\n"
        address, parameters = _path(argument, b"FROM")
        if address is None:
            return b"501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
        size = SIZE_PARAM.search(parameters)
        if size and int(size.group(1)) > self.max_message:
            return b"552 5.3.4 Message size exceeds the limit\r\n"
        self.mail_from = address
        return b"250 2.1.0 OK\r\n"

    def smtp_RCPT(self, argument: bytes) -> bytes:
        if self.mail_from is None:
            return b"503 5.5.1 Need MAIL command\r\n"
        address, _ = _path(argument, b"TO")
        if not address:
            return b"501 5.5.4 Syntax: RCPT TO:<address>\r\n"
        self.rcpt_tos.append(address)
        return b"250 2.1.5 OK\r\n"

    def smtp_DATA(self, argument: bytes) -> bytes:
        if not self.rcpt_tos:
            return b"503 5.5.1 Need RCPT command\r\n"
        self.in_data = True
        # The data starts after DATA's line break: put it back, so that an empty mail's end is found
        # like any other's (a line break, a dot, a line break).
        self.buffer[:0] = b"\r\n"
        return b"354 End data with <CR><LF>.<CR><LF>\r\n"

    def smtp_RSET(self, argument: bytes) -> bytes:
        self._reset()
        return b"250 2.0.0 OK\r\n"

    def smtp_NOOP(self, argument: bytes) -> bytes:
        return b"250 2.0.0 OK\r\n"

    def smtp_VRFY(self, argument: bytes) -> bytes:
        return b"252 2.1.5 Cannot verify, but will accept the message\r\n"

    def smtp_HELP(self, argument: bytes) -> bytes:
        return b"214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT\r\n"

    def smtp_QUIT(self, argument: bytes) -> bytes:
        return b"221 2.0.0 Bye\r\n"


def _path(argument: bytes, keyword: bytes) -> tuple[str | None, bytes]:
    """The address of ``FROM:<a@b>`` / ``TO:<a@b>`` (brackets may be left out) and what follows it."""
    found = PATH.fullmatch(argument) or BARE_PATH.fullmatch(argument)
    if found is None or found.group(1).upper() != keyword:
        return None, b""
    return found.group(2).decode("utf-8", "surrogateescape"), found.group(3)


async def serve(host: str, port: int, directory: Path, max_message: int = MAX_MESSAGE) -> None:
    loop = asyncio.get_running_loop()
    outbox = Outbox(directory)
    server = await loop.create_server(lambda: SmtpConversation(outbox, max_message), host=host, port=port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bound = server.sockets[0].getsockname()
    log.info("mail catcher listening on %s:%s, writing to %s",
             bound[0], bound[1], outbox.directory.resolve())
    try:
        await stop.wait()
    finally:
        log.info("stopping (%d mail(s) caught)", outbox.count)
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 2)
        except TimeoutError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Accept every mail over SMTP and store it as .eml files.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail-outbox"))
    parser.add_argument("--max-message-bytes", type=int, default=MAX_MESSAGE,
                        help="refuse bigger mails (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true",
                        help="log only warnings and errors")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        asyncio.run(serve(args.host, args.port, args.dir, args.max_message_bytes))
    except OSError as exc:
        log.error("cannot serve on %s:%s: %s", args.host, args.port, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
