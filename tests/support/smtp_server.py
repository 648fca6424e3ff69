"""A real SMTP server on loopback for tests, recording every message it gets.

Usage::

    with RecordingSmtpServer() as smtp:          # port 0: a free port is chosen
        send_something(host=smtp.host, port=smtp.port)
        [mail] = smtp.wait_for(1)
        assert mail.message["Subject"] == "Hello"

        smtp.set_failure(451)                    # RCPT now answers 451 ...
        smtp.set_failure(None)                   # ... until reset

Design: the server always runs in a separate process
----------------------------------------------------
aiosmtpd runs an asyncio event loop.  Inside a process that has been
monkey-patched by eventlet (``eventlet.monkey_patch()``, as nameko services and
their tests are), aiosmtpd's ``Controller`` "thread" is really a green thread
sharing the OS thread with everything else, and asyncio keeps its "running
loop" per OS thread: a second server, or any other asyncio use in the test
process, fails with "Cannot run the event loop while another loop is running",
and the server only makes progress when the rest of the process yields to the
eventlet hub.  That was tried and seen to fail, so this module never runs
asyncio in the caller's process.  Instead ``start()`` launches::

    python tests/support/smtp_server.py --host H --port N --dir D --parent-pid P

(``python -m tests.support.smtp_server ...`` works too), a child process that
runs aiosmtpd's ``SMTP`` protocol on a plain asyncio loop in its main thread
and writes every received message into ``D/messages/`` as ``NNNNNN.eml`` (the
raw bytes) plus ``NNNNNN.json`` (envelope; written last, so its presence means
the message is complete).  The ``RecordingSmtpServer`` object in the test
process reads those files; ``set_failure()`` writes ``D/failure.json``, which
the child reads on every RCPT/DATA command, so the change is in force as soon
as ``set_failure()`` returns.  The child binds the port itself (port 0 lets
the kernel pick one, no race) and reports it in ``D/server.json``; there is no
readiness probe that connects to a host name.  The child exits when it gets
SIGTERM/SIGINT or when its parent process goes away.  All the caller's side
uses is files, ``subprocess`` and ``time.sleep``, which behave the same with
and without eventlet's monkey-patching.

This file needs only the standard library and aiosmtpd, and imports nothing
from the project, so it runs the same as a script.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Optional

__all__ = ["RecordingSmtpServer", "ReceivedMail"]

FAILURE_FILE = "failure.json"
READY_FILE = "server.json"
MESSAGES_DIR = "messages"
REJECTIONS_FILE = "rejections.log"
LOG_FILE = "server.log"

DEFAULT_FAILURE_TEXT = {
    4: "4.3.0 Temporary failure (test server)",
    5: "5.7.1 Message rejected (test server)",
}


@dataclass
class ReceivedMail:
    """One message as the server received it.

    ``raw``: the bytes as received (CRLF line ends); ``message``: parsed with
    ``email.policy.default`` after turning CRLF into LF."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage = field(repr=False)
    received_at: float = 0.0
    name: str = ""  # file stem in the server's messages directory
    peer: Optional[tuple] = None  # the client's (address, port): one per SMTP connection

    @property
    def subject(self) -> Optional[str]:
        return self.message["Subject"]

    @classmethod
    def from_bytes(cls, mail_from: str, rcpt_tos: list[str], raw: bytes,
                   **kw) -> "ReceivedMail":
        # SMTP carries CRLF line ends; Python's email package expects "\n"
        # (else bodies come out with "\r\n").  ``raw`` keeps the wire form.
        message = email.message_from_bytes(raw.replace(b"\r\n", b"\n"),
                                           policy=email.policy.default)
        return cls(mail_from=mail_from, rcpt_tos=list(rcpt_tos), raw=raw,
                   message=message, **kw)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# The caller's side
# --------------------------------------------------------------------------

class RecordingSmtpServer:
    """A real SMTP server (aiosmtpd, in a child process) on ``host:port``.

    ``directory``: where the child keeps its files; a temporary directory
    (removed by ``stop()``) when not given.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 fail_with: Optional[int] = None,
                 directory: Optional[os.PathLike] = None,
                 startup_timeout: float = 15.0) -> None:
        self.host = host
        self.port = port
        self._requested_port = port
        self._initial_failure = fail_with
        self._given_dir = Path(directory) if directory is not None else None
        self.directory: Optional[Path] = self._given_dir
        self._startup_timeout = startup_timeout
        self._proc: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._seen: set[str] = set()

    # -- life cycle --------------------------------------------------------

    def start(self) -> "RecordingSmtpServer":
        if self._proc is not None:
            raise RuntimeError("RecordingSmtpServer already started")
        if self._given_dir is None:
            self.directory = Path(tempfile.mkdtemp(prefix="smtp-test-"))
        else:
            self.directory = self._given_dir
            self.directory.mkdir(parents=True, exist_ok=True)
        mdir = self.directory / MESSAGES_DIR
        mdir.mkdir(exist_ok=True)
        # messages left in a reused directory are not "received" by this run
        self._seen.update(n[:-5] for n in os.listdir(mdir) if n.endswith(".json"))
        for stale in (READY_FILE, FAILURE_FILE):
            try:
                (self.directory / stale).unlink()
            except FileNotFoundError:
                pass
        if self._initial_failure is not None:
            self.set_failure(self._initial_failure)

        cmd = [sys.executable, str(Path(__file__).resolve()),
               "--host", self.host, "--port", str(self._requested_port),
               "--dir", str(self.directory), "--parent-pid", str(os.getpid())]
        log = open(self.directory / LOG_FILE, "ab")
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                close_fds=True, start_new_session=True)
        finally:
            log.close()

        ready = self.directory / READY_FILE
        deadline = time.monotonic() + self._startup_timeout
        while True:
            if ready.exists():
                try:
                    info = json.loads(ready.read_text())
                    break
                except ValueError:
                    pass  # not possible with the atomic write, but be safe
            rc = self._proc.poll()
            if rc is not None:
                self._proc = None
                raise RuntimeError(
                    f"SMTP test server exited with code {rc} before it was "
                    f"ready; its log:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"SMTP test server not ready within {self._startup_timeout}"
                    f" s; its log:\n{self._log_tail()}")
            time.sleep(0.02)
        self.port = int(info["port"])
        return self

    def _log_tail(self, limit: int = 4000) -> str:
        try:
            return (self.directory / LOG_FILE).read_text(errors="replace")[-limit:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 5
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            if proc.poll() is None:
                proc.kill()
                deadline = time.monotonic() + 5
                while proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
        if proc is not None:
            self._sync()  # keep what arrived, for inspection after stop()
        if self._given_dir is None and self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> "RecordingSmtpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- received mail -----------------------------------------------------

    def _sync(self) -> None:
        if self.directory is None:
            return
        mdir = self.directory / MESSAGES_DIR
        try:
            names = sorted(n[:-5] for n in os.listdir(mdir)
                           if n.endswith(".json") and not n.startswith("."))
        except FileNotFoundError:
            return
        with self._lock:
            for name in names:
                if name in self._seen:
                    continue
                meta = json.loads((mdir / f"{name}.json").read_text())
                raw = (mdir / f"{name}.eml").read_bytes()
                self._messages.append(ReceivedMail.from_bytes(
                    meta["mail_from"], meta["rcpt_tos"], raw,
                    received_at=meta.get("received_at", 0.0), name=name,
                    peer=tuple(meta["peer"]) if meta.get("peer") else None))
                self._seen.add(name)

    @property
    def messages(self) -> list[ReceivedMail]:
        """All messages received so far (since the last ``clear()``)."""
        self._sync()
        return self._messages

    def clear(self) -> None:
        """Forget the messages received so far."""
        self._sync()
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages are in; return them all."""
        deadline = time.monotonic() + timeout
        while True:
            self._sync()
            with self._lock:
                if len(self._messages) >= count:
                    return list(self._messages)
            if time.monotonic() >= deadline:
                break
            if self._proc is not None and self._proc.poll() is not None:
                raise AssertionError(
                    f"SMTP test server on {self.host}:{self.port} died while "
                    f"waiting for mail; its log:\n{self._log_tail()}")
            time.sleep(0.02)
        with self._lock:
            got = [f"{m.mail_from} -> {', '.join(m.rcpt_tos)}: {m.subject!r}"
                   for m in self._messages]
        raise AssertionError(
            f"expected at least {count} mail(s) at the SMTP test server "
            f"{self.host}:{self.port} within {timeout} s, got {len(got)}"
            + ("".join(f"\n  - {g}" for g in got) if got else "")
            + (f"\n  ({self.rejected_count} transaction(s) were refused by "
               f"set_failure())" if self.rejected_count else ""))

    # -- failure injection -------------------------------------------------

    def set_failure(self, code: Optional[int], message: Optional[str] = None,
                    *, stage: str = "rcpt", recipient: Optional[str] = None) -> None:
        """Answer every RCPT (``stage="rcpt"``) or DATA (``stage="data"``)
        with ``code`` (e.g. 451 temporary, 550 permanent) until called again
        with ``None``.  With stage "rcpt", smtplib raises
        ``SMTPRecipientsRefused``; with "data", ``SMTPDataError``.  With
        ``recipient``, only mail to that address is refused (stage "rcpt")."""
        if self.directory is None:
            # before start(): remembered and applied by start()
            self._initial_failure = code
            return
        path = self.directory / FAILURE_FILE
        if code is None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            return
        if not 400 <= int(code) <= 599:
            raise ValueError(f"SMTP failure code must be 4xx or 5xx, not {code}")
        if stage not in ("rcpt", "data"):
            raise ValueError(f"stage must be 'rcpt' or 'data', not {stage!r}")
        text = message or DEFAULT_FAILURE_TEXT[int(code) // 100]
        _atomic_write(path, json.dumps(
            {"code": int(code), "message": text, "stage": stage, "recipient": recipient}).encode())

    @property
    def rejected_count(self) -> int:
        """How many RCPT/DATA commands were refused because of set_failure()."""
        if self.directory is None:
            return 0
        try:
            return len((self.directory / REJECTIONS_FILE).read_bytes().splitlines())
        except FileNotFoundError:
            return 0


# --------------------------------------------------------------------------
# The child process: the SMTP server itself
# --------------------------------------------------------------------------

class _RecordingHandler:
    """aiosmtpd handler that stores each message as files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.messages_dir = directory / MESSAGES_DIR
        self.messages_dir.mkdir(parents=True, exist_ok=True)
        existing = [n for n in os.listdir(self.messages_dir)
                    if n.endswith(".json") and n[:-5].isdigit()]
        self.counter = max((int(n[:-5]) for n in existing), default=0)

    def _failure(self, stage: str, address: Optional[str] = None) -> Optional[str]:
        try:
            spec = json.loads((self.directory / FAILURE_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None
        if spec.get("stage", "rcpt") != stage:
            return None
        if spec.get("recipient") and spec["recipient"] != address:
            return None
        reply = f"{spec['code']} {spec['message']}"
        with open(self.directory / REJECTIONS_FILE, "a") as fh:
            fh.write(f"{time.time():.6f} {stage} {reply}\n")
        return reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        failure = self._failure("rcpt", address)
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        failure = self._failure("data")
        if failure:
            return failure
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        self.counter += 1
        name = f"{self.counter:06d}"
        _atomic_write(self.messages_dir / f"{name}.eml", raw)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "received_at": time.time(),
            "peer": list(session.peer) if session.peer else None,
        }
        _atomic_write(self.messages_dir / f"{name}.json", json.dumps(meta).encode())
        return "250 OK: queued as " + name


def main(argv: Optional[list[str]] = None) -> int:
    import asyncio
    import logging

    from aiosmtpd.smtp import SMTP

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--parent-pid", type=int, default=None,
                        help="exit when this process is no longer our parent")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args.dir.mkdir(parents=True, exist_ok=True)
    handler = _RecordingHandler(args.dir)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(handler, hostname="smtp-test.localhost",
                    ident="Destek test SMTP server",
                    enable_SMTPUTF8=True, decode_data=False)

    server = loop.run_until_complete(
        loop.create_server(factory, host=args.host, port=args.port))
    port = server.sockets[0].getsockname()[1]

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)

    if args.parent_pid:
        def watch_parent():
            if os.getppid() != args.parent_pid:
                loop.stop()
            else:
                loop.call_later(0.5, watch_parent)
        loop.call_later(0.5, watch_parent)

    _atomic_write(args.dir / READY_FILE, json.dumps(
        {"host": args.host, "port": port, "pid": os.getpid()}).encode())
    try:
        loop.run_forever()
    finally:
        server.close()
        try:
            loop.run_until_complete(asyncio.wait_for(server.wait_closed(), 2))
        except asyncio.TimeoutError:
            pass
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
