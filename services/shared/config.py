"""Configuration from the environment (12-factor), with working single-machine defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass

SERVICE_PORTS = {"gateway": 8000, "ingest": 8001, "tickets": 8002, "notify": 8003, "sla": 8004, "reports": 8005}
# ingest's workers mostly wait for tickets to commit their batch: more of them waiting makes bigger batches.
SERVICE_MAX_WORKERS = {"ingest": 100}


def env(name: str, default: str = "") -> str:
    """Read one setting, treating an empty value as unset."""
    return os.environ.get(name) or default


def env_int(name: str, default: int) -> int:
    """Read an integer setting; a malformed value is a startup error naming the variable."""
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    """Read a number setting (seconds, say); a malformed value is a startup error naming the variable."""
    raw = env(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None


def sqlalchemy_url(url: str) -> str:
    """Point a plain postgresql:// URL at the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    database_url: str
    host: str
    max_workers: int

    def http_port(self, service: str) -> int:
        """The port of a service's HTTP listener (health, metrics, provider endpoints)."""
        return env_int(f"{service.upper()}_PORT", SERVICE_PORTS[service])

    def service_max_workers(self, service: str) -> int:
        """Concurrent workers of one service: ``<SERVICE>_MAX_WORKERS``, else its own default or ``MAX_WORKERS``."""
        return env_int(f"{service.upper()}_MAX_WORKERS", SERVICE_MAX_WORKERS.get(service, self.max_workers))

    def nameko_config(self, service: str) -> dict:
        """The nameko container config for one service process."""
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{self.host}:{self.http_port(service)}",
            "max_workers": self.service_max_workers(service),
            "parent_calls_tracked": 10,
            "serializer": "json",
        }


def load_settings() -> Settings:
    """Settings of this process, read once from the environment."""
    return Settings(
        amqp_uri=env("AMQP_URI", "amqp://guest:guest@localhost:5672/"),
        database_url=sqlalchemy_url(env("DATABASE_URL", "postgresql://localhost/destek")),
        host=env("BIND_HOST", "127.0.0.1"),
        max_workers=env_int("MAX_WORKERS", 20),
    )
