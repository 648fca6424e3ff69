"""An SMTP server on loopback that offers PIPELINING (RFC 2920), as Postfix and most real servers do.

It runs as its own process (``python -m services.notify.tests.pipelining_smtp``)
for the reason given in ``tests/support/smtp_server.py``: asyncio does not
share a process with eventlet. It keeps mail and takes injected failures
(``set_failure``) the way ``RecordingSmtpServer`` does, through the same
directory, and notes in ``pipelined.log`` each MAIL command whose RCPT and
DATA had already arrived with it, so tests can tell a pipelined conversation
from a lock-step one.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from services.notify.tests.server_process import serve_handler, server_process
from tests.support.smtp_server import RecordingSmtpServer, _RecordingHandler
PIPELINED_LOG = "pipelined.log"


class PipeliningHandler(_RecordingHandler):
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # What the client sent after MAIL is already buffered when the commands came in one go.
        waiting = bytes(getattr(server._reader, "_buffer", b""))
        if b"RCPT TO" in waiting and b"DATA" in waiting:
            with open(self.directory / PIPELINED_LOG, "a") as log:
                log.write(f"{address}\n")
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        return "250 OK"


def pipelined_count(directory: Path) -> int:
    """How many transactions came with MAIL, RCPT and DATA sent together."""
    try:
        return len((directory / PIPELINED_LOG).read_text().splitlines())
    except FileNotFoundError:
        return 0


@contextmanager
def pipelining_server(directory: Path):
    """Run the server; yields ``(port, recorder)``: ``recorder.wait_for(n)``, ``recorder.set_failure(...)``."""
    with server_process("services.notify.tests.pipelining_smtp", directory, what="pipelining") as port:
        yield port, RecordingSmtpServer(directory=directory)


def main() -> None:
    serve_handler(PipeliningHandler, "pipelining-test.localhost")


if __name__ == "__main__":
    main()
