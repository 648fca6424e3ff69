"""A pool of standalone RPC proxies: one per concurrent request, reused across requests.

Opening a proxy per request floods RabbitMQ and sharing one between threads
times out; a pool gives each request thread its own proxy for its lifetime.
"""
from __future__ import annotations

import queue

from nameko.standalone.rpc import ClusterRpcProxy

RPC_TIMEOUT = 30


class RpcPool:
    def __init__(self, config: dict, size: int = 8, timeout: float = RPC_TIMEOUT):
        self.config, self.timeout = config, timeout
        self._idle: queue.LifoQueue = queue.LifoQueue(maxsize=size)

    def acquire(self):
        """A started proxy: ``proxy.tickets.get_ticket(...)``."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            runner = ClusterRpcProxy(self.config, timeout=self.timeout)
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
