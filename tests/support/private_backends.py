"""A PostgreSQL cluster and a RabbitMQ node of a test's own, to stop, restart and break at will.

Test policy: the PostgreSQL and RabbitMQ every test shares are never stopped or
restarted; a test about outages starts private ones on free ports, in a temporary
directory, and whatever happens in it they are stopped and their files removed
when it ends (an outage helper brings a backend back up before it returns).

Use the fixtures::

    from tests.support.private_backends import private_postgres, private_rabbit  # noqa: F401 (fixtures)

    @pytest.mark.slow
    def test_something_rides_out_a_restart(private_postgres, private_rabbit):
        url = private_postgres.create_database("app")      # SQLAlchemy URL (psycopg 3)
        amqp_uri = private_rabbit.amqp_uri                  # amqp://guest:guest@127.0.0.1:<port>/
        with private_postgres.down():                       # stopped for the block, up again after it
            ...
        private_rabbit.restart(down_for=2)                  # stop_app, wait, start_app

``private_postgres_for_module``/``private_rabbit_for_module`` share one of each
between the tests of a module (a node takes about 6 s to boot); ``start_service_on``
starts a real nameko container on a private broker and kills it before the
broker goes. Or use the classes directly, e.g. in a benchmark:
``with PrivatePostgres() as pg: ...`` (the chaos benchmark, ``bench/chaos.py``, does: this is the one
module for private backends, for tests and benchmarks alike; it needs pytest only for its fixtures).
Both run as the ``postgres``/``rabbitmq`` tools require: PostgreSQL's server
refuses to run as root, so as root it runs as user ``postgres``; RabbitMQ runs
with its HOME in the temporary directory (its own Erlang cookie), its own node
name (``destek-test-<port>@localhost``), distribution port and config file, and
no management plugin unless asked for (the shared node holds :15672).
"""
from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest

from deploy.sandbox import free_port
from services.shared.config import sqlalchemy_url

PG_BIN = os.environ.get("DESTEK_PG_BIN", "/usr/lib/postgresql/15/bin")
RABBIT_BIN = os.environ.get("DESTEK_RABBIT_BIN", "/usr/lib/rabbitmq/bin")
_running: set = set()  # backends to stop if the interpreter exits with them still up


@atexit.register
def _stop_leftovers() -> None:
    for backend in list(_running):
        backend.close()


def _on_sigterm(signum, frame) -> None:
    # atexit does not run when a process is terminated (a CI timeout, ``timeout``): stop them here, then die as asked.
    _stop_leftovers()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _track(backend) -> None:
    if not _running and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        try:
            signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread: atexit alone then
            pass
    _running.add(backend)


def _wait_for_port(port: int, *, up: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            listening = probe.connect_ex(("127.0.0.1", port)) == 0
        if listening == up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'closed' if up else 'open'} after {timeout}s")


class PrivatePostgres:
    """A PostgreSQL cluster on a free port, trust auth, superuser ``root``: ``start()``, ``down()``, ``close()``."""

    def __init__(self, *, port: int | None = None, base_dir: str | None = None, max_connections: int = 200):
        self.port = port or free_port()
        self.max_connections = max_connections  # the chaos benchmark's whole system needs more than a test
        self.dir = tempfile.mkdtemp(prefix=f"destek-pg-{self.port}-", dir=base_dir)
        self.data = os.path.join(self.dir, "data")
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            os.chown(self.dir, pwd.getpwnam("postgres").pw_uid, -1)
        self._initialised = False

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3) of one database of this cluster."""
        return f"postgresql+psycopg://root@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [os.path.join(PG_BIN, args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, cwd=self.dir, check=check, capture_output=True, text=True)

    def start(self) -> "PrivatePostgres":
        """Initialise the cluster if need be and start it; returns when it accepts connections."""
        if not self._initialised:
            self._run("initdb", "-D", self.data, "-U", "root", "--auth=trust", "-E", "UTF8", "--no-sync")
            self._initialised = True
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c full_page_writes=off -c max_connections={self.max_connections}")
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-o", options,
                  "-w", "-t", "30", "start")
        _track(self)
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: ends sessions, as a restart does; ``immediate``: as a crash)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop", check=False)
        _wait_for_port(self.port, up=False, timeout=10)

    def restart(self, *, down_for: float = 0.0, mode: str = "fast") -> None:
        """Stop, stay down ``down_for`` seconds, start again."""
        with self.down(mode=mode):
            time.sleep(down_for)

    @contextmanager
    def down(self, *, mode: str = "fast"):
        """The server is stopped inside the block and running again after it, whatever the block did."""
        self.stop(mode)
        try:
            yield self
        finally:
            self.start()

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "root", "-d", "postgres",
                        "-q", "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True, text=True)
        return self.url(name)

    def log_tail(self, limit: int = 3000) -> str:
        """The end of the server's log (for a failure's report)."""
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as log:
                return log.read()[-limit:]
        except OSError:
            return "(no log)"

    def close(self) -> None:
        """Stop the server at once and remove its files."""
        if self._initialised:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        _running.discard(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:  # half started (a node booted, a port never opened): leave nothing behind
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()


class PrivateRabbit:
    """A RabbitMQ node on a free port (guest/guest, vhost ``/``): ``start()``, ``restart()``, ``down()``, ``close()``.

    ``management=True`` enables the management plugin on a free port of its own
    (``management_port``), for nameko's vhost-per-test fixtures.
    """

    def __init__(self, *, port: int | None = None, management: bool = False, base_dir: str | None = None):
        self.port = port or free_port()
        self.dist_port = free_port()
        self.management_port = free_port() if management else None
        self.node = f"destek-test-{self.port}@localhost"
        self.dir = tempfile.mkdtemp(prefix=f"destek-rabbit-{self.port}-", dir=base_dir)
        self.amqp_uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self._write_config(management)
        self._started = False

    def _write_config(self, management: bool) -> None:
        lines = [f"listeners.tcp.1 = 127.0.0.1:{self.port}", "loopback_users = none"]
        if management:
            lines.append(f"management.tcp.port = {self.management_port}")
            lines.append("management.tcp.ip = 127.0.0.1")
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w") as conf:
            conf.write("\n".join(lines) + "\n")
        with open(os.path.join(self.dir, "enabled_plugins"), "w") as plugins:
            plugins.write("[rabbitmq_management].\n" if management else "[].\n")
        open(os.path.join(self.dir, "rabbitmq-env.conf"), "w").close()  # not the shared node's

    def _env(self) -> dict:
        return {**os.environ, "HOME": self.dir, "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONFIG_FILE": os.path.join(self.dir, "rabbitmq.conf"),
                "RABBITMQ_CONF_ENV_FILE": os.path.join(self.dir, "rabbitmq-env.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.dir, "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": os.path.join(self.dir, "mnesia"),
                "RABBITMQ_LOG_BASE": os.path.join(self.dir, "log"), "ERL_EPMD_ADDRESS": "127.0.0.1",
                "ERL_CRASH_DUMP": os.path.join(self.dir, "erl_crash.dump")}  # never in the caller's directory

    def ctl(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``rabbitmqctl -n <node> <args>`` against this node."""
        return subprocess.run([os.path.join(RABBIT_BIN, "rabbitmqctl"), "-n", self.node, *args], env=self._env(),
                              cwd=self.dir if os.path.isdir(self.dir) else tempfile.gettempdir(), check=check, capture_output=True,
                              text=True, timeout=timeout)

    def start(self, timeout: float = 120) -> "PrivateRabbit":
        """Boot the node (the Erlang VM and the broker); returns when it takes AMQP connections."""
        subprocess.run([os.path.join(RABBIT_BIN, "rabbitmq-server"), "-detached"], env=self._env(), cwd=self.dir,
                       check=True, capture_output=True)
        self._started = True
        _track(self)
        _wait_for_port(self.port, up=True, timeout=timeout)
        return self

    def stop_app(self) -> None:
        """``rabbitmqctl stop_app``: the broker closes every connection and stops listening; the VM stays."""
        self.ctl("stop_app")
        _wait_for_port(self.port, up=False, timeout=30)

    def start_app(self) -> None:
        """``rabbitmqctl start_app``; returns when it takes AMQP connections again."""
        self.ctl("start_app")
        _wait_for_port(self.port, up=True, timeout=60)

    def restart(self, *, down_for: float = 0.0) -> None:
        """The operator's restart: ``stop_app``, ``down_for`` seconds, ``start_app``."""
        with self.down():
            time.sleep(down_for)

    @contextmanager
    def down(self):
        """The broker is stopped inside the block and running again after it, whatever the block did."""
        self.stop_app()
        try:
            yield self
        finally:
            self.start_app()

    def close(self) -> None:
        """Halt the node and remove its files."""
        if self._started:
            try:
                stopped = self.ctl("stop", check=False, timeout=60).returncode == 0
            except subprocess.TimeoutExpired:  # rabbitmqctl (an Erlang VM of its own) is slow on a loaded machine
                stopped = False
            if not stopped:
                self._kill_by_pid()
            self._started = False
        _running.discard(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_by_pid(self) -> None:
        pid_file = os.path.join(self.dir, "mnesia", f"{self.node}.pid")
        try:
            with open(pid_file) as handle:
                os.kill(int(handle.read().strip()), 9)
        except (OSError, ValueError):
            pass

    def __enter__(self):
        try:
            return self.start()
        except BaseException:  # half started (a node booted, a port never opened): leave nothing behind
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def private_postgres():
    """A running private PostgreSQL cluster, removed after the test."""
    with PrivatePostgres() as cluster:
        yield cluster


@pytest.fixture
def private_rabbit():
    """A running private RabbitMQ node (no management plugin), removed after the test."""
    with PrivateRabbit() as node:
        yield node


@pytest.fixture(scope="module")
def private_postgres_for_module():
    """One private PostgreSQL cluster for every test of a module."""
    with PrivatePostgres() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def private_rabbit_for_module():
    """One private RabbitMQ node for every test of a module."""
    with PrivateRabbit() as node:
        yield node


@pytest.fixture
def start_service_on(container_factory, monkeypatch):
    """``start_service_on(ServiceClass, amqp_uri, database_url=None, **config)``: a real container on a private bus.

    With ``database_url``, the service's providers (which read ``DATABASE_URL`` when
    they set up) use that database. Containers are killed when the test ends, and
    their database connections closed.
    """
    from tests.fixtures.services import ContainerStarter

    with ContainerStarter(container_factory) as starter:
        def start(service_cls, amqp_uri: str, database_url: str | None = None, **extra):
            if database_url is not None:
                monkeypatch.setenv("DATABASE_URL", sqlalchemy_url(database_url))
            return starter.start(service_cls, {"AMQP_URI": amqp_uri, **extra})
        yield start
