"""The chaos benchmark's traffic: a mail server delivering to ingest, an agent answering through the API.

Both behave as their real counterparts do under faults: the mail server
retries a refused mail ten times a second apart and then keeps it for a later
queue run; the agent posts a reply again only after checking the thread lacks it.
"""
from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from bench.mail_corpus import BenchMail

CONCURRENCY = 24
TRIES = 11  # a first try and ten more, a second apart
ABORT = threading.Event()  # Ctrl-C or SIGTERM: every loop ends, and the system and backends are stopped


# -- the mail server ---------------------------------------------------------------------------------

@dataclass
class Delivery:
    mail: BenchMail
    status: str | None = None  # ingest's answer: created | appended | duplicate | held
    ticket: str | None = None
    attempts: int = 0
    queue_runs: int = 0  # times it went back to the queue after its ten retries
    last_error: str = ""
    done: threading.Event = field(default_factory=threading.Event)


class MailServer:
    """Hands mail to ingest as a mail server does (see the module docstring)."""

    def __init__(self, ingest: str, *, on_taken, concurrency: int = CONCURRENCY):
        target = urlsplit(ingest)
        self.host, self.port, self.on_taken, self.concurrency = target.hostname, target.port, on_taken, concurrency
        self.local = threading.local()

    def deliver(self, mails: list[BenchMail], *, give_up_at: float) -> dict[str, Delivery]:
        deliveries = {m.message_id: Delivery(m) for m in mails}
        pending: queue.Queue[tuple[float, Delivery]] = queue.Queue()
        for delivery in deliveries.values():
            pending.put((0.0, delivery))
        outstanding = [len(mails)]
        lock = threading.Lock()

        def worker() -> None:
            while not ABORT.is_set():
                with lock:
                    if outstanding[0] == 0:
                        return
                try:
                    not_before, delivery = pending.get(timeout=0.2)
                except queue.Empty:
                    continue
                if time.monotonic() < not_before:
                    pending.put((not_before, delivery))
                    time.sleep(0.05)
                    continue
                parent = deliveries.get(delivery.mail.parent_id or "")
                if parent is not None:
                    parent.done.wait(30)  # a reply goes out once what it answers was taken (or given up)
                if self._try(delivery, give_up_at) or time.monotonic() > give_up_at:
                    delivery.done.set()
                    with lock:
                        outstanding[0] -= 1
                else:
                    delivery.queue_runs += 1
                    pending.put((time.monotonic() + 5, delivery))

        with ThreadPoolExecutor(self.concurrency) as pool:
            for future in [pool.submit(worker) for _ in range(self.concurrency)]:
                future.result()
        return deliveries

    def _try(self, delivery: Delivery, give_up_at: float = float("inf")) -> bool:
        """One delivery attempt: the first try and ten more a second apart; True once taken."""
        for attempt in range(TRIES):
            if attempt and (ABORT.wait(1) or time.monotonic() > give_up_at):
                return False
            delivery.attempts += 1
            status, body = self._post(delivery.mail.raw)
            if status == 202:
                answer = json.loads(body)
                delivery.status, delivery.ticket = answer["status"], answer.get("ticket_number")
                self.on_taken(delivery)
                return True
            delivery.last_error = f"{status} {body[:120]!r}" if status else body.decode()
            if status is not None and status < 500:
                return False  # refused for good: no use trying now (but the queue will)
        return False

    def _post(self, raw: bytes) -> tuple[int | None, bytes]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=40)
        try:
            connection.request("POST", "/ingest/email", body=raw, headers={"Content-Type": "message/rfc822"})
            answer = connection.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            self.local.connection = None
            return None, f"{type(error).__name__}: {error}".encode()


# -- the agent ---------------------------------------------------------------------------------------

class Agent:
    """Answers tickets through the gateway; a post that failed is retried only if the thread lacks it."""

    def __init__(self, gateway: str, email_address: str = "owner@example.com", password: str = "destek-demo"):
        self.base = gateway.rstrip("/") + "/api/v1"
        self.credentials = {"email": email_address, "password": password}
        self.token: str | None = None
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(4)
        self.futures = []
        self.replies: dict[str, str] = {}  # ticket number -> the reply's Message-ID
        self.failed: list[str] = []
        self.posts = Counter()  # ticket number -> replies posted (should be 1 each)
        self.give_up_at = float("inf")  # the agent goes home: replies not posted by then are counted as such

    def _session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        if self.token is None:
            login = self._session().post(f"{self.base}/auth/login", json=self.credentials, timeout=40)
            login.raise_for_status()
            self.token = login.json()["token"]
        return self._session().request(method, f"{self.base}{path}", timeout=40,
                                       headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def answer_later(self, ticket: str, marker: str) -> None:
        self.futures.append(self.pool.submit(self._answer, ticket, marker))

    def wait(self) -> None:
        for future in self.futures:
            future.result()
        self.futures.clear()

    def _answer(self, ticket: str, marker: str) -> None:
        body = f"Merhaba, talebinizle ilgileniyoruz. ({marker})"
        tried = False
        while time.monotonic() < self.give_up_at and not ABORT.is_set():
            try:
                if tried:
                    found = self._find(ticket, marker)
                    if found:
                        self.replies[ticket] = found
                        return
                tried = True
                answer = self._call("POST", f"/tickets/{ticket}/replies", json={"body": body})
                if answer.status_code == 201:
                    self.posts[ticket] += 1
                    self.replies[ticket] = answer.json()["message_id"]
                    return
                if answer.status_code == 401:
                    self.token = None
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        self.failed.append(ticket)

    def _find(self, ticket: str, marker: str) -> str | None:
        answer = self._call("GET", f"/tickets/{ticket}")
        if answer.status_code != 200:
            raise ValueError(answer.status_code)
        for message in answer.json()["messages"]:
            if message["direction"] == "outbound" and marker in (message["body_text"] or ""):
                return message["message_id"]
        return None
