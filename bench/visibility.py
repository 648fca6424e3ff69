"""Watching the gateway API until every mail of a benchmark run is visible, counted exactly.

A scan pages through every ticket updated since the run began (keyset
cursors, ``sort=updated``) and recognises the run's tickets by the tag in
their subject. A ticket of a one-mail conversation that nothing touched since
its creation shows its mail by being listed (the ticket and its first message
are committed together); any other ticket's thread is opened, and the run's
messages in it are matched by Message-ID. The clock stops when the last of the
run's Message-IDs has been seen.

Reading threads costs the system under test as much as a few mails do, so the
watch uses the channel's own word that a mail is committed (HTTP: its 202;
IMAP: ingest marked it ``\\Seen``) to decide *when* to look, never *what* is
visible: a conversation's tickets are opened once all its mails are
committed (again only if they change), and scans are far apart until every
mail is committed, back to back after that.
"""
from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import requests

from bench.mail_corpus import SUBJECT_TAG, BenchMail

PAGE = 200  # the API's largest page
BUSY_PAUSE = 2.0  # seconds between scans while mails are still being committed
SCAN_PAUSE = 0.1  # ... once all are committed
STALL_SECONDS = 10  # all committed, no progress this long: open every thread again, and look at held mail


class Api:
    """The gateway's ``/api/v1`` as one logged-in user (a session per thread)."""

    def __init__(self, base: str, email: str, password: str):
        self.base = base.rstrip("/") + "/api/v1"
        self._local = threading.local()
        answer = self._session().post(f"{self.base}/auth/login", json={"email": email, "password": password},
                                      timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"login as {email} failed: {answer.status_code} {answer.text[:200]}")
        self.token = answer.json()["token"]

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def call(self, method: str, path: str, **kwargs) -> dict:
        """One request, retried a few times on a connection error or a 5xx; 4xx raise at once."""
        for attempt in range(5):
            try:
                answer = self._session().request(method, f"{self.base}{path}", timeout=60,
                                                  headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
                if answer.status_code < 500:
                    break
            except requests.ConnectionError:
                if attempt == 4:
                    raise
            time.sleep(0.5 * (attempt + 1))
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else {}

    def tickets_updated_since(self, since: datetime):
        """Every ticket updated at or after ``since``, page by page (keyset: ``next_cursor``)."""
        params = {"updated_from": since.isoformat(), "sort": "updated", "limit": PAGE}
        while True:
            page = self.call("GET", "/tickets", params=params)
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]


@dataclass
class Seen:
    """What a watch has found: each of the run's Message-IDs → the ticket it is in."""

    ticket_of: dict[str, str] = field(default_factory=dict)
    complete_at: float | None = None  # perf_counter() when the last mail was seen
    scans: int = 0
    threads_opened: int = 0


class VisibilityWatch:
    """Follows the API in a background thread until all ``mails`` are visible (see the module docstring).

    ``committed()`` returns the Message-IDs the channel says are committed so far (None: take all as
    committed, and open every changed thread at once).
    """

    def __init__(self, api: Api, mails: list[BenchMail], run_id: str, *, since: datetime,
                 committed: Callable[[], set[str]] | None = None):
        self.api, self.run_id = api, run_id
        self.expected = {m.message_id for m in mails}
        self.committed = committed or (lambda: self.expected)
        self.mails_of: dict[int, list[str]] = defaultdict(list)  # conversation → its Message-IDs
        for mail in mails:
            self.mails_of[mail.conversation].append(mail.message_id)
        self.conversation_of = {m.message_id: m.conversation for m in mails}
        self.unseen_in = {c: len(ids) for c, ids in self.mails_of.items()}  # mails the API has not shown yet
        # Ticket times are the server's: a margin covers a batch whose clock started before ours.
        self.since = since - timedelta(seconds=10)
        self.seen = Seen()
        self.opened: dict[str, str] = {}  # ticket number → its updated_at when its thread was last read
        self.sweep = False  # next scan only: open every changed thread, whatever the rules above say
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> "VisibilityWatch":
        self._thread = threading.Thread(target=self._run, name="visibility-watch", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float) -> Seen:
        """Block until every mail is visible; raises with what is missing after ``timeout`` seconds."""
        self._thread.join(timeout)
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self.seen.complete_at is None:
            missing = sorted(self.expected - set(self.seen.ticket_of))
            raise RuntimeError(f"after {timeout:.0f} s the API shows {len(self.seen.ticket_of)} of "
                               f"{len(self.expected)} mails; missing e.g. {missing[:5]}{self._held_note()}")
        return self.seen

    def _run(self) -> None:
        try:
            with ThreadPoolExecutor(4) as pool:
                self._follow(pool)
        except BaseException as exc:  # noqa: BLE001 - handed to wait()
            self._error = exc

    def _follow(self, pool: ThreadPoolExecutor) -> None:
        progress_at, count = time.monotonic(), 0
        while not self._stop.is_set():
            done = self.committed()
            all_in = len(done) == len(self.expected)
            self._scan(pool, done)
            if len(self.seen.ticket_of) == len(self.expected):
                self.seen.complete_at = time.perf_counter()
                return
            if len(self.seen.ticket_of) > count or not all_in:
                progress_at, count = time.monotonic(), len(self.seen.ticket_of)
            elif time.monotonic() - progress_at > STALL_SECONDS:
                print(f"  … all committed, but the API shows {count} of {len(self.expected)}: reading every "
                      f"thread again{self._held_note()}", flush=True)
                self.opened.clear()
                self.sweep, progress_at = True, time.monotonic()
            self._pause(all_in)

    def _pause(self, all_in: bool) -> None:
        """Wait before the next scan: briefly once all is committed, else until then or ``BUSY_PAUSE``."""
        deadline = time.monotonic() + (SCAN_PAUSE if all_in else BUSY_PAUSE)
        while not self._stop.wait(0.05) and time.monotonic() < deadline:
            if not all_in and len(self.committed()) == len(self.expected):
                return

    def _scan(self, pool: ThreadPoolExecutor, done: set[str]) -> None:
        """One pass over the tickets updated since the run began; opens the threads worth reading now."""
        listed = self.api.tickets_updated_since(self.since)
        to_open = [ticket for ticket in listed if self._worth_opening(ticket, done)]
        for ticket, detail in zip(to_open, pool.map(lambda t: self.api.call("GET", f"/tickets/{t['number']}"),
                                                    to_open)):
            self.opened[ticket["number"]] = ticket["updated_at"]
            for message in detail["messages"]:
                if message["direction"] == "inbound" and message["message_id"] in self.expected:
                    self._found(message["message_id"], ticket["number"])
        self.seen.scans += 1
        self.seen.threads_opened += len(to_open)
        self.sweep = False

    def _worth_opening(self, ticket: dict, done: set[str]) -> bool:
        """Whether to read this listed ticket's thread now; records a one-mail ticket's mail instead."""
        if self.opened.get(ticket["number"]) == ticket["updated_at"]:
            return False  # nothing changed since it was read
        tag = SUBJECT_TAG.search(ticket["subject"] or "")
        if tag is None:
            return True  # not the run's ticket by its subject, yet touched during the run: look
        if tag.group(1) != self.run_id:
            return False  # another run's ticket
        conversation = int(tag.group(2))
        mails = self.mails_of.get(conversation, ())
        if len(mails) == 1 and ticket["updated_at"] == ticket["created_at"]:
            self._found(mails[0], ticket["number"])
            return False
        if self.sweep:
            return True
        # A conversation's tickets hold only its own mail (its own senders and Message-IDs): one whose
        # mails are all seen has nothing more to show, one with mails still on their way is read later.
        return self.unseen_in.get(conversation) != 0 and all(mid in done for mid in mails)

    def _found(self, message_id: str, number: str) -> None:
        if message_id not in self.seen.ticket_of:
            self.seen.ticket_of[message_id] = number
            self.unseen_in[self.conversation_of[message_id]] -= 1

    def _held_note(self) -> str:
        held = [h for h in self.api.call("GET", "/held-mail", params={"status": "held"})["items"]
                if f"@{self.run_id}." in (h.get("message_id") or "")]
        reasons = Counter(h["reason"] for h in held)
        return f"; {len(held)} held for an operator ({dict(reasons)})" if held else ""


def threading_share(mails: list[BenchMail], ticket_of: dict[str, str]) -> tuple[float, float, int]:
    """Shares of replies in the ticket of the mail they answer, and in their conversation's first mail's."""
    first = {m.conversation: m.message_id for m in mails if m.parent_id is None}
    replies = [m for m in mails if m.parent_id is not None]
    if not replies:
        return 1.0, 1.0, 0
    to_parent = sum(ticket_of[m.message_id] == ticket_of[m.parent_id] for m in replies)
    to_first = sum(ticket_of[m.message_id] == ticket_of[first[m.conversation]] for m in replies)
    return to_parent / len(replies), to_first / len(replies), len(replies)
