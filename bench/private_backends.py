"""A PostgreSQL cluster and a RabbitMQ node of our own, to restart at will (the chaos benchmark, its test).

The machine's PostgreSQL (5432) and RabbitMQ (5672) serve everyone working on
it: a fault injected there would hit every test and engineer beside us. These
run from the same installed binaries in a temporary directory, on free ports,
and go away with it::

    with PrivatePostgres() as pg, PrivateRabbit() as rabbit:
        env = {"DATABASE_URL": pg.url("destek"), "AMQP_URI": rabbit.amqp_uri}
        pg.restart(pause=5)          # pg_ctl stop -m fast, pause, start
        rabbit.restart(pause=5)      # rabbitmqctl stop_app, pause, start_app

Self-contained (standard library only) so that tests and benchmarks can share it.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user
(``runuser``); RabbitMQ runs as whoever calls, with its own Erlang cookie,
no plugins (nothing else listens: the machine's node has the management port)
and its own configuration, never the machine's (``/etc/rabbitmq``).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RABBIT_BIN = Path(os.environ.get("RABBIT_BIN", "/usr/lib/rabbitmq/bin"))


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice, so no two callers get the same one at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory on a free port; superuser ``root``, trust auth."""

    def __init__(self, *, port: int | None = None, max_connections: int = 400):
        self.port = port or free_port()
        self.max_connections = max_connections
        self.directory = Path(tempfile.mkdtemp(prefix="destek-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self._as_postgres = os.geteuid() == 0

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        return subprocess.run([*prefix, *command], check=check, capture_output=True, text=True)

    def start(self) -> "PrivatePostgres":
        if self._as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "root", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections={self.max_connections} -c fsync=off -c full_page_writes=off")
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                         "-o", options, "start", check=False)
        if done.returncode != 0:
            raise RuntimeError(f"private PostgreSQL did not start: {done.stdout}{done.stderr}\n{self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, *, pause: float = 5.0) -> None:
        """Stop as an operator's restart does (fast: sessions cut off), wait ``pause`` seconds, start again."""
        self.stop("fast")
        time.sleep(pause)
        self._pg_ctl_start()

    def create_database(self, name: str) -> str:
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "root", name],
                       check=True, capture_output=True, text=True)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/{database}"

    def log_tail(self, limit: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-limit:]
        except OSError:
            return "(no log)"

    def close(self) -> None:
        if self.data.exists():
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "PrivatePostgres":
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()


class PrivateRabbit:
    """A RabbitMQ node of its own (``destek-<pid>-<port>@localhost``) on a free port; user guest/guest."""

    def __init__(self, *, port: int | None = None):
        self.process: subprocess.Popen | None = None
        self.port = port or free_port()
        self.dist_port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="destek-rabbit-"))
        self.node = f"destek-{os.getpid()}-{self.port}@localhost"
        (self.directory / "enabled_plugins").write_text("[].\n")
        (self.directory / "rabbitmq-env.conf").write_text("")
        (self.directory / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
                                                      "loopback_users.guest = true\n")
        self.env = {
            **os.environ, "HOME": str(self.directory),  # its own Erlang cookie
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"), "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.directory / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def start(self) -> "PrivateRabbit":
        # In the foreground of a child of ours rather than -detached: its end is then ours to see and wait for.
        with open(self.directory / "server.log", "ab") as log:
            self.process = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env, stdout=log,
                                            stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while not _wait_port(self.port, 1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private RabbitMQ {self.node} did not start: "
                                   f"{(self.directory / 'server.log').read_text(errors='replace')[-3000:]}")
        self.ctl("await_startup", "--timeout", "60", timeout=90)
        return self

    def restart(self, *, pause: float = 5.0) -> None:
        """``stop_app``, wait ``pause`` seconds, ``start_app``: every connection is cut, the node comes back."""
        self.ctl("stop_app")
        time.sleep(pause)
        self.ctl("start_app")
        _wait_port(self.port, 30)

    def close(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "PrivateRabbit":
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()
