"""Sending deliveries, one destination at a time, each recorded before and after it goes out.

A round at a destination claims a few due deliveries (marks them ``sending``
with an attempt id and this process's lease, and commits), hands them to the
server over one connection, then records what became of them and claims the
next few in one transaction. A process that dies in a round leaves at most
the few it had claimed ``sending``; lease.py sends them again. A process
that lives but loses the database (a PostgreSQL restart) keeps what the
server answered and records it once the database is back and its lease is
held again; it claims nothing meanwhile.

The destination paces itself: a round that finds it failing (no
conversation, or every mail deferred) puts it in backoff, and while it is
there nothing goes to it but, once the backoff ends, one delivery to probe
it. Rounds at other destinations are not held up: the scheduler runs each
destination in a worker of its own.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Protocol

import eventlet
from sqlalchemy import ARRAY, BigInteger, any_, bindparam, func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from services.notify import mail
from services.notify.domain.destinations import RoundResult, backoff, channel_of, destination_failed
from services.notify.lease import Lease
from services.notify.metrics import DESTINATION_FAILURES
from services.notify.models import Delivery, Destination
from services.notify.outcomes import Settled, release, settle
from services.shared.events import utcnow

log = logging.getLogger(__name__)

DELIVERY_IDS = bindparam("ids", type_=ARRAY(BigInteger))
RECORD_FIRST_PAUSE, RECORD_MAX_PAUSE = 0.5, 2.0  # between attempts to record outcomes while the database is away
LEASE_POLL = 0.1
DATABASE_AWAY = (OperationalError, InterfaceError)  # what a dropped connection or a restarting server raises
# What a round reads of the deliveries it claims; their bytes and details come apart (see _contents).
CLAIMED_COLUMNS = [column for column in Delivery.__table__.c if column.name not in ("raw", "details", "created_at")]


class SmtpChooser(Protocol):
    first_retry_seconds: int

    def smtp_for(self, department_id: int | None) -> mail.SmtpSettings: ...


class UnitOfWork(Protocol):
    def transaction(self): ...


@dataclass
class DestinationRound:
    """One worker's turn at one destination; :meth:`run` returns ``{delivery id: outcome}``."""
    uow: UnitOfWork
    destination: str
    lease: Lease
    chooser: SmtpChooser
    only: list[int] | None = None  # just these deliveries (the ones a handler has just queued)
    built: dict = field(default_factory=dict)  # {id: OutgoingMail | None}: bytes in hand, not read back
    batch: list = field(default_factory=list)  # claimed and not yet recorded
    settled: Settled | None = None
    was_failing: bool = False
    counts: dict = field(default_factory=lambda: {"sent": 0, "refused": 0, "deferred": 0})
    outcomes: dict = field(default_factory=dict)

    def run(self) -> dict[int, str]:
        started, failure = time.monotonic(), None
        if self.only is not None and self.destination in self.lease.connecting:
            return {}  # a server that lets connections hang would hold this handler too: the scheduler sends it
        with self.uow.transaction() as session:
            self._hold(self._claim(session))
        if not self.batch:
            return {}
        try:
            with self._connected() as connection:
                while self.batch:
                    self._send_batch(connection)
                    more = time.monotonic() - started < self.lease.pacing.round_seconds and not self._failing_now()
                    self._save(claim_more=more)
        except (mail.TemporaryFailure, mail.PermanentFailure) as broke:
            failure = broke
            self._charge_the_first_untried(failure)
        except BaseException:
            self._give_back_untried()
            raise
        self._save(judge=True, failure=failure)
        return self.outcomes

    def _save(self, *, claim_more: bool = False, judge: bool = False, failure: Exception | None = None) -> None:
        """Record what the batch came to, with the round's next step (claim a few more, or judge the destination).

        The servers have these mails: while the database is away the outcomes
        are kept and written again and again until it is back and the lease is
        held again, so that none is left ``sending`` for another process to
        send twice. Once the database has been away the round ends there.
        """
        settled, pause = self.settled if self.batch else None, RECORD_FIRST_PAUSE
        while True:
            try:
                self._wait_for_the_lease()
                with self.uow.transaction() as session:
                    if settled is not None:
                        settled.write(session)
                    if claim_more and self.was_failing:
                        self._judge(session, None)  # the probe went through: open up before claiming more
                    batch = self._claim(session) if claim_more else []
                    if judge:
                        self._judge(session, failure)
                break
            except DATABASE_AWAY as away:
                if settled is None:
                    log.warning("could not write how %s is doing: %s", self.destination, _first_line(away))
                    return
                log.warning("could not record %d outcomes at %s (%s); trying again in %.1f s", len(settled.states),
                            self.destination, _first_line(away), pause)
                claim_more = judge = False
                eventlet.sleep(pause)
                pause = min(pause * 2, RECORD_MAX_PAUSE)
        if settled is not None:
            self.outcomes.update(settled.outcomes)
        self._hold(batch)

    @contextmanager
    def _connected(self):
        """The SMTP conversation, while others know this process is connecting to the destination."""
        connecting = self.lease.connecting
        connecting[self.destination] = connecting.get(self.destination, 0) + 1
        try:
            connection = mail.SmtpConnection(self.chooser.smtp_for(self.batch[0].department_id))
            connection.__enter__()
        finally:
            connecting[self.destination] -= 1
            if not connecting[self.destination]:
                del connecting[self.destination]
        try:
            yield connection
        finally:
            connection.__exit__(None, None, None)

    def _wait_for_the_lease(self) -> None:
        """Nothing is written under a lease PostgreSQL dropped: the keeper (lease.py) takes it again meanwhile."""
        while not self.lease.held:
            eventlet.sleep(LEASE_POLL)

    def _claim(self, session: Session) -> list:
        """Mark a few due deliveries ``sending`` (one when probing a failing destination), if the lease is held."""
        now = utcnow()
        if not self.lease.held:
            return []
        place = session.get(Destination, self.destination, with_for_update=True, populate_existing=True)
        if place is None or (place.next_attempt_at is not None and place.next_attempt_at > now):
            return []
        self.was_failing = place.failing_since is not None
        due = select(Delivery.id).where(Delivery.destination == self.destination, Delivery.status == "pending",
                                        Delivery.next_attempt_at <= now, self.lease.held_clause())
        if self.only is not None:
            due = due.where(Delivery.id == any_(DELIVERY_IDS))
        due = due.order_by(Delivery.next_attempt_at, Delivery.id).limit(
            1 if self.was_failing else self.lease.pacing.record_every).with_for_update(skip_locked=True)
        claimed = session.execute(
            update(Delivery).where(Delivery.id.in_(due))
            .values(status="sending", attempt_id=func.gen_random_uuid(), sending_owner=self.lease.owner,
                    sending_at=now).returning(*CLAIMED_COLUMNS).execution_options(synchronize_session=False),
            {"ids": self.only or []}).all()
        if claimed and self.was_failing:  # the probe's own backoff, so that no other round probes beside it
            place.next_attempt_at = now + self._backoff(place.failures)
        contents = _contents(session, [row.id for row in claimed], self.built)
        return [SimpleNamespace(**row._mapping, raw=contents[row.id][0], details=contents[row.id][1])
                for row in sorted(claimed, key=lambda row: (row.next_attempt_at, row.id))]

    def _hold(self, batch: list) -> None:
        """The batch claimed (and committed): the round sends it next, and notes its outcomes in a new
        :class:`Settled` (the last one stays when nothing more was claimed: the verdict reads its errors)."""
        self.batch = batch
        if batch or self.settled is None:
            self.settled = Settled(first_backoff=timedelta(seconds=self.chooser.first_retry_seconds))

    def _send_batch(self, connection: mail.SmtpConnection) -> None:
        for delivery in self.batch:
            try:
                connection.send(delivery.raw, delivery.from_email, delivery.to_email)
            except mail.Unreachable:
                raise
            except (mail.TemporaryFailure, mail.PermanentFailure) as failure:
                self._count(settle(self.settled, delivery, failure))
            else:
                self._count(settle(self.settled, delivery, None))

    def _count(self, outcome: str) -> None:
        self.counts[{"sent": "sent", "failed": "refused"}.get(outcome, "deferred")] += 1

    def _failing_now(self) -> bool:
        return bool(destination_failed(RoundResult(**self.counts), was_failing=self.was_failing))

    def _record(self, session: Session) -> None:
        self.settled.write(session)
        self.outcomes.update(self.settled.outcomes)
        self.batch = []

    def _charge_the_first_untried(self, failure: Exception) -> None:
        # No conversation (down, refused, settings unknown) or it broke off: the mail that found
        # out takes the attempt and its backoff; the others go back to the queue, uncharged.
        untried = [delivery for delivery in self.batch if delivery.id not in self.settled.outcomes]
        if untried:
            settle(self.settled, untried[0], failure)
        for delivery in untried[1:]:
            release(self.settled, delivery)

    def _give_back_untried(self) -> None:
        """After an unexpected error: what was not handed over goes back; what was stays ``sending``."""
        if not self.batch:
            return
        untried = [delivery for delivery in self.batch if delivery.id not in self.settled.outcomes]
        try:
            with self.uow.transaction() as session:
                for delivery in untried:
                    release(self.settled, delivery)
                self._record(session)
        except Exception:  # the database is what failed: the lease puts them back when this process ends
            log.exception("could not put deliveries of %s back in the queue", self.destination)

    def _judge(self, session: Session, failure: Exception | None) -> None:
        """Write what the round says about the destination: failing (backoff), working, or nothing."""
        result = RoundResult(**self.counts, connection_failed=failure is not None)
        verdict = destination_failed(result, was_failing=self.was_failing)
        if verdict is None:
            return
        place = session.get(Destination, self.destination, with_for_update=True, populate_existing=True)
        now = utcnow()
        if verdict:
            place.failures += 1
            place.failing_since = place.failing_since or now
            place.last_error = str(failure) if failure else self._last_error()
            place.next_attempt_at = now + self._backoff(place.failures)
            DESTINATION_FAILURES.labels(channel_of(self.destination)).inc()
            log.warning("%s is failing (%s in a row): %s; next attempt at %s", self.destination, place.failures,
                        place.last_error, place.next_attempt_at.isoformat())
            return
        if place.failing_since is not None:
            log.info("%s works again after failing since %s", self.destination, place.failing_since.isoformat())
        place.failures, place.failing_since, place.next_attempt_at = 0, None, None
        if self.counts["sent"]:
            place.last_sent_at = now

    def _last_error(self) -> str | None:
        return next((state["last_error"] for state in reversed(self.settled.states) if state["last_error"]), None)

    def _backoff(self, failures: int) -> timedelta:
        return backoff(timedelta(seconds=self.chooser.first_retry_seconds), failures,
                       self.lease.pacing.destination_max_backoff)


def send_now(uow: UnitOfWork, delivery_ids: list[int], *, lease: Lease, chooser: SmtpChooser,
             built: dict | None = None) -> dict[int, str]:
    """Send deliveries just queued, destination by destination; those whose destination is failing wait."""
    with uow.transaction() as session:
        rows = session.execute(select(Delivery.destination, Delivery.id).where(
            Delivery.id == any_(DELIVERY_IDS), Delivery.status == "pending"), {"ids": list(delivery_ids)}).all()
    by_destination: dict[str, list[int]] = {}
    for destination, delivery_id in rows:
        by_destination.setdefault(destination, []).append(delivery_id)
    outcomes: dict[int, str] = {}
    for destination, ids in sorted(by_destination.items()):
        outcomes.update(DestinationRound(uow, destination, lease, chooser, only=ids, built=built or {}).run())
    return outcomes


def _contents(session: Session, delivery_ids: list[int], built: dict) -> dict:
    """``{id: (raw, details)}``: from the mails in hand, the others from the table (retries, redeliveries)."""
    contents = {i: (built[i].raw, built[i].details) for i in delivery_ids if built.get(i) is not None}
    missing = [i for i in delivery_ids if i not in contents]
    if missing:
        contents.update((row.id, (row.raw, row.details)) for row in session.execute(
            select(Delivery.id, Delivery.raw, Delivery.details).where(Delivery.id == any_(DELIVERY_IDS)),
            {"ids": missing}))
    return contents


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
