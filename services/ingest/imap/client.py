"""One IMAP connection to a department mailbox: select, list new UIDs, fetch, mark, wait (IDLE).

imaplib under eventlet's monkey patching: every socket wait yields to the
other green threads. IDLE (RFC 2177) is not in the standard library before
Python 3.14, so it is spoken here by hand.
"""
from __future__ import annotations

import imaplib
import re
import select
import ssl
import time
from dataclasses import dataclass
from typing import Callable

from services.ingest.domain.imap_sync import mailbox_key, quoted, uid_set


class MailboxError(Exception):
    """The server refused or answered something unusable; the poller reconnects after a pause."""


@dataclass(frozen=True)
class MailboxConfig:
    """A department mailbox, as ``tickets.list_imap_mailboxes`` describes it."""

    department_id: int
    department_email: str
    host: str
    port: int
    security: str  # none | starttls | tls
    user: str
    password: str
    folder: str = "INBOX"
    move_to: str | None = None

    @classmethod
    def from_rpc(cls, item: dict) -> "MailboxConfig":
        return cls(department_id=int(item["department_id"]), department_email=item["department_email"],
                   host=item["host"], port=int(item["port"]), security=item.get("security") or "tls",
                   user=item["user"], password=item.get("password") or "", folder=item.get("folder") or "INBOX",
                   move_to=item.get("move_to") or None)

    @property
    def key(self) -> str:
        return mailbox_key(self.department_id, self.user, self.host, self.port, self.folder)

    def __repr__(self) -> str:  # never log the password
        return f"MailboxConfig({self.key!r}, security={self.security!r})"


_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def log_in(conn: imaplib.IMAP4, user: str, password: str):
    """LOGIN, or for credentials beyond ASCII (imaplib sends LOGIN as ASCII only: ş, ı, ğ fail) UTF-8 SASL
    PLAIN (RFC 4616); the server's (type, data) answer either way."""
    if (user + password).isascii():
        return conn.login(user, password)
    return conn.authenticate("PLAIN", lambda _challenge: f"\0{user}\0{password}".encode())


class ImapSession:
    """A logged-in connection with the mailbox's folder selected."""

    def __init__(self, config: MailboxConfig, *, timeout: float = 30, ssl_context: ssl.SSLContext | None = None):
        self.config, self.timeout = config, timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.conn: imaplib.IMAP4 | None = None
        self.uidvalidity = 0
        self.can_idle = self.can_move = self.can_uid_expunge = False

    def open(self) -> int:
        """Connect, log in and select the folder; returns its UIDVALIDITY."""
        c = self.config
        if c.security == "tls":
            self.conn = imaplib.IMAP4_SSL(c.host, c.port, ssl_context=self.ssl_context, timeout=self.timeout)
        else:
            self.conn = imaplib.IMAP4(c.host, c.port, timeout=self.timeout)
            if c.security == "starttls":
                self.conn.starttls(ssl_context=self.ssl_context)
        self._check(log_in(self.conn, c.user, c.password), "LOGIN")
        capabilities = self._capabilities()
        self.can_idle, self.can_move = "IDLE" in capabilities, "MOVE" in capabilities
        self.can_uid_expunge = "UIDPLUS" in capabilities
        self._check(self.conn.select(quoted(c.folder)), f"SELECT {c.folder}")
        _, values = self.conn.response("UIDVALIDITY")
        if not values or not values[0]:
            raise MailboxError(f"{c.folder} has no UIDVALIDITY")
        self.uidvalidity = int(values[0])
        return self.uidvalidity

    def uids_after(self, last_uid: int) -> list[int]:
        """Every UID above ``last_uid`` in the folder, whatever its flags (read in webmail or not)."""
        self.conn.untagged_responses.pop("EXISTS", None)
        self.conn.untagged_responses.pop("RECENT", None)
        self._check(self.conn.noop(), "NOOP")  # lets the server report mail that arrived meanwhile
        data = self._check(self.conn.uid("SEARCH", None, f"UID {last_uid + 1}:*"), "UID SEARCH")
        # "n:*" also matches the highest UID when it is below n: keep only the new ones.
        return sorted(uid for uid in (int(x) for x in b" ".join(d or b"" for d in data).split())
                      if uid > last_uid)

    def sizes(self, uids: list[int]) -> list[tuple[int, int]]:
        """``(uid, size in bytes)`` of these mails, as the server counts them; vanished UIDs are left out."""
        data = self._check(self.conn.uid("FETCH", uid_set(uids), "(UID RFC822.SIZE)"), "UID FETCH")
        sized = []
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
            if uid and size:
                sized.append((int(uid.group(1)), int(size.group(1))))
        return sorted(sized)

    def fetch(self, uids: list[int]) -> list[tuple[int, bytes]]:
        """The raw mails of these UIDs (without setting \\Seen), ascending; vanished UIDs are left out."""
        data = self._check(self.conn.uid("FETCH", uid_set(uids), "(UID BODY.PEEK[])"), "UID FETCH")
        mails = []
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                match = _UID.search(item[0])
                if match:
                    mails.append((int(match.group(1)), item[1]))
        return sorted(mails)

    def mark_imported(self, uids: list[int]) -> None:
        """Set \\Seen, or move the mails to the configured folder, once tickets has committed them."""
        target, uids_text = self.config.move_to, uid_set(uids)
        if not target:
            self._check(self.conn.uid("STORE", uids_text, "+FLAGS.SILENT", r"(\Seen)"), "UID STORE")
            return
        self.conn.create(quoted(target))  # NO when it exists: fine
        if self.can_move:
            self._check(self.conn.uid("MOVE", uids_text, quoted(target)), "UID MOVE")
            return
        self._check(self.conn.uid("COPY", uids_text, quoted(target)), "UID COPY")
        self._check(self.conn.uid("STORE", uids_text, "+FLAGS.SILENT", r"(\Seen \Deleted)"), "UID STORE")
        if self.can_uid_expunge:  # without UIDPLUS an EXPUNGE could remove others' deleted mail: leave it
            self._check(self.conn.uid("EXPUNGE", uids_text), "UID EXPUNGE")

    def has_news(self) -> bool:
        """Whether the server reported new mail while answering the last commands."""
        responses = self.conn.untagged_responses
        return bool(responses.pop("EXISTS", None) or responses.pop("RECENT", None))

    def wait_for_news(self, seconds: float, stopping: Callable[[], bool]) -> bool:
        """Wait up to ``seconds`` for new mail (IDLE if offered, else just wait); True if some came."""
        if self.has_news():
            return True
        if not self.can_idle:
            _sleep_until(time.monotonic() + seconds, stopping)
            return False
        return self._idle(seconds, stopping)

    def _idle(self, seconds: float, stopping: Callable[[], bool]) -> bool:
        tag = f"I{time.monotonic_ns() % 10**9}".encode()
        self.conn.send(tag + b" IDLE\r\n")
        first = self.conn.readline()
        if not first.startswith(b"+"):
            raise MailboxError(f"IDLE refused: {first[:200]!r}")
        news, deadline = False, time.monotonic() + seconds
        while not news and not stopping() and time.monotonic() < deadline:
            if not self._readable(1.0):
                continue
            line = self.conn.readline()
            if not line or line.startswith(b"* BYE"):
                raise MailboxError(f"the server ended the connection during IDLE: {line[:200]!r}")
            news = line.rstrip().endswith((b" EXISTS", b" RECENT"))
        self.conn.send(b"DONE\r\n")
        while not (line := self.conn.readline()).startswith(tag):
            if not line:
                raise MailboxError("the connection closed while ending IDLE")
        if not line.startswith(tag + b" OK"):
            raise MailboxError(f"IDLE ended badly: {line[:200]!r}")
        return news

    def _readable(self, timeout: float) -> bool:
        sock = self.conn.sock
        pending = getattr(sock, "pending", None)  # TLS: bytes already decrypted wait in the socket, unseen by select
        if pending is not None and pending():
            return True
        ready, _, _ = select.select([sock], [], [], timeout)
        return bool(ready)

    def _capabilities(self) -> set[str]:
        data = self._check(self.conn.capability(), "CAPABILITY")
        return {word.upper() for word in b" ".join(data).decode("ascii", "replace").split()}

    def _check(self, answer, command: str) -> list:
        status, data = answer
        if status != "OK":
            raise MailboxError(f"{command} failed: {data!r:.300}")
        return data

    def close(self) -> None:
        """Log out (best effort: the connection may already be gone)."""
        if self.conn is None:
            return
        try:
            self.conn.logout()
        except Exception:  # noqa: BLE001 - closing a broken connection must not raise
            try:
                self.conn.shutdown()
            except Exception:  # noqa: BLE001
                pass
        self.conn = None


def _sleep_until(deadline: float, stopping: Callable[[], bool]) -> None:
    while not stopping() and time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
