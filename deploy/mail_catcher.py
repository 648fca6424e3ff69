#!/usr/bin/env python3
"""Development mail catcher: an SMTP server that accepts every mail and keeps
it as a file instead of delivering it.

    python deploy/mail_catcher.py --host 127.0.0.1 --port 1025 --dir var/mail-outbox

Each message is written (atomically: temporary name, then rename) as
``<UTC timestamp>-<n>.eml`` in ``--dir`` (created if missing), e.g.
``20250102T130405.123456Z-1.eml``, and one line per mail is logged to stderr:
from, to, subject and the file.  Open the files with any mail client.  SIGTERM
or SIGINT (Ctrl-C) stops the server cleanly with exit code 0.

Self-contained (standard library + aiosmtpd): it imports nothing from the
project, so it runs from any directory.  The test suite has its own server in
tests/support/smtp_server.py, which records envelopes and can inject failures.
"""

from __future__ import annotations

import argparse
import asyncio
import email.policy
import logging
import os
import signal
import sys
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Optional

log = logging.getLogger("mail_catcher")
HEADERS_ONLY = BytesHeaderParser(policy=email.policy.compat32)


def subject_of(raw: bytes) -> str:
    """The mail's decoded Subject, from its header block alone.

    Parsing whole mails with ``policy.default`` just to log this cost more CPU
    than everything else the catcher does.
    """
    end = raw.find(b"\r\n\r\n")
    head = raw if end < 0 else raw[:end + 2]
    subject = HEADERS_ONLY.parsebytes(head).get("Subject")
    return "" if subject is None else str(make_header(decode_header(subject)))


class CatchingHandler:
    """aiosmtpd handler: every message becomes ``<UTC timestamp>-<n>.eml``."""

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

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # Senders may send MAIL, RCPT and DATA in one go (RFC 2920), as to any real
        # server: aiosmtpd reads commands in order anyway, it just does not say so.
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            path = self.save(raw)
        except OSError as exc:
            log.error("could not store a mail from %s: %s", envelope.mail_from, exc)
            return "451 4.3.0 Could not store the message"
        try:
            subject = subject_of(raw)
        except Exception:  # a malformed header must not lose the mail
            subject = "(unparsable)"
        log.info("mail %d: from=%s to=%s subject=%r -> %s", self.count,
                 envelope.mail_from, ",".join(envelope.rcpt_tos), subject, path)
        return "250 OK: caught as " + path.name


async def serve(host: str, port: int, directory: Path) -> None:
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    handler = CatchingHandler(directory)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mail-catcher.localhost",
                     ident="Destek dev mail catcher",
                     enable_SMTPUTF8=True, decode_data=False),
        host=host, port=port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bound = server.sockets[0].getsockname()
    log.info("mail catcher listening on %s:%s, writing to %s",
             bound[0], bound[1], handler.directory.resolve())
    try:
        await stop.wait()
    finally:
        log.info("stopping (%d mail(s) caught)", handler.count)
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 2)
        except asyncio.TimeoutError:
            pass


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Accept every mail over SMTP and store it as .eml files.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail-outbox"))
    parser.add_argument("--quiet", action="store_true",
                        help="log only warnings and errors")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(args.host, args.port, args.dir))
    except OSError as exc:
        log.error("cannot serve on %s:%s: %s", args.host, args.port, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
