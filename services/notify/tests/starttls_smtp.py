"""An SMTP server on loopback that insists on STARTTLS and a login, for notify's tests.

It runs as its own process (``python -m services.notify.tests.starttls_smtp``)
for the reason given in ``tests/support/smtp_server.py``: asyncio does not
share a process with eventlet. It keeps mail the way ``RecordingSmtpServer``
does, so a ``RecordingSmtpServer(directory=...)`` that is never started reads it.
"""
from __future__ import annotations

import argparse
import ssl
import subprocess
from contextlib import contextmanager
from pathlib import Path

from services.notify.tests.server_process import serve, server_process
from tests.support.smtp_server import RecordingSmtpServer, _RecordingHandler


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
    with server_process("services.notify.tests.starttls_smtp", directory, "--cert", str(cert), "--key", str(key),
                        "--username", username, "--password", password, what="STARTTLS") as port:
        yield port, cert, RecordingSmtpServer(directory=directory)


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

    serve(Path(args.dir), lambda: SMTP(handler, hostname="tls-test.localhost", tls_context=context,
                                       require_starttls=True, authenticator=authenticate, auth_required=True))


if __name__ == "__main__":
    main()
