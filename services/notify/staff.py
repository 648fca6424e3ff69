"""Who works where: a department's staff and a user's address, asked of the tickets service and kept a minute.

Notify never reads tickets' tables. ``list_department_staff(department_id)`` →
``[{"id", "email", "name", "role", "is_active"}]`` (its agents and managers; owners are
no department's members and are not listed) and ``get_user(user_id)`` →
``{"id", "email", "name", ...}`` are one hop each, with a timeout, and answered
from the cache for ``STAFF_TTL_SECONDS`` so that a burst costs one call. A
tickets service without ``list_department_staff`` yet gives an empty staff (and
a log line): department-wide notifications wait for it, the others go on.
"""
from __future__ import annotations

import logging
import time

import eventlet
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.rpc import RpcProxy

from services.notify.departments import _HeaderSafeContext
from services.shared.config import env_int
from services.shared.errors import NotFound, Unauthenticated

log = logging.getLogger(__name__)


class StaffUnavailable(Exception):
    """Tickets did not answer in time and nothing is cached: the event is retried later."""


class StaffDirectory(RpcProxy):
    """Injects a :class:`StaffLookup`; the cache is shared by the process's workers."""

    def __init__(self):
        super().__init__("tickets")

    def setup(self):
        super().setup()
        self.ttl = env_int("STAFF_TTL_SECONDS", 60)
        self.timeout = env_int("STAFF_RPC_TIMEOUT", 5)
        self.cache: dict[tuple[str, int], tuple[float, object]] = {}

    def get_dependency(self, worker_ctx):
        return StaffLookup(self, super().get_dependency(_HeaderSafeContext(worker_ctx)))


class StaffLookup:
    def __init__(self, provider: StaffDirectory, tickets_rpc):
        self.provider, self.tickets_rpc = provider, tickets_rpc

    def department_staff(self, department_id: int) -> list[dict]:
        """The department's members with their roles; empty if tickets cannot tell yet."""
        return self._cached(("staff", department_id), "list_department_staff", department_id, missing=[])

    def user(self, user_id: int) -> dict | None:
        """``{"id", "email", "name", ...}`` of a user, or None if there is no such (active) user."""
        return self._cached(("user", user_id), "get_user", user_id, missing=None)

    def _cached(self, key: tuple[str, int], method: str, argument: int, *, missing):
        entry = self.provider.cache.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        try:
            answer = self._ask(method, argument, missing)
        except StaffUnavailable:
            if entry is not None:  # stale beats nothing while tickets is slow
                return entry[1]
            raise
        self.provider.cache[key] = (time.monotonic() + self.provider.ttl, answer)
        return answer

    def _ask(self, method: str, argument: int, missing):
        timeout = self.provider.timeout
        try:
            reply = getattr(self.tickets_rpc, method).call_async(argument)
            with eventlet.Timeout(timeout, StaffUnavailable(f"tickets did not answer {method}({argument}) "
                                                            f"within {timeout} s")):
                return reply.result()
        except (MethodNotFound, UnknownService, NotFound, Unauthenticated) as exc:  # none, or a disabled user
            log.info("tickets gave no answer to %s(%s) (%s)", method, argument, exc)
            return missing
        except RemoteError as exc:
            if exc.exc_type in ("NotFound", "Unauthenticated", "Forbidden"):  # a user deleted or deactivated
                return missing
            raise StaffUnavailable(f"tickets failed {method}({argument}): {exc.exc_type}") from exc
