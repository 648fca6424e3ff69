"""IMAP import end to end: department mailboxes on a real Dovecot become tickets through ingest and tickets.

Both services run as real containers on the test's vhost; mailboxes are set
through tickets' RPC exactly as an owner would, and ingest finds them within
``IMAP_REFRESH_SECONDS``.
"""
from __future__ import annotations

import email.message
import itertools
import time

import eventlet
import pytest

from services.ingest.imap.checkpoints import CheckpointStore
from services.ingest.imap.pollers import ImapPollers
from services.ingest.service import IngestService
from services.tickets.service import TicketsService
from tests.support.dovecot import DovecotServer

pytestmark = pytest.mark.imap
PASSWORD = "imap-pw"
_users = itertools.count(1)
FAST = {"IMAP_REFRESH_SECONDS": "0.5", "IMAP_POLL_SECONDS": "0.5", "IMAP_MAX_BACKOFF_SECONDS": "0.5"}


def raw_mail(n: int, sender: str = "musteri@example.org") -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Müşteri {n} <{sender}>", "someone@example.com", f"Talep {n}"
    msg["Message-ID"] = f"<imap-{n}.{time.monotonic_ns()}@example.org>"
    msg.set_content(f"Merhaba, {n}. talebim.")
    return msg.as_bytes()


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory):
    DovecotServer.ensure_installed()
    with DovecotServer(tmp_path_factory.mktemp("imap"), users={"seed@example.com": PASSWORD}, tls=True) as server:
        yield server


class Helpdesk:
    """Tickets running, an owner logged in, and helpers to connect mailboxes and read tickets."""

    def __init__(self, rpc, dovecot, start_service, tmp_path):
        self.rpc, self.dovecot, self.start_service, self.tmp_path = rpc, dovecot, start_service, tmp_path
        self.owner = rpc.tickets.authenticate("owner@example.com", "destek-demo")["id"]
        self.departments = {d["email"]: d["id"] for d in rpc.tickets.list_departments()}

    def connect_mailbox(self, department_email: str, password: str = PASSWORD, **imap) -> str:
        user = f"dept{next(_users)}@example.com"
        self.dovecot.add_user(user, PASSWORD)
        self.rpc.tickets.update_department_mail_settings(self.owner, self.departments[department_email], {"imap": {
            "enabled": True, "host": self.dovecot.host, "port": self.dovecot.port, "security": "none",
            "user": user, "password": password, **imap}})
        return user

    def start_ingest(self, **config):
        return self.start_service(IngestService, ATTACHMENT_STORE_DIR=str(self.tmp_path / "store"),
                                  **{**FAST, **config})

    def tickets(self) -> list[dict]:
        items = self.rpc.tickets.list_tickets(self.owner, {"limit": 200})["items"]
        return [self.rpc.tickets.get_ticket(self.owner, t["number"]) for t in items]

    def wait_for_tickets(self, count: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.tickets()
            if len(found) >= count:
                return found
            eventlet.sleep(0.1)
        raise AssertionError(f"expected {count} tickets within {timeout}s, found {len(self.tickets())}")


@pytest.fixture
def helpdesk(start_service, demo_org, rpc, dovecot, tmp_path):
    start_service(TicketsService)
    return Helpdesk(rpc, dovecot, start_service, tmp_path)


def subjects(tickets: list[dict]) -> list[str]:
    return sorted(t["subject"] for t in tickets)


def test_new_mail_in_a_department_mailbox_becomes_tickets_of_that_department(helpdesk, dovecot):
    user = helpdesk.connect_mailbox("satis@example.com")
    for n in range(3):
        dovecot.append(user, raw_mail(n))
    helpdesk.start_ingest()
    found = helpdesk.wait_for_tickets(3)
    assert subjects(found) == ["Talep 0", "Talep 1", "Talep 2"]
    assert {t["department"]["email"] for t in found} == {"satis@example.com"}
    assert all(len(t["messages"]) == 1 and "talebim" in t["messages"][0]["body_text"] for t in found)


def test_idle_brings_a_new_mail_in_within_a_couple_of_seconds(helpdesk, dovecot, start_service):
    user = helpdesk.connect_mailbox("destek@example.com")
    container = helpdesk.start_ingest(IMAP_POLL_SECONDS="600", IMAP_IDLE_SECONDS="600")
    pollers = next(d for d in container.extensions if isinstance(d, ImapPollers)).pollers
    deadline = time.monotonic() + 10
    while not pollers and time.monotonic() < deadline:
        eventlet.sleep(0.1)
    eventlet.sleep(1.0)  # the first sync found nothing; the poller now waits in IDLE
    started = time.monotonic()
    dovecot.append(user, raw_mail(1))
    helpdesk.wait_for_tickets(1, timeout=5)
    assert time.monotonic() - started < 2.5


def test_a_restarted_ingest_imports_what_came_while_it_was_down_once(helpdesk, dovecot):
    user = helpdesk.connect_mailbox("destek@example.com")
    dovecot.append(user, raw_mail(1))
    first = helpdesk.start_ingest()
    helpdesk.wait_for_tickets(1)
    first.stop()
    dovecot.append(user, raw_mail(2))
    dovecot.append(user, raw_mail(3))
    helpdesk.start_ingest()
    found = helpdesk.wait_for_tickets(3)
    eventlet.sleep(1.5)  # several more polls: nothing may come twice
    assert subjects(helpdesk.tickets()) == ["Talep 1", "Talep 2", "Talep 3"]
    assert all(len(t["messages"]) == 1 for t in found)


def test_a_crash_after_tickets_committed_but_before_the_checkpoint_duplicates_nothing(helpdesk, dovecot,
                                                                                      monkeypatch):
    user = helpdesk.connect_mailbox("destek@example.com")
    for n in range(3):
        dovecot.append(user, raw_mail(n))
    saves, answers = [], []
    real_save, real_submit = CheckpointStore.save, ImapPollers._submit

    def crash_once(store, mailbox, checkpoint):
        saves.append(checkpoint)
        if len(saves) == 1:
            raise RuntimeError("the process died right after tickets committed")
        real_save(store, mailbox, checkpoint)

    def recording_submit(pollers, messages):
        answers.append([r["status"] for r in real_submit(pollers, messages)])
        return [{"status": s} for s in answers[-1]]
    monkeypatch.setattr(CheckpointStore, "save", crash_once)
    monkeypatch.setattr(ImapPollers, "_submit", recording_submit)
    helpdesk.start_ingest()
    helpdesk.wait_for_tickets(3)
    deadline = time.monotonic() + 10
    while len(answers) < 2 and time.monotonic() < deadline:
        eventlet.sleep(0.1)
    assert answers[:2] == [["created"] * 3, ["duplicate"] * 3]  # fetched again, recognised, not re-added
    assert len(helpdesk.tickets()) == 3 and all(len(t["messages"]) == 1 for t in helpdesk.tickets())


def test_a_broken_mailbox_does_not_hold_up_the_others(helpdesk, dovecot):
    helpdesk.connect_mailbox("destek@example.com", password="wrong-password")
    good = helpdesk.connect_mailbox("satis@example.com")
    dovecot.append(good, raw_mail(1))
    helpdesk.start_ingest()
    [ticket] = helpdesk.wait_for_tickets(1)
    assert ticket["department"]["email"] == "satis@example.com"


def test_a_tls_mailbox_is_read_trusting_a_private_ca(helpdesk, dovecot):
    user = helpdesk.connect_mailbox("destek@example.com", security="tls", port=dovecot.tls_port)
    dovecot.append(user, raw_mail(1))
    helpdesk.start_ingest(IMAP_CA_FILE=str(dovecot.cert_path))
    [ticket] = helpdesk.wait_for_tickets(1)
    assert ticket["subject"] == "Talep 1"

