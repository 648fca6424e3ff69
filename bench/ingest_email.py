"""Benchmark: realistic mails delivered to a running Destek, timed until every one is visible in the API.

    make run    # in another terminal; then:
    .venv/bin/python bench/ingest_email.py --api http://127.0.0.1:8000 --mails 2000              # POST /ingest/email
    .venv/bin/python bench/ingest_email.py --api http://127.0.0.1:8000 --mails 2000 --via imap   # a private Dovecot
    .venv/bin/python bench/ingest_email.py --mails 200 [--via imap]       # starts a sandbox system of its own

``--via http`` (default) posts each mail to ingest; the clock starts at the
first post. ``--via imap`` puts the same corpus into IMAP mailboxes that the
departments are set to read (a private Dovecot with one mailbox per
department, or ``--imap-host/--imap-port/--imap-user/--imap-password``: one
existing mailbox, read for the default department): APPENDed first into a
staging folder nobody reads, then moved into the read folder in one
``UID MOVE``; the clock starts with the move. Either way it stops when the API shows every
mail of the run (see ``bench/visibility.py``). Threaded share: replies that
landed in the ticket of the mail they answer, of all replies (some replies
arrive before the mail they answer); the share in the ticket of their
conversation's first mail is printed too.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import cpu_split, imap_delivery  # noqa: E402
from bench.mail_corpus import DEPARTMENTS, BenchMail, build_corpus, delivery_order, new_run_id  # noqa: E402
from bench.visibility import Api, Seen, VisibilityWatch, threading_share  # noqa: E402

VISIBLE_TIMEOUT = 600


def post_all(ingest: str, mails: list[BenchMail], concurrency: int, committed: set[str]) -> dict[str, dict]:
    """Post every mail to ``/ingest/email``; returns Message-ID → ingest's answer.

    Each answered mail joins ``committed`` at once (a 202 comes only after tickets committed it). The
    client is plain ``http.client`` on kept-alive connections: it shares the machine with the system
    it measures, so it should cost as little as a mail server's delivery would.
    """
    local = threading.local()
    target = urlsplit(ingest)

    def post(mail: BenchMail) -> tuple[str, dict]:
        for attempt in range(5):
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                connection.request("POST", "/ingest/email", body=mail.raw,
                                   headers={"Content-Type": "message/rfc822"})
                answer = connection.getresponse()
                status, body = answer.status, answer.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                local.connection, status, body = None, None, b""
            if status == 202:
                committed.add(mail.message_id)
                return mail.message_id, json.loads(body)
            time.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"ingest answered {status}: {body[:200]!r}")
    with ThreadPoolExecutor(concurrency) as pool:
        return dict(pool.map(post, mails))


class Clock:
    """Starts once (the first mail handed over) and starts the watch with it."""

    def __init__(self, watch: VisibilityWatch):
        self.watch, self.started, self.cpu_started, self.system_cpu = watch, None, None, {}

    def start(self) -> None:
        self.system_cpu = cpu_split.snapshot()
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        self.watch.start()


def run_http(api: Api, ingest: str, count: int, concurrency: int, run_id: str) -> None:
    mails = build_corpus(count, run_id=run_id)
    describe(mails, f"via HTTP POST {ingest}/ingest/email, {concurrency} at a time")
    committed: set[str] = set()
    clock = Clock(VisibilityWatch(api, mails, run_id, since=datetime.now(timezone.utc), committed=lambda: committed))
    clock.start()
    answers = post_all(ingest, delivery_order(mails), concurrency, committed)
    handed_over = time.perf_counter() - clock.started
    statuses = Counter(a["status"] for a in answers.values())
    print(f"all posted and answered 202 after {handed_over:.2f} s: {dict(statuses)}")
    seen = report(mails, clock, "http")
    differ = [mid for mid, a in answers.items() if a.get("ticket_number") != seen.ticket_of[mid]]
    if differ:
        print(f"note: for {len(differ)} mails ingest's answer names another ticket than the API shows, "
              f"e.g. {differ[0]}: {answers[differ[0]]} vs {seen.ticket_of[differ[0]]}")


def run_imap(api: Api, count: int, run_id: str, mailboxes_of) -> None:
    with mailboxes_of(api, run_id) as found, imap_delivery.configured(api, found) as mailboxes:
        for box in mailboxes.values():
            print(f"{box.department_email} reads {box.user} on {box.host}:{box.port}, folder {box.folder}")
        print("waiting until ingest reads them (it looks for new mailboxes every IMAP_REFRESH_SECONDS, 60 s by "
              "default) ...", flush=True)
        waited = imap_delivery.wait_until_read(api, mailboxes, run_id)
        print(f"ingest imported the probe mails after {waited:.1f} s")
        mails = build_corpus(count, run_id=run_id, departments=tuple(mailboxes))
        describe(mails, f"via IMAP: staged, then moved into {len(mailboxes)} read mailbox(es)")
        delivery = imap_delivery.Delivery(mailboxes)
        clock = Clock(VisibilityWatch(api, mails, run_id, since=datetime.now(timezone.utc),
                                      committed=delivery.committed))
        try:
            delivery.deliver(delivery_order(mails), on_first=clock.start)
            handed_over = time.perf_counter() - clock.started
            print(f"all moved into the read folders after {handed_over:.2f} s")
            report(mails, clock, "imap")
        finally:
            delivery.close()


def describe(mails: list[BenchMail], how: str) -> None:
    size = sum(len(m.raw) for m in mails)
    conversations = len({m.conversation for m in mails})
    print(f"{len(mails)} mails ({size / 1e6:.1f} MB), {conversations} conversations, {how}", flush=True)


def report(mails: list[BenchMail], clock: Clock, via: str) -> Seen:
    seen = clock.watch.wait(VISIBLE_TIMEOUT)
    elapsed = seen.complete_at - clock.started
    share, share_first, replies = threading_share(mails, seen.ticket_of)
    tickets = len(set(seen.ticket_of.values()))
    print(f"all {len(mails)} mails visible in the API after {elapsed:.2f} s, in {tickets} tickets "
          f"({seen.scans} list scans, {seen.threads_opened} threads opened); {share_first:.1%} of the replies "
          f"are in the ticket of their conversation's first mail")
    client_cpu = time.process_time() - clock.cpu_started
    print(f"RESULT  via={via}  N={len(mails)}  elapsed={elapsed:.2f} s  throughput={len(mails) / elapsed:.0f} mails/s  "
          f"threaded={share:.1%} of {replies} replies")
    print(f"this client (delivering and watching the API) used {client_cpu:.1f} s of CPU meanwhile")
    print(cpu_split.describe(cpu_split.cpu_seconds_since(clock.system_cpu), elapsed))
    print(load())
    return seen


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


@contextmanager
def sandbox():
    """A whole Destek of its own (database, vhost, ports); IMAP mailboxes are looked for every second."""
    from deploy.run_all import System
    from deploy.sandbox import drop_sandbox, free_port, sandbox_env
    outbox = tempfile.mkdtemp(prefix="destek-bench-mail-")
    env = {**sandbox_env("destek_bench"), "SLA_CALENDAR": "24x7", "IMAP_REFRESH_SECONDS": "1",
           "MAIL_OUTBOX_DIR": outbox, "MAIL_CATCHER_PORT": str(free_port())}
    system = System(env, quiet=True)
    try:
        system.prepare()
        system.start()
        yield f"http://127.0.0.1:{system.port('gateway')}", f"http://127.0.0.1:{system.port('ingest')}"
    finally:
        system.stop()
        drop_sandbox("destek_bench")
        shutil.rmtree(outbox, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--via", choices=("http", "imap"), default="http")
    parser.add_argument("--concurrency", type=int, default=32, help="HTTP posts at a time")
    parser.add_argument("--api", help="gateway base URL of a running system, e.g. http://127.0.0.1:8000 "
                                      "(default: start a sandbox system)")
    parser.add_argument("--ingest", help="ingest base URL (default: the --api host, port 8001)")
    parser.add_argument("--user", default="owner@example.com", help="an owner's login")
    parser.add_argument("--password", default="destek-demo")
    parser.add_argument("--imap-host", help="use this IMAP server instead of starting a private Dovecot")
    parser.add_argument("--imap-port", type=int, default=143)
    parser.add_argument("--imap-security", choices=("none", "starttls", "tls"), default="none")
    parser.add_argument("--imap-user")
    parser.add_argument("--imap-password")
    args = parser.parse_args()
    if args.imap_host and not (args.imap_user and args.imap_password):
        parser.error("--imap-host needs --imap-user and --imap-password")
    if args.api:
        ingest = args.ingest or urlsplit(args.api)._replace(netloc=f"{urlsplit(args.api).hostname}:8001").geturl()
        benchmark(args, args.api.rstrip("/"), ingest.rstrip("/"))
    else:
        with sandbox() as (api, ingest):
            benchmark(args, api, ingest)


def benchmark(args, api_url: str, ingest: str) -> None:
    api = Api(api_url, args.user, args.password)
    run_id = new_run_id()
    print(f"run {run_id} against {api_url}; {load()}")
    if args.via == "http":
        run_http(api, ingest, args.mails, args.concurrency, run_id)
        return
    if args.imap_host:
        mailboxes_of = partial(imap_delivery.existing_mailbox, host=args.imap_host, port=args.imap_port,
                               security=args.imap_security, user=args.imap_user, password=args.imap_password)
    else:
        mailboxes_of = partial(imap_delivery.private_dovecot, emails=DEPARTMENTS)
    run_imap(api, args.mails, run_id, mailboxes_of)


if __name__ == "__main__":
    main()
