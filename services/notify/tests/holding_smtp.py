"""An SMTP server on loopback that keeps each mail and then holds back its "250 OK" until told.

A client that is killed while it waits for the answer has handed the mail
over without learning so: the moment the issue about mail "sent but recorded
as unsent" is about. It runs as its own process (``python -m
services.notify.tests.holding_smtp``) for the reason given in
``tests/support/smtp_server.py`` and keeps mail the way ``RecordingSmtpServer``
does; ``release()`` makes it answer at once, from then on.
"""
from __future__ import annotations

import asyncio
from contextlib import contextmanager
from pathlib import Path

from services.notify.tests.server_process import serve_handler, server_process
from tests.support.smtp_server import RecordingSmtpServer, _RecordingHandler

RELEASE_FILE = "release"


class HoldingHandler(_RecordingHandler):
    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)  # the mail is kept now
        while not (self.directory / RELEASE_FILE).exists():
            await asyncio.sleep(0.05)
        return answer


class HoldingServer(RecordingSmtpServer):
    """The reader of what the holding server kept, and its switch."""

    def release(self) -> None:
        """Answer every mail at once from now on (held ones too)."""
        (self.directory / RELEASE_FILE).touch()


@contextmanager
def holding_server(directory: Path):
    """Run the server; yields ``(port, server)``: ``server.wait_for(n)``, ``server.release()``."""
    with server_process("services.notify.tests.holding_smtp", directory, what="holding") as port:
        yield port, HoldingServer(directory=directory)


def main() -> None:
    serve_handler(HoldingHandler, "holding-test.localhost")


if __name__ == "__main__":
    main()
