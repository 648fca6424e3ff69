"""Start the whole of Destek on one machine: migrate, seed, every service, the gateway.

``make run`` calls this. It supervises like a process manager: a process that
exits is started again after a backoff (1 s, doubling to at most 30 s while it
keeps exiting within 30 s of its start) and the others go on; one whose
``/health/live`` keeps failing for 30 s is killed and started again. Ctrl-C (or
SIGTERM) stops every process: SIGTERM, then SIGKILL for what still runs after
``STOP_SECONDS``; a second Ctrl-C kills at once.
The end-to-end tests use :class:`System` to start the same processes.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Consumers first: their queues must exist before the first events are published.
SERVICE_ORDER = ("notify", "sla", "reports", "tickets", "ingest")
DEFAULT_PORTS = {"gateway": 8000, "ingest": 8001, "tickets": 8002, "notify": 8003, "sla": 8004, "reports": 8005}


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} destek   {message}", flush=True)


class PortsInUse(RuntimeError):
    """Another process listens where this installation would."""


class Stopped(RuntimeError):
    """Asked to stop (Ctrl-C) before every process had started."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# A process that ran this long before it exited was not crash-looping: its next restart waits the least again.
STABLE_SECONDS = 30.0
FIRST_RESTART_DELAY, MAX_RESTART_DELAY = 1.0, 30.0
# How long stop() waits after SIGTERM before it SIGKILLs what is left: a service whose peers are gone can
# wait out a whole RPC timeout (30 s) while draining, and an operator's Ctrl-C must not take that long.
STOP_SECONDS = 12.0
# A running process whose liveness check has failed this long is killed and started again: it is alive
# but stuck (a bus connection it never got back). A process without the check (404) is never judged.
LIVENESS_PATH = "/health/live"
LIVENESS_SECONDS, LIVENESS_GRACE_SECONDS = 5.0, 30.0


def restart_delay(crashes: int, *, first: float = FIRST_RESTART_DELAY, cap: float = MAX_RESTART_DELAY) -> float:
    """Seconds to wait before starting again a process that has exited ``crashes`` times in a row."""
    return min(cap, first * 2 ** max(0, crashes - 1))


@dataclass
class Child:
    """One supervised process: how to start it and what happened to it."""

    name: str
    command: list[str]
    extra_env: dict[str, str]
    process: subprocess.Popen
    started_at: float
    crashes: int = 0  # exits in a row, each after less than STABLE_SECONDS of running
    restarts: int = 0
    restart_at: float | None = None  # when set, the process has exited and is started again then
    awaiting_health: bool = False  # restarted, not yet healthy: the supervisor says when it is
    failing_since: float | None = None  # when its liveness check began to fail (None: passing, or none)


class System:
    """The processes of one Destek installation, started and stopped together.

    :meth:`supervise` (``make run``) keeps them running: a process that exits is
    started again after a backoff (:func:`restart_delay`) while the rest go on.
    """

    def __init__(self, env: dict[str, str] | None = None, *, quiet: bool = False,
                 stop_seconds: float = STOP_SECONDS,
                 restart_delays: tuple[float, float] = (FIRST_RESTART_DELAY, MAX_RESTART_DELAY),
                 output: Path | None = None,
                 liveness: tuple[float, float] = (LIVENESS_SECONDS, LIVENESS_GRACE_SECONDS)):
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.env.setdefault("PYTHONPATH", str(ROOT))
        self.quiet = quiet
        self.output = output  # a file the processes' output is appended to (else the terminal, or nowhere if quiet)
        self.stop_seconds = stop_seconds
        self.first_restart_delay, self.max_restart_delay = restart_delays
        self.liveness_interval, self.liveness_grace = liveness
        self.children: dict[str, Child] = {}
        self._no_readiness: set[str] = set()  # processes answering 404 to /health/ready: /health it is
        self._stopping = threading.Event()
        self._hurry = threading.Event()  # a second Ctrl-C: kill at once
        self._lock = threading.RLock()

    @property
    def processes(self) -> list[tuple[str, subprocess.Popen]]:
        """Each process started and not yet stopped, in start order."""
        return [(child.name, child.process) for child in self.children.values()]

    def port(self, name: str) -> int:
        return int(self.env.get(f"{name.upper()}_PORT") or DEFAULT_PORTS[name])

    def pid(self, name: str) -> int:
        """The process id of one of the processes (it changes when the supervisor restarts it)."""
        return self.children[name].process.pid

    def prepare(self) -> None:
        """Migrate every schema and seed the demo organisation (one step, not per replica)."""
        for module in ("services.shared.migrate", "services.tickets.seed"):
            subprocess.run([sys.executable, "-m", module], env=self.env, cwd=ROOT, check=True)

    def start(self) -> None:
        self._stopping.clear()
        self._hurry.clear()
        self._check_ports_free()
        if not self.env.get("SMTP_HOST"):
            self._start_mail_catcher()
        for name in SERVICE_ORDER:
            self._spawn(name, [sys.executable, "-m", "services.shared.runner", name])
            self._wait_healthy(name)
        self._spawn("gateway", self._gateway_command(), extra_env=self._gateway_metrics_env())
        self._wait_healthy("gateway")

    def _check_ports_free(self) -> None:
        """Refuse to start over ports already taken: health checks would be answered by whatever holds them."""
        wanted = {name: self.port(name) for name in (*SERVICE_ORDER, "gateway")}
        if not self.env.get("SMTP_HOST"):
            wanted["mail catcher"] = self._mail_catcher_port()
        busy = [f"{name} {port}" for name, port in wanted.items() if not port_free(port)]
        if busy:
            raise PortsInUse(f"ports already in use ({', '.join(busy)}): is Destek already running? "
                             "Stop it, or choose other ports with GATEWAY_PORT, INGEST_PORT, ... (see README)")

    def _start_mail_catcher(self) -> None:
        outbox = Path(self.env.get("MAIL_OUTBOX_DIR") or ROOT / "var" / "mail-outbox")
        port = str(self._mail_catcher_port())
        self._spawn("mail", [sys.executable, str(ROOT / "deploy" / "mail_catcher.py"),
                             "--host", "127.0.0.1", "--port", port, "--dir", str(outbox)])
        self.env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none"})
        log(f"no SMTP_HOST set: sent mail is kept as .eml files in {outbox}")

    def _mail_catcher_port(self) -> int:
        return int(self.env.get("MAIL_CATCHER_PORT") or 1025)

    def _gateway_command(self) -> list[str]:
        bind = f"{self.env.get('BIND_HOST') or '127.0.0.1'}:{self.port('gateway')}"
        return [sys.executable, "-m", "gunicorn", "services.gateway.wsgi:app", "--bind", bind,
                "--worker-class", "gthread", "--workers", self.env.get("GATEWAY_WORKERS", "2"),
                "--threads", "8", "--access-logfile", "-" if not self.quiet else "/dev/null",
                # gunicorn's most (default 4094): a query with overlong values then reaches the API,
                # which refuses it in its own error format instead of gunicorn's HTML 414 page.
                "--limit-request-line", "8190",
                "--access-logformat", '%(t)s gateway  %(r)s %(s)s %(M)sms', "--graceful-timeout", "10"]

    def _gateway_metrics_env(self) -> dict[str, str]:
        """gunicorn runs several workers: prometheus-client must add up their counts through files."""
        directory = Path(self.env.get("GATEWAY_METRICS_DIR") or ROOT / "var" / "prometheus-gateway")
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        return {"PROMETHEUS_MULTIPROC_DIR": str(directory)}

    def _spawn(self, name: str, command: list[str], extra_env: dict[str, str] | None = None) -> Child:
        if self.output is not None:
            with open(self.output, "ab") as output:
                process = subprocess.Popen(command, env={**self.env, **(extra_env or {})}, cwd=ROOT, stdout=output,
                                           stderr=subprocess.STDOUT, start_new_session=True)
        else:
            output = subprocess.DEVNULL if self.quiet else None
            process = subprocess.Popen(command, env={**self.env, **(extra_env or {})}, cwd=ROOT, stdout=output,
                                       stderr=output, start_new_session=True)
        with self._lock:
            child = self.children.get(name)
            if child is None:
                child = self.children[name] = Child(name, command, dict(extra_env or {}), process, time.monotonic())
            else:
                child.process, child.started_at, child.restart_at = process, time.monotonic(), None
                child.failing_since = None
        return child

    def health_url(self, name: str) -> str:
        """Its readiness check, ``/health/ready``; ``/health`` for a process found to have none."""
        path = "/health" if name in self._no_readiness else "/health/ready"
        return f"http://127.0.0.1:{self.port(name)}{path}"

    def healthy(self, name: str, timeout: float = 2) -> bool:
        """Whether the process answers its health check with 200 now (the mail catcher: its port takes)."""
        if name == "mail":
            return not port_free(self._mail_catcher_port())
        try:
            with urllib.request.urlopen(self.health_url(name), timeout=timeout) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            if error.code == 404 and name not in self._no_readiness:
                self._no_readiness.add(name)
                return self.healthy(name, timeout)
            return False
        except OSError:
            return False

    def _wait_healthy(self, name: str, timeout: float = 60) -> None:
        if name == "mail":
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise Stopped(f"asked to stop while {name} was starting")
            process = self.children[name].process
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode} while starting")
            if self.healthy(name):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not become healthy at {self.health_url(name)} within {timeout:.0f}s")

    # -- supervision -------------------------------------------------------------------------------

    def supervise(self, *, interval: float = 0.5) -> None:
        """Keep every process running until :meth:`stop` (or :meth:`request_stop`); returns then."""
        threading.Thread(target=self._probe_liveness, name="destek-liveness", daemon=True).start()
        while not self._stopping.wait(interval):
            try:
                self.check()
            except Exception as error:  # noqa: BLE001 - the supervisor must outlive whatever one round met
                log(f"supervisor: {error!r}")

    def supervise_in_background(self, *, interval: float = 0.5) -> threading.Thread:
        """:meth:`supervise` in a daemon thread (benchmarks, tests); :meth:`stop` ends it."""
        thread = threading.Thread(target=self.supervise, kwargs={"interval": interval}, name="destek-supervisor",
                                  daemon=True)
        thread.start()
        return thread

    def _probe_liveness(self) -> None:
        """Note when each running, healthy process's liveness check starts failing (its own thread: slow)."""
        while not self._stopping.wait(self.liveness_interval):
            with self._lock:
                watched = [c for c in self.children.values() if c.name in DEFAULT_PORTS and c.restart_at is None
                           and not c.awaiting_health and c.process.poll() is None]
            for child in watched:
                live = self._live(child.name)
                if live is not False:
                    child.failing_since = None
                elif child.failing_since is None:
                    child.failing_since = time.monotonic()

    def _live(self, name: str) -> bool | None:
        """Whether the process answers its liveness check with 200; None when it has no such check."""
        url = f"http://127.0.0.1:{self.port(name)}{LIVENESS_PATH}"
        try:
            with urllib.request.urlopen(url, timeout=self.liveness_interval) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            return None if error.code == 404 else False
        except OSError:
            return False

    def request_stop(self) -> None:
        """Stop restarting processes (the first Ctrl-C); a second call makes :meth:`stop` kill at once."""
        if self._stopping.is_set():
            self._hurry.set()
        self._stopping.set()

    def check(self) -> None:
        """One round: note processes that exited, start those whose backoff is over, report recoveries."""
        now = time.monotonic()
        with self._lock:
            for child in list(self.children.values()):
                if self._stopping.is_set():
                    return
                if child.restart_at is None and child.process.poll() is not None:
                    self._schedule_restart(child, now)
                elif child.restart_at is not None and now >= child.restart_at:
                    self._restart(child)
                elif child.failing_since is not None and now - child.failing_since > self.liveness_grace:
                    log(f"{child.name} (pid {child.process.pid}) has failed its liveness check ({LIVENESS_PATH}) "
                        f"for {now - child.failing_since:.0f} s; killing it to start it again")
                    child.failing_since = None
                    _kill_group(child.process.pid)
                elif child.awaiting_health and self.healthy(child.name, timeout=0.5):
                    child.awaiting_health = False
                    log(f"{child.name} is healthy again (pid {child.process.pid}, "
                        f"{time.monotonic() - child.started_at:.1f} s after its start)")

    def _schedule_restart(self, child: Child, now: float) -> None:
        ran = now - child.started_at
        child.crashes = child.crashes + 1 if ran < STABLE_SECONDS else 1
        delay = restart_delay(child.crashes, first=self.first_restart_delay, cap=self.max_restart_delay)
        child.restart_at = now + delay
        _kill_group(child.process.pid)  # what it started (gunicorn's workers) must not hold its port
        looping = f", {child.crashes} exits in a row" if child.crashes > 1 else ""
        log(f"{child.name} (pid {child.process.pid}) exited with status {child.process.returncode} after "
            f"{ran:.1f} s{looping}; next try in {delay:g} s")

    def _restart(self, child: Child) -> None:
        extra_env = self._gateway_metrics_env() if child.name == "gateway" else child.extra_env
        self._spawn(child.name, child.command, extra_env)
        child.restarts += 1
        child.awaiting_health = child.name in DEFAULT_PORTS  # the mail catcher has no health check
        log(f"{child.name} started again (pid {child.process.pid}, restart {child.restarts})")

    # -- stopping ----------------------------------------------------------------------------------

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM every process, newest first; SIGKILL what has not stopped within ``timeout`` seconds."""
        self._stopping.set()
        timeout = self.stop_seconds if timeout is None else timeout
        with self._lock:
            children = list(reversed(self.children.values()))
            for child in children:
                if child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for child in children:
                while child.process.poll() is None and time.monotonic() < deadline and not self._hurry.is_set():
                    time.sleep(0.05)
                if child.process.poll() is None:
                    log(f"{child.name} did not stop within {timeout:.0f} s; killing it")
                _kill_group(child.process.pid)
                child.process.wait()
            self.children.clear()

    def kill(self, name: str) -> None:
        """SIGKILL one process and forget it: not restarted by the supervisor (failure tests)."""
        with self._lock:
            child = self.children.pop(name, None)
        if child is not None:
            _kill_group(child.process.pid)
            child.process.wait()

    def crash(self, name: str) -> int:
        """SIGKILL one process as a crash would; the supervisor restarts it. Returns the killed pid."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def restart(self, name: str) -> None:
        """Start a service again after :meth:`kill`."""
        self._spawn(name, [sys.executable, "-m", "services.shared.runner", name])
        self._wait_healthy(name)


def _kill_group(pid: int) -> None:
    """SIGKILL a process and whatever it started (each child leads its own session and group)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main() -> None:
    system = System()

    def request_stop(signum, frame):
        system.request_stop()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        system.prepare()
        try:
            system.start()
        except PortsInUse as error:
            log(str(error))
            sys.exit(1)
        except Stopped:
            return
        password = system.env.get("DEMO_PASSWORD") or "destek-demo"
        log(f"Destek is up: API http://127.0.0.1:{system.port('gateway')}/api/v1, "
            f"mail intake http://127.0.0.1:{system.port('ingest')}/ingest/email")
        log("processes: " + ", ".join(f"{name} (pid {process.pid})" for name, process in system.processes))
        log(f"demo logins: owner@example.com, manager@example.com, agent@example.com / password {password}")
        log("a process that exits is started again; press Ctrl-C to stop everything")
        system.supervise()
    finally:
        log(f"stopping all services (at most {system.stop_seconds:.0f} s; Ctrl-C again to kill them now)")
        system.stop()
        log("stopped")


if __name__ == "__main__":
    main()
