"""The IMAP side of the ingest benchmark: mailboxes, their settings in Destek, and delivering by APPEND.

Mail goes into a folder of its own per run (``bench-<run>``), so a mailbox
that already holds mail, or an earlier run's, changes nothing. Either a
private Dovecot is started (``tests/support/dovecot.py``) with a mailbox per
department, or an existing server's mailbox is used for the default
department. The departments' IMAP settings are set through the API (not over
a mailbox a department already reads) and removed afterwards.
"""
from __future__ import annotations

import imaplib
import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from bench.mail_corpus import BenchMail
from bench.visibility import Api

PASSWORD = "bench-imap-pw"
APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")


@dataclass(frozen=True)
class Mailbox:
    department_id: int
    department_email: str
    host: str
    port: int
    security: str  # none | starttls | tls
    user: str
    password: str
    folder: str

    def connect(self) -> imaplib.IMAP4:
        if self.security == "tls":
            conn = imaplib.IMAP4_SSL(self.host, self.port, timeout=60)
        else:
            conn = imaplib.IMAP4(self.host, self.port, timeout=60)
            if self.security == "starttls":
                conn.starttls()
        conn.login(self.user, self.password)
        return conn

    def settings(self) -> dict:
        """The ``imap`` section of ``PUT /departments/{id}/mail-settings``."""
        return {"enabled": True, "host": self.host, "port": self.port, "security": self.security,
                "user": self.user, "password": self.password, "folder": self.folder, "move_to": None}


def departments(api: Api) -> dict[str, dict]:
    return {d["email"]: d for d in api.call("GET", "/departments")["items"]}


@contextmanager
def private_dovecot(api: Api, run_id: str, emails: tuple[str, ...]):
    """A Dovecot of our own on 127.0.0.1 with a mailbox per department; yields department email → Mailbox."""
    from tests.support.dovecot import DovecotServer, ensure_installed
    ensure_installed()
    known = departments(api)
    base_dir = tempfile.mkdtemp(prefix="destek-bench-imap-")
    try:
        with DovecotServer(base_dir, users={email: PASSWORD for email in emails}) as server:
            yield {email: Mailbox(known[email]["id"], email, server.host, server.port, "none", email, PASSWORD,
                                  f"bench-{run_id}") for email in emails}
    finally:
        _remove(base_dir)


def _remove(directory: str) -> None:
    """Delete a stopped Dovecot's files; its last mail processes may still write there for a moment."""
    for _ in range(20):
        shutil.rmtree(directory, ignore_errors=True)
        if not os.path.exists(directory):
            return
        time.sleep(0.5)


@contextmanager
def existing_mailbox(api: Api, run_id: str, *, host: str, port: int, security: str, user: str, password: str):
    """One mailbox of an existing server, read for the default department (which then gets all mail)."""
    default = next(d for d in departments(api).values() if d["is_default"])
    yield {default["email"]: Mailbox(default["id"], default["email"], host, port, security, user, password,
                                     f"bench-{run_id}")}
    print(f"the run's mail stays in {user}'s folder bench-{run_id} on {host}: delete it when done")


@contextmanager
def configured(api: Api, mailboxes: dict[str, Mailbox]):
    """Create each run folder, point its department at it, and take the settings back afterwards."""
    for box in mailboxes.values():
        current = api.call("GET", f"/departments/{box.department_id}/mail-settings")["imap"]
        if current and not str(current.get("folder")).startswith("bench-"):  # not an earlier run's leftover
            raise RuntimeError(f"{box.department_email} already has a mailbox ({current['user']}@"
                               f"{current['host']}): the benchmark would overwrite it, so it stops here")
        conn = box.connect()
        conn.create(box.folder)
        conn.logout()
    try:
        for box in mailboxes.values():
            api.call("PUT", f"/departments/{box.department_id}/mail-settings", json={"imap": box.settings()})
        yield mailboxes
    finally:
        for box in mailboxes.values():
            api.call("PUT", f"/departments/{box.department_id}/mail-settings", json={"imap": None})


def wait_until_read(api: Api, mailboxes: dict[str, Mailbox], run_id: str, timeout: float = 180) -> float:
    """Deliver a probe mail to each mailbox and wait until ingest has imported every one; returns seconds."""
    started = time.monotonic()
    probes = {}
    for email, box in mailboxes.items():
        probe = EmailMessage()
        probe["From"], probe["To"] = f"probe.{run_id}@example.org", email
        probe["Subject"] = f"Probe [bench {run_id} probe]"
        probe["Message-ID"] = f"<probe.{box.department_id}@{run_id}.bench.example.org>"
        probe.set_content("Is this mailbox read?")
        probes[probe["Message-ID"].strip("<>")] = box
        append_all(box, [probe.as_bytes()])
    while time.monotonic() - started < timeout:
        found = api.call("GET", "/tickets", params={"q": f"probe.{run_id}@example.org", "limit": 50})["items"]
        if len(found) >= len(probes):
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"ingest did not import the probe mails within {timeout:.0f} s: is IMAP_POLLING on, "
                       f"and the mailbox reachable from the ingest service?")


def append_all(box: Mailbox, raws: list[bytes], on_each=None) -> None:
    """APPEND every mail, in order, over one connection; ``on_each(index, uid)`` runs as each is in."""
    conn = box.connect()
    try:
        for index, raw in enumerate(raws):
            typ, data = conn.append(box.folder, None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {box.user}/{box.folder} failed: {data!r}")
            if on_each is not None:
                found = APPENDUID.search(data[0] or b"")  # UIDPLUS; without it the UID stays unknown
                on_each(index, int(found.group(1)) if found else None)
    finally:
        conn.logout()


class Delivery:
    """APPENDs the corpus and tells which of its mails ingest has marked \\Seen so far.

    Ingest sets \\Seen only after tickets committed a mail: the watch takes that as its cue to look (a
    mail whose UID the server did not tell counts as committed once it is in the mailbox).
    """

    def __init__(self, mailboxes: dict[str, Mailbox]):
        self.mailboxes = mailboxes
        self.uids: dict[Mailbox, dict[int, str]] = {box: {} for box in mailboxes.values()}  # UID → Message-ID
        self.unknown: set[str] = set()  # in a mailbox, under a UID the server did not say
        self.marked: set[str] = set()
        self._connections: dict[Mailbox, imaplib.IMAP4] = {}
        self._asked_at = 0.0
        self._lock = threading.Lock()  # appenders write what the watch reads

    def deliver(self, order: list[BenchMail], on_first) -> None:
        """APPEND in delivery order, each mail into its department's mailbox (or the only one), all
        mailboxes at once; ``on_first()`` runs once, when the first mail is in."""
        only = next(iter(self.mailboxes.values())) if len(self.mailboxes) == 1 else None
        streams: dict[Mailbox, list[BenchMail]] = {}
        for mail in order:
            streams.setdefault(only or self.mailboxes[mail.department], []).append(mail)
        once = threading.Lock()

        def appender(box: Mailbox, mails: list[BenchMail]):
            def appended(index: int, uid: int | None) -> None:
                with self._lock:
                    if uid is None:
                        self.unknown.add(mails[index].message_id)
                    else:
                        self.uids[box][uid] = mails[index].message_id
                if once.acquire(blocking=False):
                    on_first()
            append_all(box, [m.raw for m in mails], appended)
        with ThreadPoolExecutor(len(streams)) as pool:
            for done in [pool.submit(appender, box, mails) for box, mails in streams.items()]:
                done.result()

    def committed(self) -> set[str]:
        """The corpus mails marked \\Seen (asked of the server at most four times a second)."""
        if time.monotonic() - self._asked_at >= 0.25:
            self._asked_at = time.monotonic()
            for box, uids in self.uids.items():
                if uids:
                    data = self._connection(box).uid("SEARCH", None, "SEEN")[1]
                    with self._lock:
                        self.marked.update(uids[uid] for uid in map(int, b" ".join(d or b"" for d in data).split())
                                           if uid in uids)
        with self._lock:
            return self.marked | self.unknown

    def _connection(self, box: Mailbox) -> imaplib.IMAP4:
        if box not in self._connections:
            conn = box.connect()
            conn.select(box.folder, readonly=True)
            self._connections[box] = conn
        return self._connections[box]

    def close(self) -> None:
        for conn in self._connections.values():
            try:
                conn.logout()
            except Exception:  # noqa: BLE001 - closing only
                pass
