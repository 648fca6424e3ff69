"""Start one Destek service: ``python -m services.shared.runner tickets`` (or ``destek-tickets``).

Every service runs in its own process so that operators can run and scale
each independently; run more processes of a service to scale it.
"""
from __future__ import annotations

import sys

import eventlet

eventlet.monkey_patch()  # before anything else touches sockets or threads

import importlib  # noqa: E402
import logging  # noqa: E402

from services.shared.config import load_settings  # noqa: E402

SERVICES = ("tickets", "ingest", "notify", "sla", "reports")


def service_class(name: str):
    """The nameko service class of ``services/<name>/service.py``."""
    module = importlib.import_module(f"services.{name}.service")
    return module.SERVICE


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in SERVICES:
        raise SystemExit(f"usage: python -m services.shared.runner {{{'|'.join(SERVICES)}}}")
    name = args[0]
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {name:<8} %(levelname)-7s %(message)s")
    logging.getLogger("kombu").setLevel(logging.WARNING)
    logging.getLogger("nameko.web.server").setLevel(logging.WARNING)  # no line per health check
    from nameko.cli.run import run
    config = load_settings().nameko_config(name)
    logging.getLogger(__name__).info("starting %s, http on %s", name, config["WEB_SERVER_ADDRESS"])
    run([service_class(name)], config)


def entry_point() -> None:
    """Console-script entry: ``destek-<service>`` starts that service."""
    name = sys.argv[0].rsplit("destek-", 1)[-1]
    main([name])


if __name__ == "__main__":
    main()
