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

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.support.smtp_server import READY_FILE, RecordingSmtpServer, _atomic_write, _RecordingHandler

ROOT = Path(__file__).resolve().parents[3]
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
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-m", "services.notify.tests.pipelining_smtp", "--dir", str(directory)],
                               cwd=ROOT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not (directory / READY_FILE).exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the pipelining test server did not start")
            time.sleep(0.05)
        port = json.loads((directory / READY_FILE).read_text())["port"]
        yield port, RecordingSmtpServer(directory=directory)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    from aiosmtpd.smtp import SMTP
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    handler = PipeliningHandler(Path(args.dir))
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(
        handler, hostname="pipelining-test.localhost", enable_SMTPUTF8=True, decode_data=False),
        host="127.0.0.1", port=0))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    _atomic_write(Path(args.dir) / READY_FILE, json.dumps({"port": server.sockets[0].getsockname()[1]}).encode())
    loop.run_forever()


if __name__ == "__main__":
    main()
