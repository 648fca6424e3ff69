"""Start the whole of Destek on one machine: migrate, seed, every service, the gateway.

``make run`` calls this. Ctrl-C (or SIGTERM) stops every process cleanly.
The end-to-end tests use :class:`System` to start the same processes.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Consumers first: their queues must exist before the first events are published.
SERVICE_ORDER = ("notify", "sla", "reports", "tickets", "ingest")
DEFAULT_PORTS = {"gateway": 8000, "ingest": 8001, "tickets": 8002, "notify": 8003, "sla": 8004, "reports": 8005}


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} destek   {message}", flush=True)


class PortsInUse(RuntimeError):
    """Another process listens where this installation would."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class System:
    """The processes of one Destek installation, started and stopped together."""

    def __init__(self, env: dict[str, str] | None = None, *, quiet: bool = False):
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.env.setdefault("PYTHONPATH", str(ROOT))
        self.quiet = quiet
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def port(self, name: str) -> int:
        return int(self.env.get(f"{name.upper()}_PORT") or DEFAULT_PORTS[name])

    def prepare(self) -> None:
        """Migrate every schema and seed the demo organisation (one step, not per replica)."""
        for module in ("services.shared.migrate", "services.tickets.seed"):
            subprocess.run([sys.executable, "-m", module], env=self.env, cwd=ROOT, check=True)

    def start(self) -> None:
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

    def _spawn(self, name: str, command: list[str], extra_env: dict[str, str] | None = None) -> None:
        output = subprocess.DEVNULL if self.quiet else None
        process = subprocess.Popen(command, env={**self.env, **(extra_env or {})}, cwd=ROOT, stdout=output,
                                   stderr=output, start_new_session=True)
        self.processes.append((name, process))

    def _wait_healthy(self, name: str, timeout: float = 60) -> None:
        if name == "mail":
            return
        url = f"http://127.0.0.1:{self.port(name)}/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = dict(self.processes)[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode} while starting")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not become healthy at {url} within {timeout:.0f}s")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM every process, newest first; kill what has not stopped in time."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in reversed(self.processes):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time; killing it")
                process.kill()
                process.wait()
        self.processes.clear()

    def kill(self, name: str) -> None:
        """SIGKILL one process (failure tests)."""
        for entry in list(self.processes):
            if entry[0] == name:
                entry[1].kill()
                entry[1].wait()
                self.processes.remove(entry)

    def restart(self, name: str) -> None:
        """Start a service again after :meth:`kill`."""
        self._spawn(name, [sys.executable, "-m", "services.shared.runner", name])
        self._wait_healthy(name)


def main() -> None:
    system = System()
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        system.prepare()
        try:
            system.start()
        except PortsInUse as error:
            log(str(error))
            sys.exit(1)
        password = system.env.get("DEMO_PASSWORD") or "destek-demo"
        log(f"Destek is up: API http://127.0.0.1:{system.port('gateway')}/api/v1, "
            f"mail intake http://127.0.0.1:{system.port('ingest')}/ingest/email")
        log(f"demo logins: owner@example.com, manager@example.com, agent@example.com / password {password}")
        log("press Ctrl-C to stop")
        while not stopping:
            for name, process in system.processes:
                if process.poll() is not None:
                    log(f"{name} exited with status {process.returncode}; stopping everything")
                    stopping = True
            time.sleep(0.5)
    finally:
        log("stopping all services")
        system.stop()
        log("stopped")


if __name__ == "__main__":
    main()
