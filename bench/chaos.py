"""Chaos benchmark: mail and agent replies flow while one fault at a time strikes; was anything lost or doubled?

    .venv/bin/python bench/chaos.py                       # 10,000 mails over all faults
    .venv/bin/python bench/chaos.py --mails 300 --faults kill-tickets,rabbitmq

It starts a Destek of its own, supervised as ``make run`` supervises it, on a
private PostgreSQL cluster and a private RabbitMQ node (``tests/support/private_backends.py``:
restarting the machine's shared ones would hit everyone else) and a recording
SMTP server on loopback as the mail server. Then, per fault, a phase:

- a mail server delivers tagged mail (``bench/mail_corpus.py``: a third answer
  earlier mails, posted once the mail they answer was taken) to ``POST
  /ingest/email``, 24 at a time; each refusal (503, 5xx, a dropped connection,
  no answer) is tried again ten times a second apart, then the mail goes back to
  the queue for a later run, as a real mail server keeps it;
- an agent answers every third new ticket through the gateway API (a failed
  post is tried again, after checking the thread for it, so that it is posted once);
- once a third of the phase's mail is taken, the fault: ``kill-<process>``
  SIGKILLs one process and the supervisor starts it again; ``rabbitmq`` is
  ``stop_app``, a pause, ``start_app``; ``postgres`` is ``pg_ctl stop -m fast``,
  a pause, ``start``; ``smtp`` stops the mail server for the same pause.
  Nothing is restarted by hand unless the phase fails to recover or drain by
  itself (then the whole system is, and the phase says so).

Per fault it prints the mails posted and taken (202), stored, duplicated,
missing and misthreaded (from the API: the run's tickets and their threads),
whether each downstream effect happened exactly once (from the services'
schemas, read-only: two SLA clocks and a report row per ticket, the first
response recorded where an agent answered; from the SMTP server: one
acknowledgement per new ticket and each agent reply once), the seconds from
the fault's end (the kill; ``start_app``; PostgreSQL taking connections again)
until the system took mail and answered the API again by itself, and until
every effect of the phase was there.
It exits non-zero if a fault misses a target: 0 missing, 0 duplicates, 0
misthreaded, every effect complete, every mail taken, recovered by itself within
``--recovery-target`` seconds. A mail sent twice is allowed only where a fault
can cut a delivery in flight (notify killed, PostgreSQL restarted, the mail server stopped), and counted.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import shutil
import signal
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chaos_traffic import ABORT, Agent, Delivery, MailServer  # noqa: E402
from bench.mail_corpus import SUBJECT_TAG, BenchMail, build_corpus, new_run_id  # noqa: E402
from bench.visibility import Api  # noqa: E402
from deploy.run_all import SERVICE_ORDER, System  # noqa: E402
from deploy.sandbox import free_port  # noqa: E402
from tests.support.private_backends import PrivatePostgres, PrivateRabbit  # noqa: E402
from tests.support.smtp_server import RecordingSmtpServer  # noqa: E402

PROCESSES = (*SERVICE_ORDER, "gateway")
FAULTS = (*(f"kill-{name}" for name in ("tickets", "ingest", "notify", "sla", "reports", "gateway")),
          "rabbitmq", "postgres", "smtp")
# Where a fault can cut a mail in flight: handed over, but not yet known or recorded as sent.
MAY_SEND_TWICE = {"kill-notify", "postgres", "smtp"}
REPLY_EVERY = 3  # an agent answers every third new ticket


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} chaos    {message}", flush=True)


# -- one fault -----------------------------------------------------------------------------------------

@dataclass
class Phase:
    fault: str
    run_id: str
    mails: list[BenchMail]
    started_at: datetime
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    fault_at: float | None = None  # monotonic, when the fault ended (the kill, start_app, pg start)
    recovered_after: float | None = None  # seconds from fault_at until mail was taken and the API answered
    posted_until: float | None = None  # every mail handed over (or given up) and every agent reply posted
    drained_after: float | None = None  # seconds from fault_at until every effect of the phase was there
    manual_restart: bool = False
    api_failed: bool = False  # the audit read the tickets schema instead
    figures: dict = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


class Chaos:
    """One system under test, its backends and mail server; :meth:`run` measures one fault."""

    def __init__(self, args, system: System, pg: PrivatePostgres, rabbit: PrivateRabbit, smtp: RecordingSmtpServer,
                 database_url: str):
        self.args, self.system, self.pg, self.rabbit, self.smtp = args, system, pg, rabbit, smtp
        self.gateway = f"http://127.0.0.1:{system.port('gateway')}"
        self.ingest = f"http://127.0.0.1:{system.port('ingest')}"
        self.db = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"), pool_pre_ping=True,
                                connect_args={"options": "-c default_transaction_read_only=on"})
        self.agent = Agent(self.gateway)

    # -- running a phase

    def run(self, fault: str, count: int) -> Phase:
        phase = Phase(fault, new_run_id(), [], datetime.now(timezone.utc))
        phase.mails = build_corpus(count, run_id=phase.run_id, seed=zlib.crc32(fault.encode()))
        log(f"{fault}: {count} mails (run {phase.run_id})")
        self.agent.failed.clear()
        give_up_at = time.monotonic() + self.args.give_up
        self.agent.give_up_at = give_up_at
        taken = [0]
        trigger = threading.Event()
        lock = threading.Lock()

        def on_taken(delivery: Delivery) -> None:
            with lock:
                taken[0] += 1
                if taken[0] >= max(1, count // 3):
                    trigger.set()
            if delivery.status == "created" and delivery.mail.conversation % REPLY_EVERY == 0:
                self.agent.answer_later(delivery.ticket, f"yanıt {phase.run_id}-{delivery.mail.conversation}")

        injector = threading.Thread(target=self._strike, args=(phase, trigger), daemon=True)
        injector.start()
        server = MailServer(self.ingest, on_taken=on_taken)
        phase.deliveries = server.deliver(phase.mails, give_up_at=give_up_at)
        trigger.set()
        injector.join()
        self.agent.wait()
        phase.posted_until = time.monotonic()
        self._drain(phase)
        phase.figures = self.audit(phase)
        if phase.drained_after is None or (phase.recovered_after is None and fault != "none") or phase.api_failed:
            self._restart_by_hand(phase)
        return phase

    def _strike(self, phase: Phase, trigger: threading.Event) -> None:
        """Once ``trigger`` is set: the phase's fault, then wait for the system to take mail again."""
        trigger.wait()
        try:
            self._inject(phase.fault)
        except Exception as error:  # noqa: BLE001 - the phase goes on; it is judged on what happened
            log(f"{phase.fault}: injecting the fault failed: {error!r:.300}")
        phase.fault_at = time.monotonic()
        phase.recovered_after = self._wait_recovered(phase)
        if phase.recovered_after is None:
            log(f"{phase.fault}: not taking mail {self.args.recovery_wait:g} s after the fault")
        else:
            log(f"{phase.fault}: taking mail again {phase.recovered_after:.1f} s after the fault")

    def _inject(self, fault: str) -> None:
        if fault.startswith("kill-"):
            name = fault.removeprefix("kill-")
            pid = self.system.crash(name)
            log(f"{fault}: SIGKILLed {name} (pid {pid})")
        elif fault == "rabbitmq":
            log(f"{fault}: stop_app, {self.args.pause:g} s pause, start_app")
            self.rabbit.restart(down_for=self.args.pause)
        elif fault == "postgres":
            log(f"{fault}: pg_ctl stop -m fast, {self.args.pause:g} s pause, start")
            self.pg.restart(down_for=self.args.pause)
        elif fault == "smtp":
            log(f"{fault}: the mail server stops, {self.args.pause:g} s pause, it starts again")
            self.smtp.stop()
            time.sleep(self.args.pause)
            self.smtp.start()  # the same port and directory: what it received before is kept
        elif fault != "none":
            raise ValueError(f"unknown fault {fault!r}")

    def _wait_recovered(self, phase: Phase) -> float | None:
        """Seconds from the fault until every process is healthy, a new mail is taken and the API lists
        tickets, or None."""
        server = MailServer(self.ingest, on_taken=lambda delivery: None)
        deadline = phase.fault_at + self.args.recovery_wait
        probe, mail_taken = 0, False
        while time.monotonic() < deadline and not ABORT.is_set():
            if all(self.system.healthy(name, timeout=2) for name in PROCESSES):
                if not mail_taken:
                    probe += 1
                    mail = build_corpus(1, run_id=f"probe{phase.run_id}{probe}")[0]
                    mail_taken = server._post(mail.raw)[0] == 202
                if mail_taken and self._api_answers():
                    return time.monotonic() - phase.fault_at
            time.sleep(1)
        return None

    def _api_answers(self) -> bool:
        try:
            return self.agent._call("GET", "/tickets", params={"limit": 1}).status_code == 200
        except requests.RequestException:
            return False

    def _drain(self, phase: Phase) -> None:
        """Wait until every effect of the phase is there (or the drain timeout); notes the time it took."""
        deadline = phase.posted_until + self.args.drain_timeout
        while time.monotonic() < deadline and not ABORT.is_set():
            try:
                if self._complete(phase):
                    phase.drained_after = time.monotonic() - (phase.fault_at or phase.posted_until)
                    log(f"{phase.fault}: drained {phase.drained_after:.1f} s after the fault "
                        f"({time.monotonic() - phase.posted_until:.1f} s after the last mail was handed over)")
                    return
            except Exception as error:  # noqa: BLE001 - the database may be restarting; look again
                log(f"{phase.fault}: drain check failed: {error!r}"[:300])
            time.sleep(2)
        log(f"{phase.fault}: not drained {self.args.drain_timeout:g} s after the last mail was taken")

    def _complete(self, phase: Phase) -> bool:
        taken = {mid for mid, d in phase.deliveries.items() if d.status}
        stored = self._stored(phase.run_id)
        if not taken <= set(stored):
            return False
        tickets = {t for numbers in stored.values() for t in numbers}
        effects = self._effects(tickets, phase)
        return all(value == 0 for key, value in effects.items() if key.endswith("missing"))

    # -- reading what happened

    def _stored(self, run_id: str) -> dict[str, list[str]]:
        """Message-ID -> the tickets holding it as an inbound message (read-only SQL, cheap enough to poll)."""
        with self.db.connect() as conn:
            rows = conn.execute(text(
                "SELECT m.rfc_message_id, t.number FROM tickets.messages m JOIN tickets.tickets t ON t.id = m.ticket_id"
                " WHERE m.direction = 'inbound' AND m.rfc_message_id LIKE :pattern"),
                {"pattern": f"%@{run_id}.bench.example.org"}).all()
        stored = defaultdict(list)
        for message_id, number in rows:
            stored[message_id].append(number)
        return stored

    def _stored_by_api(self, phase: Phase) -> dict[str, list[str]]:
        """The same as the API shows it: every ticket of the run (by its subject's tag) and its thread."""
        api = Api(self.gateway, "owner@example.com", "destek-demo")
        mine = [t["number"] for t in api.tickets_updated_since(phase.started_at - timedelta(seconds=10))
                if (tag := SUBJECT_TAG.search(t["subject"] or "")) and tag.group(1) == phase.run_id]
        expected = set(phase.deliveries)
        stored = defaultdict(list)
        with ThreadPoolExecutor(4) as pool:
            for number, detail in zip(mine, pool.map(lambda n: api.call("GET", f"/tickets/{n}"), mine)):
                for message in detail["messages"]:
                    if message["direction"] == "inbound" and message["message_id"] in expected:
                        stored[message["message_id"]].append(number)
        return stored

    def _effects(self, tickets: set[str], phase: Phase) -> dict[str, int]:
        numbers = sorted(tickets)
        replied = {t for t in self.agent.replies if t in tickets}
        with self.db.connect() as conn:
            clocks = conn.execute(text("SELECT ticket_number, kind, stopped_at IS NOT NULL FROM sla.clocks"
                                       " WHERE ticket_number = ANY(:n)"), {"n": numbers}).all()
            facts = conn.execute(text("SELECT ticket_number, first_response_at IS NOT NULL FROM reports.ticket_facts"
                                      " WHERE ticket_number = ANY(:n)"), {"n": numbers}).all()
        kinds = Counter((number, kind) for number, kind, _ in clocks)
        responded = {number for number, kind, stopped in clocks if kind == "first_response" and stopped}
        fact_of = {number: has_response for number, has_response in facts}
        acks, replies = self._sent(tickets)
        reply_ids = {self.agent.replies[t] for t in replied}
        return {
            "sla clocks missing": sum(1 for t in numbers for k in ("first_response", "resolution") if not kinds[t, k]),
            "sla first responses missing": len(replied - responded),
            "report rows missing": sum(1 for t in numbers if t not in fact_of),
            "report first responses missing": sum(1 for t in replied if not fact_of.get(t)),
            # every ticket of the run was opened by a customer's mail to a department that acknowledges
            "acknowledgements missing": sum(1 for t in numbers if not acks[t]),
            "acknowledgements sent twice": sum(acks[t] - 1 for t in numbers if acks[t] > 1),
            "replies missing": sum(1 for mid in reply_ids if not replies[mid]),
            "replies sent twice": sum(replies[mid] - 1 for mid in reply_ids if replies[mid] > 1),
        }

    def _sent(self, tickets: set[str]) -> tuple[Counter, Counter]:
        """Acknowledgements per ticket and deliveries per reply Message-ID, as the SMTP server got them."""
        acks, replies = Counter(), Counter()
        for received in self.smtp.messages:
            headers = email.message_from_bytes(received.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n",
                                               policy=email.policy.default)
            ticket = headers.get("X-Destek-Ticket")
            if ticket not in tickets:
                continue
            if headers.get("Auto-Submitted") and "Talebiniz al" in (headers.get("Subject") or ""):
                acks[ticket] += 1
            else:
                replies[(headers.get("Message-ID") or "").strip("<> ")] += 1
        return acks, replies

    def audit(self, phase: Phase) -> dict:
        deliveries = phase.deliveries.values()
        taken = {d.mail.message_id for d in deliveries if d.status}
        try:
            stored = self._stored_by_api(phase)
        except Exception as error:  # noqa: BLE001 - a broken API is a finding, not the end of the run
            log(f"{phase.fault}: the API did not answer ({error!r:.200}); counting from the tickets schema")
            phase.api_failed = True
            stored = self._stored(phase.run_id)
        ticket_of = {mid: numbers[0] for mid, numbers in stored.items()}
        replies_to = [d.mail for d in deliveries if d.mail.parent_id and d.mail.message_id in ticket_of
                      and d.mail.parent_id in ticket_of]
        tickets = set(ticket_of.values())
        figures = {
            "mails posted": len(phase.mails),
            "taken (202)": len(taken),
            "taken after its ten retries": sum(1 for d in deliveries if d.status and d.queue_runs),
            "never taken": len(phase.mails) - len(taken),
            "stored": len(stored),
            "duplicates": sum(len(n) - 1 for n in stored.values()),
            "missing": len(taken - set(stored)),
            "misthreaded": sum(1 for m in replies_to if ticket_of[m.message_id] != ticket_of[m.parent_id]),
            "tickets": len(tickets),
            "agent replies": sum(1 for t in self.agent.replies if t in tickets),
            "agent replies not posted": len(self.agent.failed),
            "agent replies posted twice": sum(n - 1 for t, n in self.agent.posts.items() if t in tickets and n > 1),
        }
        figures.update(self._effects(tickets, phase))
        return figures

    def _restart_by_hand(self, phase: Phase) -> None:
        """What an operator would do; the next fault then starts on a working system."""
        log(f"{phase.fault}: restarting every process by hand so that the next fault starts clean")
        phase.manual_restart = True
        self.system.stop()
        self.system.start()
        self.system.supervise_in_background()

    # -- targets

    def judge(self, phase: Phase) -> None:
        f, misses = phase.figures, phase.misses
        for key in ("missing", "duplicates", "misthreaded", "never taken", "agent replies not posted",
                    "agent replies posted twice"):
            if f[key]:
                misses.append(f"{f[key]} {key}")
        for key, value in f.items():
            if key.endswith("missing") and key != "missing" and value:
                misses.append(f"{value} {key}")
            if key.endswith("sent twice") and value and phase.fault not in MAY_SEND_TWICE:
                misses.append(f"{value} {key}")
        if phase.fault != "none" and (phase.recovered_after is None
                                      or phase.recovered_after > self.args.recovery_target):
            misses.append(f"not taking mail within {self.args.recovery_target:g} s of the fault")
        if phase.drained_after is None:
            misses.append(f"not drained within {self.args.drain_timeout:g} s")
        if phase.manual_restart:
            misses.append("needed a manual restart")
        if phase.api_failed:
            misses.append("the API did not answer after the phase")


def print_report(phases: list[Phase]) -> None:
    keys = list(phases[0].figures)
    rows = [(key, [str(p.figures.get(key, "")) for p in phases]) for key in keys]
    rows.append(("taking mail again, s after the fault", [_seconds(p.recovered_after) for p in phases]))
    rows.append(("all drained, s after the fault", [_seconds(p.drained_after) for p in phases]))
    rows.append(("recovered without manual restart", ["yes" if not p.manual_restart and p.recovered_after is not None
                                                     else "no" for p in phases]))
    rows.append(("targets", ["met" if not p.misses else "MISSED" for p in phases]))
    width = max(len(key) for key, _ in rows)
    columns = [max(len(p.fault), *(len(values[i]) for _, values in rows)) for i, p in enumerate(phases)]
    print()
    print(" " * width + "  " + "  ".join(p.fault.rjust(c) for p, c in zip(phases, columns)))
    for key, values in rows:
        print(key.ljust(width) + "  " + "  ".join(v.rjust(c) for v, c in zip(values, columns)))
    for phase in phases:
        if phase.misses:
            print(f"MISSED {phase.fault}: {'; '.join(phase.misses)}")
    print(f"RESULT chaos: {sum(not p.misses for p in phases)} of {len(phases)} faults met every target", flush=True)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def system_env(database_url: str, amqp_uri: str, smtp: RecordingSmtpServer, workdir: Path) -> dict[str, str]:
    env = {f"{name.upper()}_PORT": str(free_port()) for name in PROCESSES}
    env.update({
        "DATABASE_URL": database_url, "AMQP_URI": amqp_uri,
        "SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none",
        "SLA_CALENDAR": "24x7", "DEMO_PASSWORD": "destek-demo", "GATEWAY_WORKERS": "1",
        "GATEWAY_METRICS_DIR": str(workdir / "prometheus"), "ATTACHMENT_STORE_DIR": str(workdir / "attachments"),
        "SENDER_RATE_LIMIT": "0",  # a conversation's sender writes several times; the limit is not under test
    })
    return env


def _interrupted(signum, frame) -> None:
    ABORT.set()
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=10000, help="mails in all, shared evenly by the faults")
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help=f"comma-separated, from: {', '.join(FAULTS)}, none (default: all but none)")
    parser.add_argument("--pause", type=float, default=5, help="seconds RabbitMQ or PostgreSQL stays down")
    parser.add_argument("--recovery-target", type=float, default=60)
    parser.add_argument("--recovery-wait", type=float, default=90, help="how long to wait for it to take mail")
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--give-up", type=float, default=120, help="seconds the mail server keeps refused mail")
    parser.add_argument("--logs", help="file for the services' output (default: a temporary file, kept on failure)")
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = set(faults) - {*FAULTS, "none"}
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    per_fault = max(1, args.mails // len(faults))

    workdir = Path(tempfile.mkdtemp(prefix="destek-chaos-"))
    logs = Path(args.logs) if args.logs else workdir.parent / f"{workdir.name}.log"
    phases: list[Phase] = []
    try:
        with ExitStack() as stack:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
            pg = stack.enter_context(PrivatePostgres(port=free_port(), max_connections=400))
            rabbit = stack.enter_context(PrivateRabbit(port=free_port()))
            smtp = stack.enter_context(RecordingSmtpServer(port=free_port(), directory=workdir / "smtp"))
            database_url = pg.create_database("destek")
            log(f"private PostgreSQL on {pg.port}, RabbitMQ {rabbit.node} on {rabbit.port}, SMTP on {smtp.port}; "
                f"services' output in {logs}")
            system = System(system_env(database_url, rabbit.amqp_uri, smtp, workdir), quiet=True, output=logs)
            stack.callback(system.stop)
            system.prepare()
            system.start()
            system.supervise_in_background()
            chaos = Chaos(args, system, pg, rabbit, smtp, database_url)
            for fault in faults:
                phase = chaos.run(fault, per_fault)
                chaos.judge(phase)
                phases.append(phase)
                print(f"{fault}: " + ", ".join(f"{k} {v}" for k, v in phase.figures.items()), flush=True)
    except Exception as exc:  # stopping the system or its backends failed: the figures of a complete run stand
        if len(phases) < len(faults):
            raise
        log(f"cleaning up after the run failed: {exc!r}")
    print_report(phases)
    failed = any(p.misses for p in phases)
    if not failed and not args.logs:
        logs.unlink(missing_ok=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
