"""A throwaway installation: its own database, RabbitMQ vhost and free ports (tests, benchmarks)."""
from __future__ import annotations

import itertools
import os

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deploy.run_all import DEFAULT_PORTS, port_free
from services.shared.config import load_settings

RABBIT_API = "http://127.0.0.1:15672/api"


# Ports handed out here lie below the kernel's ephemeral range (32768 and up by default), where
# port-0 binds and outgoing connections take theirs: a port chosen, released and bound a moment later
# by a service could otherwise go to another test run's server in between. Each process starts at
# its own place in the range and never hands out a port twice.
_PORTS_LOW, _PORTS_HIGH = 20000, 32000
_next_port = itertools.count(_PORTS_LOW + os.getpid() % 400 * 30)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now and that no other process picking ports this way is likely to pick."""
    for _ in range(_PORTS_HIGH - _PORTS_LOW):
        port = _PORTS_LOW + (next(_next_port) - _PORTS_LOW) % (_PORTS_HIGH - _PORTS_LOW)
        if port_free(port, host):
            return port
    raise RuntimeError(f"no free port between {_PORTS_LOW} and {_PORTS_HIGH}")


def fresh_vhost(name: str) -> str:
    """Recreate a RabbitMQ vhost so that no queue of an earlier run is left; returns its AMQP URI."""
    auth = ("guest", "guest")
    requests.delete(f"{RABBIT_API}/vhosts/{name}", auth=auth, timeout=10)
    requests.put(f"{RABBIT_API}/vhosts/{name}", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{RABBIT_API}/permissions/{name}/guest", auth=auth, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    return f"amqp://guest:guest@127.0.0.1:5672/{name}"


def drop_sandbox(name: str) -> None:
    """Remove a sandbox's database and vhost."""
    fresh_database(name)
    requests.delete(f"{RABBIT_API}/vhosts/{name}", auth=("guest", "guest"), timeout=10)


def fresh_database(name: str) -> str:
    """Drop a database of that name if it exists; returns its URL (``prepare`` creates and migrates it)."""
    url = make_url(load_settings().database_url).set(database=name)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")


def sandbox_env(name: str) -> dict[str, str]:
    """Environment for a System of its own: database, vhost and a free port per service."""
    env = {f"{service.upper()}_PORT": str(free_port()) for service in DEFAULT_PORTS}
    env.update({"DATABASE_URL": fresh_database(name), "AMQP_URI": fresh_vhost(name)})
    return env
