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


def _staging(box: Mailbox) -> str:
    return f"{box.folder}-staging"


def _stage(box: Mailbox, raws: list[bytes]) -> None:
    conn = box.connect()
    conn.create(_staging(box))
    conn.logout()
    append_all(box, raws, folder=_staging(box))


def append_all(box: Mailbox, raws: list[bytes], on_each=None, folder: str | None = None) -> None:
    """APPEND every mail, in order, over one connection; ``on_each(index, uid)`` runs as each is in."""
    conn = box.connect()
    try:
        for index, raw in enumerate(raws):
            typ, data = conn.append(folder or box.folder, None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {box.user}/{folder or box.folder} failed: {data!r}")
            if on_each is not None:
                found = APPENDUID.search(data[0] or b"")  # UIDPLUS; without it the UID stays unknown
                on_each(index, int(found.group(1)) if found else None)
    finally:
        conn.logout()


class Delivery:
    """Puts the corpus into the mailboxes and tells which of its mails ingest has marked \\Seen so far.

    The mails are APPENDed first into a staging folder that nobody reads (one APPEND costs the client
    more than ingest spends on a mail, so APPENDing as the clock runs would measure the client), then
    moved into the folder the department reads in one ``UID MOVE`` per mailbox: the clock starts with the
    first move, as if a burst of mail had just arrived. Ingest sets \\Seen only after tickets committed
    a mail: the watch takes that as its cue to look.
    """

    def __init__(self, mailboxes: dict[str, Mailbox]):
        self.mailboxes = mailboxes
        self.uids: dict[Mailbox, dict[int, str]] = {box: {} for box in mailboxes.values()}  # UID → Message-ID
        self.marked: set[str] = set()
        self._connections: dict[Mailbox, imaplib.IMAP4] = {}
        self._asked_at = 0.0
        self._lock = threading.Lock()

    def deliver(self, order: list[BenchMail], on_first) -> None:
        """Stage every mail in delivery order in its department's mailbox (or the only one), then move
        them all into the read folders; ``on_first()`` runs just before the first move."""
        only = next(iter(self.mailboxes.values())) if len(self.mailboxes) == 1 else None
        streams: dict[Mailbox, list[BenchMail]] = {}
        for mail in order:
            streams.setdefault(only or self.mailboxes[mail.department], []).append(mail)
        staged = time.monotonic()
        with ThreadPoolExecutor(len(streams)) as pool:
            list(pool.map(lambda item: _stage(item[0], [m.raw for m in item[1]]), streams.items()))
        print(f"staged {len(order)} mails in {time.monotonic() - staged:.1f} s (not timed)", flush=True)
        connections = {box: box.connect() for box in streams}
        for box, conn in connections.items():
            conn.select(_staging(box))
        on_first()
        for box, conn in connections.items():
            typ, data = conn.uid("MOVE", "1:*", box.folder)
            if typ != "OK":
                raise RuntimeError(f"UID MOVE into {box.user}/{box.folder} failed: {data!r}")
        for box, conn in connections.items():
            conn.logout()
            self._learn_uids(box, {m.message_id for m in streams[box]})

    def _learn_uids(self, box: Mailbox, expected: set[str]) -> None:
        """UID → Message-ID of the moved mails, read without setting \\Seen."""
        typ, data = self._connection(box).uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        found = {}
        for item in data:
            if isinstance(item, tuple):
                uid = re.search(rb"UID (\d+)", item[0])
                message_id = re.search(rb"<([^>]+)>", item[1])
                if uid and message_id and message_id.group(1).decode() in expected:
                    found[int(uid.group(1))] = message_id.group(1).decode()
        with self._lock:
            self.uids[box].update(found)
        if len(found) != len(expected):
            raise RuntimeError(f"{box.user}/{box.folder} holds {len(found)} of the {len(expected)} mails moved")

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
            return set(self.marked)

    def _connection(self, box: Mailbox) -> imaplib.IMAP4:
        with self._lock:
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
