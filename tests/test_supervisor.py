"""``make run``'s supervisor: a process that dies is started again, the rest keep running.

Test policy: the backoff is a pure function, tested as such; a crash loop is a
real child process that exits at once; the end-to-end test runs ``python -m
deploy.run_all`` itself (what ``make run`` runs) in a sandbox of its own
(database, vhost, ports; the shared PostgreSQL and RabbitMQ are never
restarted), kills a service with SIGKILL, sees it started again and mail
flowing, then presses Ctrl-C and times the stop.
"""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from deploy.run_all import ROOT, STOP_SECONDS, System, restart_delay
from deploy.sandbox import drop_sandbox, free_port, sandbox_env
from tests.support.smtp_server import RecordingSmtpServer

SANDBOX = f"destek_supervisor_{os.getpid()}"


def test_a_restart_waits_a_second_then_twice_as_long_each_time_up_to_half_a_minute():
    assert [restart_delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_crash_looping_process_is_tried_again_less_and_less_often_and_the_others_keep_running(capsys):
    system = System(quiet=True, restart_delays=(0.1, 0.4))
    system._spawn("looper", [sys.executable, "-c", "import sys; sys.exit(3)"])
    system._spawn("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    steady = system.pid("steady")
    system.supervise_in_background(interval=0.05)
    try:
        time.sleep(4)
        assert system.pid("steady") == steady and system.children["steady"].process.poll() is None
    finally:
        system.stop(timeout=2)
    out = capsys.readouterr().out
    delays = [float(d) for d in re.findall(r"looper \(pid \d+\) exited with status 3 .*next try in ([\d.]+) s", out)]
    assert delays[:3] == [0.1, 0.2, 0.4] and set(delays[3:]) == {0.4}, out
    assert "started again" in out and "steady" not in out


class RunAll:
    """``python -m deploy.run_all`` as a child, its output collected line by line."""

    def __init__(self, env: dict[str, str]):
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "deploy.run_all"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """The first line from now on matching ``pattern``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s; the last lines:\n"
                             + "\n".join(self.seen[-40:]))


@pytest.fixture(scope="module")
def run_all():
    with RecordingSmtpServer() as smtp:
        env = {**os.environ, **sandbox_env(SANDBOX), "SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port),
               "SMTP_SECURITY": "none", "SLA_CALENDAR": "24x7", "GATEWAY_WORKERS": "1",
               "MAIL_CATCHER_PORT": str(free_port())}
        env.pop("DESTEK_TEST_DATABASE", None)
        started = RunAll(env)
        try:
            started.wait_for(r"Destek is up", timeout=240)
            started.wait_for(r"processes: ", timeout=5)
            started.smtp = smtp
            yield started
        finally:
            if started.process.poll() is None:
                os.killpg(started.process.pid, signal.SIGKILL)
            drop_sandbox(SANDBOX)


def post_mail(port: int, message_id: str, timeout: float = 60) -> requests.Response:
    """Post a mail as a mail server does: again while ingest answers 503 or cannot be reached."""
    raw = (f"From: Deniz <deniz.{message_id}@musteri.example>\r\nTo: destek@example.com\r\n"
           f"Subject: Sipariş {message_id}\r\nMessage-ID: <{message_id}@musteri.example>\r\n\r\nMerhaba\r\n")
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = requests.post(f"http://127.0.0.1:{port}/ingest/email", data=raw.encode(), timeout=35,
                                   headers={"Content-Type": "message/rfc822"})
            if answer.status_code != 503 or time.monotonic() > deadline:
                return answer
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(1)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_killed_service_is_started_again_mail_flows_and_ctrl_c_stops_everything_in_bounded_time(run_all):
    pids = {name: int(pid) for name, pid in re.findall(r"(\w+) \(pid (\d+)\)", "\n".join(run_all.seen))}
    assert {"tickets", "ingest", "notify", "sla", "reports", "gateway"} <= set(pids)
    ingest_port = int(re.search(r"mail intake http://127.0.0.1:(\d+)/", "\n".join(run_all.seen)).group(1))

    os.kill(pids["tickets"], signal.SIGKILL)
    run_all.wait_for(rf"tickets \(pid {pids['tickets']}\) exited with status -9 .*next try in 1 s", timeout=10)
    restarted = int(run_all.wait_for(r"tickets started again \(pid (\d+)", timeout=10).group(1))
    run_all.wait_for(r"tickets is healthy again", timeout=60)
    for name, pid in pids.items():  # nobody else was stopped or restarted
        if name != "tickets":
            os.kill(pid, 0)

    answer = post_mail(ingest_port, f"after-crash-{restarted}")
    assert answer.status_code == 202, answer.text
    [ack] = run_all.smtp.wait_for(1, timeout=60)
    assert answer.json()["ticket_number"] in ack.subject

    started = time.monotonic()
    run_all.process.send_signal(signal.SIGINT)
    run_all.process.wait(timeout=STOP_SECONDS + 10)
    assert time.monotonic() - started < STOP_SECONDS + 5
    for name, pid in {**pids, "tickets": restarted}.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


LIVE_FOR_TWO_SECONDS = """
import http.server, sys, time
started = time.monotonic()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if time.monotonic() - started < 2 else 503)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_a_process_that_stays_up_but_fails_its_liveness_check_is_killed_and_started_again(capsys):
    port = free_port()
    system = System({"SLA_PORT": str(port)}, quiet=True, liveness=(0.2, 1.0))
    system._spawn("sla", [sys.executable, "-c", LIVE_FOR_TWO_SECONDS, str(port)])
    first = system.pid("sla")
    system.supervise_in_background(interval=0.1)
    try:
        deadline = time.monotonic() + 20
        while system.pid("sla") == first and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        system.stop(timeout=2)
    out = capsys.readouterr().out
    assert f"sla (pid {first}) has failed its liveness check (/health/live)" in out, out
    assert "sla started again" in out, out


def test_a_process_without_a_liveness_check_is_left_alone(capsys):
    port = free_port()
    system = System({"SLA_PORT": str(port)}, quiet=True, liveness=(0.2, 0.5))
    system._spawn("sla", [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)])  # 404 for it
    first = system.pid("sla")
    system.supervise_in_background(interval=0.1)
    try:
        time.sleep(3)
        assert system.pid("sla") == first and system.children["sla"].process.poll() is None
    finally:
        system.stop(timeout=2)
