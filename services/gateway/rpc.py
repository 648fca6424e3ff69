"""A pool of standalone RPC proxies: one per concurrent request, reused across requests.

Opening a proxy per request floods RabbitMQ and sharing one between threads
times out; a pool gives each request thread its own proxy for its lifetime.
A proxy whose broker connection was lost (a broker restart) is not handed out
again: ``acquire`` checks it first and starts a new one, so requests fail with
a 503 only while the broker is away (issue 20).
"""
from __future__ import annotations

import logging
import queue

from nameko.exceptions import RpcTimeout

from services.shared.rpc import BUS_ERRORS, RpcUnavailable, StandaloneRpc

log = logging.getLogger(__name__)

RPC_TIMEOUT = 30
# What says that a proxy may be unusable now: it is stopped rather than pooled again.
PROXY_FAILURES = (RpcUnavailable, RpcTimeout, *BUS_ERRORS)


class RpcPool:
    def __init__(self, config: dict, size: int = 8, timeout: float = RPC_TIMEOUT):
        self.config, self.timeout = config, timeout
        self._idle: queue.LifoQueue = queue.LifoQueue(maxsize=size)

    def acquire(self):
        """A started proxy: ``proxy.tickets.get_ticket(...)``; raises :class:`RpcUnavailable` if the broker is away."""
        while True:
            try:
                proxy = self._idle.get_nowait()
            except queue.Empty:
                break
            if proxy._destek_runner.alive():
                return proxy
            log.info("dropping a pooled RPC proxy whose broker connection was lost")
            proxy._destek_runner.stop()
        runner = StandaloneRpc(self.config, timeout=self.timeout)
        proxy = runner.start()
        proxy._destek_runner = runner
        return proxy

    def release(self, proxy, *, broken: bool = False) -> None:
        """Give a proxy back; a broken one (timed out, connection lost) is closed instead."""
        if not broken:
            try:
                self._idle.put_nowait(proxy)
                return
            except queue.Full:
                pass
        proxy._destek_runner.stop()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait()._destek_runner.stop()
            except queue.Empty:
                return
