"""An SMTP server on loopback that insists on STARTTLS and a login, for notify's tests.

It runs as its own process (``python -m services.notify.tests.starttls_smtp``)
for the reason given in ``tests/support/smtp_server.py``: asyncio does not
share a process with eventlet. It keeps mail the way ``RecordingSmtpServer``
does, so a ``RecordingSmtpServer(directory=...)`` that is never started reads it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.support.smtp_server import READY_FILE, RecordingSmtpServer, _atomic_write, _RecordingHandler

ROOT = Path(__file__).resolve().parents[3]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl tool."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@contextmanager
def starttls_server(directory: Path, username: str, password: str):
    """Run the server; yields ``(port, cert_path, reader)`` where ``reader.wait_for(n)`` returns mail."""
    cert, key = self_signed_certificate(directory)
    process = subprocess.Popen(
        [sys.executable, "-m", "services.notify.tests.starttls_smtp", "--dir", str(directory), "--cert", str(cert),
         "--key", str(key), "--username", username, "--password", password],
        cwd=ROOT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not (directory / READY_FILE).exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the STARTTLS test server did not start")
            time.sleep(0.05)
        port = json.loads((directory / READY_FILE).read_text())["port"]
        yield port, cert, RecordingSmtpServer(directory=directory)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    from aiosmtpd.smtp import SMTP, AuthResult
    parser = argparse.ArgumentParser()
    for option in ("--dir", "--cert", "--key", "--username", "--password"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    handler = _RecordingHandler(Path(args.dir))

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password)
                          == (args.username.encode(), args.password.encode()))

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(
        handler, hostname="tls-test.localhost", tls_context=context, require_starttls=True,
        authenticator=authenticate, auth_required=True), host="127.0.0.1", port=0))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    _atomic_write(Path(args.dir) / READY_FILE, json.dumps({"port": server.sockets[0].getsockname()[1]}).encode())
    loop.run_forever()


if __name__ == "__main__":
    main()
