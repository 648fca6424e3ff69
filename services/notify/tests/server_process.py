"""Running notify's special test SMTP servers (pipelining, STARTTLS, holding) as processes of their own.

Each is an aiosmtpd server in its own process, for the reason given in
``tests/support/smtp_server.py``: asyncio does not share a process with
eventlet. The parent waits for the port the child writes; the child serves
until SIGTERM.
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

from tests.support.smtp_server import READY_FILE, _atomic_write

ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def server_process(module: str, directory: Path, *arguments: str, what: str):
    """Start ``python -m module --dir directory *arguments``; yields the port it listens on."""
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-m", module, "--dir", str(directory), *arguments],
                               cwd=ROOT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not (directory / READY_FILE).exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {what} test server did not start")
            time.sleep(0.05)
        yield json.loads((directory / READY_FILE).read_text())["port"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def serve(directory: Path, protocol) -> None:
    """In the child: serve ``protocol()`` connections on a free loopback port until SIGTERM."""
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(protocol, host="127.0.0.1", port=0))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    _atomic_write(directory / READY_FILE, json.dumps({"port": server.sockets[0].getsockname()[1]}).encode())
    loop.run_forever()


def serve_handler(handler_class, hostname: str) -> None:
    """The child's ``main``: ``--dir DIR``, a ``handler_class(DIR)`` behind aiosmtpd's SMTP, until SIGTERM."""
    from aiosmtpd.smtp import SMTP
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    directory = Path(parser.parse_args().dir)
    handler = handler_class(directory)
    serve(directory, lambda: SMTP(handler, hostname=hostname, enable_SMTPUTF8=True, decode_data=False))
