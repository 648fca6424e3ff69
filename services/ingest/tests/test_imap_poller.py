"""One mailbox poller against a real Dovecot and the real checkpoint table; tickets is a recorder here.

The recorder stands in for ``tickets.receive_messages`` so that each test can
see exactly what was handed over, how often and in which batches — the proof
that a restart neither skips nor repeats, which the ticket side's dedupe
would otherwise hide.
"""
from __future__ import annotations

import email.message
import itertools
import ssl
import time

import eventlet
import eventlet.event
import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from services.ingest.domain.imap_sync import Checkpoint
from services.ingest.imap.checkpoints import CheckpointStore, MailboxLease
from services.ingest.imap.client import MailboxConfig
from services.ingest.imap.poller import MailboxPoller, PollSettings
from tests.support.dovecot import DovecotServer

pytestmark = pytest.mark.imap
PASSWORD = "imap-pw"
_users = itertools.count(1)


def raw_mail(n: int, subject: str = "Kargo") -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"] = f"musteri{n}@example.org", "destek@example.com"
    msg["Subject"], msg["Message-ID"] = f"{subject} {n}", f"<m{n}.{time.monotonic_ns()}@example.org>"
    msg.set_content(f"Merhaba, {n}. mesaj.")
    return msg.as_bytes()


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory):
    DovecotServer.ensure_installed()
    with DovecotServer(tmp_path_factory.mktemp("imap"), users={"seed@example.com": PASSWORD}, tls=True) as server:
        yield server


@pytest.fixture
def mailbox(dovecot):
    """A fresh IMAP user of its own for this test: ``(config, user)``."""
    user = f"box{next(_users)}@example.com"
    dovecot.add_user(user, PASSWORD)
    return MailboxConfig(department_id=1, department_email="destek@example.com", host=dovecot.host,
                         port=dovecot.port, security="none", user=user, password=PASSWORD)


class Recorder:
    """Stands in for tickets: records every batch; can be told to fail the next calls."""

    def __init__(self):
        self.batches: list[list[str]] = []
        self.fail_next = 0

    def __call__(self, messages):
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("tickets did not answer")
        self.batches.append([m["subject"] for m in messages])
        return [{"status": "created"} for _ in messages]

    @property
    def subjects(self):
        return [s for batch in self.batches for s in batch]


@pytest.fixture
def make_poller(clean_db, database_url):
    lease_engine = create_engine(database_url, poolclass=NullPool)
    running = []

    def make(config, recorder, ssl_context=None, **settings):
        settings = {"poll_seconds": 0.2, "idle_seconds": 0.5, "max_backoff": 0.3, **settings}
        poller = MailboxPoller(config, convert=lambda raw, _: _subject_only(raw), submit=recorder,
                               checkpoints=CheckpointStore(clean_db),
                               lease=MailboxLease(lease_engine, config.key), settings=PollSettings(**settings),
                               ssl_context=ssl_context)
        running.append((poller, eventlet.spawn(poller.run)))
        return poller
    yield make
    for poller, thread in running:
        poller.stop()
        thread.wait()
    lease_engine.dispose()


def _subject_only(raw: bytes) -> dict:
    return {"subject": email.message_from_bytes(raw)["Subject"]}


def eventually(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        eventlet.sleep(0.05)
    raise AssertionError(f"not within {timeout}s: {check.__doc__ or check}")


def last_uid(engine, mailbox) -> int:
    """How far the mailbox's checkpoint has moved (0: not at all)."""
    return (CheckpointStore(engine).load(mailbox.key) or Checkpoint(0, 0)).last_uid


def stop(poller):
    poller.stop()
    eventually(lambda: poller.lease._conn is None)


def flags(dovecot, user):
    conn = dovecot.connect(user)
    try:
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("FETCH", "1:*", "(FLAGS)")
        return [item for item in data if item]
    finally:
        conn.logout()


def test_new_mail_is_handed_over_in_one_batch_then_marked_seen(dovecot, mailbox, make_poller, clean_db):
    for n in range(3):
        dovecot.append(mailbox.user, raw_mail(n))
    recorder = Recorder()
    make_poller(mailbox, recorder)
    eventually(lambda: len(recorder.subjects) == 3)
    assert recorder.batches == [["Kargo 0", "Kargo 1", "Kargo 2"]]
    eventually(lambda: last_uid(clean_db, mailbox) == 3)  # saved just after tickets' answer
    eventually(lambda: all(b"\\Seen" in line for line in flags(dovecot, mailbox.user)))


def test_a_restarted_poller_neither_skips_nor_repeats(dovecot, mailbox, make_poller):
    dovecot.append(mailbox.user, raw_mail(1))
    dovecot.append(mailbox.user, raw_mail(2))
    first = Recorder()
    poller = make_poller(mailbox, first)
    eventually(lambda: len(first.subjects) == 2)
    stop(poller)
    dovecot.append(mailbox.user, raw_mail(3))  # arrives while nothing polls
    dovecot.append(mailbox.user, raw_mail(4))
    second = Recorder()
    make_poller(mailbox, second)
    eventually(lambda: len(second.subjects) == 2)
    eventlet.sleep(0.5)
    assert first.subjects == ["Kargo 1", "Kargo 2"] and second.subjects == ["Kargo 3", "Kargo 4"]


def test_mail_is_neither_checkpointed_nor_marked_until_tickets_took_it(dovecot, mailbox, make_poller, clean_db):
    dovecot.append(mailbox.user, raw_mail(1))
    recorder = Recorder()
    recorder.fail_next = 2
    poller = make_poller(mailbox, recorder)
    eventually(lambda: poller.failures >= 1)
    assert CheckpointStore(clean_db).load(mailbox.key) is None
    assert all(b"\\Seen" not in line for line in flags(dovecot, mailbox.user))
    eventually(lambda: recorder.subjects == ["Kargo 1"])
    eventually(lambda: last_uid(clean_db, mailbox) == 1)  # saved just after tickets' answer


def test_a_new_uidvalidity_reads_the_whole_mailbox_again(dovecot, mailbox, make_poller, clean_db):
    dovecot.append(mailbox.user, raw_mail(1))
    dovecot.append(mailbox.user, raw_mail(2))
    CheckpointStore(clean_db).save(mailbox.key, Checkpoint(uidvalidity=1, last_uid=999))
    recorder = Recorder()
    make_poller(mailbox, recorder)
    eventually(lambda: recorder.subjects == ["Kargo 1", "Kargo 2"])
    eventually(lambda: last_uid(clean_db, mailbox) == 2)  # saved just after tickets' answer


def test_a_checkpoint_never_moves_backwards(clean_db):
    store = CheckpointStore(clean_db)
    store.save("k", Checkpoint(5, 10))
    store.save("k", Checkpoint(5, 7))  # a slower process saving an older position
    assert store.load("k") == Checkpoint(5, 10)
    store.save("k", Checkpoint(6, 2))
    assert store.load("k") == Checkpoint(6, 2)


def test_big_backlogs_go_over_in_batches_each_checkpointed(dovecot, mailbox, make_poller, clean_db):
    for n in range(5):
        dovecot.append(mailbox.user, raw_mail(n))
    recorder = Recorder()
    make_poller(mailbox, recorder, batch_size=2)
    eventually(lambda: len(recorder.subjects) == 5)
    assert [len(b) for b in recorder.batches] == [2, 2, 1]
    eventually(lambda: last_uid(clean_db, mailbox) == 5)  # saved just after tickets' answer


class SlowTickets(Recorder):
    """Commits each batch only when the test says so; can fail the first one after the second arrived."""

    def __init__(self, fail_first: bool = False):
        super().__init__()
        self.fail_first, self.release = fail_first, eventlet.event.Event()
        self.calls = 0

    def __call__(self, messages):
        self.calls += 1
        if self.calls == 1:
            self.release.wait(timeout=15)  # bounded, so that a failing test still stops its poller
            if self.fail_first:
                raise RuntimeError("tickets could not commit this batch")
        return super().__call__(messages)


def test_the_next_batch_is_handed_over_while_tickets_commits_the_one_before(dovecot, mailbox, make_poller,
                                                                           clean_db):
    for n in range(4):
        dovecot.append(mailbox.user, raw_mail(n))
    tickets = SlowTickets()
    make_poller(mailbox, tickets, batch_size=2)
    eventually(lambda: tickets.batches == [["Kargo 2", "Kargo 3"]])  # fetched, parsed, handed over meanwhile
    assert CheckpointStore(clean_db).load(mailbox.key) is None  # the first batch is not committed yet
    assert all(b"\\Seen" not in line for line in flags(dovecot, mailbox.user))
    tickets.release.send()
    eventually(lambda: last_uid(clean_db, mailbox) == 4)
    assert tickets.subjects == ["Kargo 2", "Kargo 3", "Kargo 0", "Kargo 1"]
    eventually(lambda: all(b"\\Seen" in line for line in flags(dovecot, mailbox.user)))


def test_a_failed_batch_keeps_the_checkpoint_before_it_though_the_next_one_committed(dovecot, mailbox,
                                                                                   make_poller, clean_db):
    for n in range(4):
        dovecot.append(mailbox.user, raw_mail(n))
    tickets = SlowTickets(fail_first=True)
    poller = make_poller(mailbox, tickets, batch_size=2)
    eventually(lambda: tickets.batches == [["Kargo 2", "Kargo 3"]])
    tickets.release.send()
    eventually(lambda: poller.failures >= 1)
    assert CheckpointStore(clean_db).load(mailbox.key) is None
    # Read again from the checkpoint: the failed batch now goes in; the committed one comes again, which
    # tickets answers "duplicate" (same Message-ID, same department): nothing lost, nothing stored twice.
    eventually(lambda: last_uid(clean_db, mailbox) == 4)
    assert tickets.subjects == ["Kargo 2", "Kargo 3", "Kargo 0", "Kargo 1", "Kargo 2", "Kargo 3"]


def test_big_mails_are_fetched_a_few_at_a_time_not_a_whole_batch_at_once(dovecot, mailbox, make_poller,
                                                                        clean_db):
    padding = "x" * 300_000  # each mail is about 300 kB; at most 700 kB may be fetched at once
    for n in range(5):
        dovecot.append(mailbox.user, raw_mail(n, subject="Ek").replace(b"mesaj.", f"mesaj. {padding}".encode()))
    recorder = Recorder()
    make_poller(mailbox, recorder, batch_size=100, batch_bytes=700_000)
    eventually(lambda: len(recorder.subjects) == 5)
    assert recorder.batches == [["Ek 0", "Ek 1"], ["Ek 2", "Ek 3"], ["Ek 4"]]
    eventually(lambda: last_uid(clean_db, mailbox) == 5)  # saved just after tickets' answer


def test_imported_mail_can_be_moved_to_another_folder(dovecot, mailbox, make_poller):
    dovecot.append(mailbox.user, raw_mail(1))
    moving = MailboxConfig(**{**mailbox.__dict__, "move_to": "Aktarıldı"})
    recorder = Recorder()
    make_poller(moving, recorder)
    eventually(lambda: recorder.subjects == ["Kargo 1"])
    conn = dovecot.connect(mailbox.user)
    try:
        eventually(lambda: conn.select("INBOX", readonly=True)[1] == [b"0"])
        assert conn.select('"Aktar&ATE-ld&ATE-"', readonly=True) == ("OK", [b"1"])
    finally:
        conn.logout()


def test_a_password_with_turkish_letters_logs_in(dovecot, make_poller):
    user, password = f"box{next(_users)}@example.com", "Işıklı-şifre-ğü"  # imaplib's LOGIN sends ASCII only
    dovecot.add_user(user, password)
    dovecot.append(user, raw_mail(1))
    recorder = Recorder()
    make_poller(MailboxConfig(department_id=1, department_email="destek@example.com", host=dovecot.host,
                              port=dovecot.port, security="none", user=user, password=password), recorder)
    eventually(lambda: recorder.subjects == ["Kargo 1"])


@pytest.mark.parametrize("wrong", ["wrong", "yanlış-şifre"])
def test_a_mailbox_with_a_wrong_password_backs_off_without_stopping(mailbox, make_poller, wrong):
    recorder = Recorder()
    poller = make_poller(MailboxConfig(**{**mailbox.__dict__, "password": wrong}), recorder)
    eventually(lambda: poller.failures >= 3)
    assert recorder.batches == []


def test_only_one_poller_reads_a_mailbox_at_a_time(dovecot, mailbox, make_poller):
    dovecot.append(mailbox.user, raw_mail(1))
    one, two = Recorder(), Recorder()
    make_poller(mailbox, one, lease_retry_seconds=0.2)
    eventually(lambda: one.subjects == ["Kargo 1"])
    make_poller(mailbox, two, lease_retry_seconds=0.2)
    dovecot.append(mailbox.user, raw_mail(2))
    eventually(lambda: one.subjects == ["Kargo 1", "Kargo 2"])
    assert two.subjects == []


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_mailboxes_are_read(dovecot, mailbox, make_poller, security):
    context = ssl.create_default_context(cafile=str(dovecot.cert_path))
    port = dovecot.tls_port if security == "tls" else dovecot.port
    secure = MailboxConfig(**{**mailbox.__dict__, "security": security, "port": port})
    dovecot.append(mailbox.user, raw_mail(1))
    recorder = Recorder()
    make_poller(secure, recorder, ssl_context=context)
    eventually(lambda: recorder.subjects == ["Kargo 1"])
