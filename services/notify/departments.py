"""Each department's mail settings, asked of the tickets service by RPC and kept for a minute.

A department may have its own SMTP server; where it has none, or the tickets
service does not know the RPC yet, the environment's SMTP settings are used.
The call is one hop, has a timeout, and is answered from the cache for
``DEPARTMENT_SETTINGS_TTL_SECONDS`` so that a burst of mail costs one call.
"""
from __future__ import annotations

import logging
import time

import eventlet
from eventlet.semaphore import Semaphore
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.rpc import RpcProxy

from services.notify.mail import SmtpSettings, TemporaryFailure, normal_security
from services.shared.config import env_int
from services.shared.errors import NotFound

log = logging.getLogger(__name__)


class SettingsUnavailable(TemporaryFailure):
    """The tickets service did not answer in time and nothing is cached: try the mail later."""


class DepartmentMailSettings(RpcProxy):
    """Injects a :class:`DepartmentSettingsLookup`; the cache is shared by the process's workers."""

    def __init__(self):
        super().__init__("tickets")

    def setup(self):
        super().setup()
        self.fallback = SmtpSettings.from_env()
        self.ttl = env_int("DEPARTMENT_SETTINGS_TTL_SECONDS", 60)
        self.timeout = env_int("DEPARTMENT_SETTINGS_RPC_TIMEOUT", 5)
        self.cache: dict[int, tuple[float, dict | None]] = {}
        self.locks: dict[int, Semaphore] = {}

    def get_dependency(self, worker_ctx):
        return DepartmentSettingsLookup(self, super().get_dependency(_HeaderSafeContext(worker_ctx)))


class _HeaderSafeContext:
    """The worker context, minus values AMQP headers cannot carry."""

    # nameko copies ``worker_ctx.data`` into every RPC's headers, and the shared
    # Database provider keeps its units of work there, which would fail the publish.

    def __init__(self, worker_ctx):
        self._worker_ctx = worker_ctx

    def __getattr__(self, name):
        return getattr(self._worker_ctx, name)

    @property
    def context_data(self) -> dict:
        return {key: value for key, value in self._worker_ctx.context_data.items()
                if isinstance(value, (str, int, float, bool))
                or (isinstance(value, list) and all(isinstance(item, str) for item in value))}


class DepartmentSettingsLookup:
    """``settings(department_id)`` → the RPC answer or None; ``smtp_for(department_id)`` → SmtpSettings."""

    def __init__(self, provider: DepartmentMailSettings, tickets_rpc):
        self.provider, self.tickets_rpc = provider, tickets_rpc

    @property
    def first_retry_seconds(self) -> int:
        return self.provider.fallback.first_retry_seconds

    def settings(self, department_id: int | None) -> dict | None:
        """``{"department_id", "email", "name", "send_acknowledgement", "smtp"}``, or None if unknown."""
        if department_id is None:
            return None
        fresh = self._cached(department_id, fresh_only=True)
        if fresh is not None:
            return fresh[1]
        # One call per department at a time: a burst of workers waits for the first one's answer.
        with self.provider.locks.setdefault(department_id, Semaphore()):
            fresh = self._cached(department_id, fresh_only=True)
            if fresh is not None:
                return fresh[1]
            try:
                answer = self._ask(department_id)
            except SettingsUnavailable:
                stale = self._cached(department_id, fresh_only=False)
                if stale is not None:  # stale beats nothing while tickets is slow
                    return stale[1]
                raise
            self.provider.cache[department_id] = (time.monotonic() + self.provider.ttl, answer)
            return answer

    def _cached(self, department_id: int, *, fresh_only: bool) -> tuple[float, dict | None] | None:
        entry = self.provider.cache.get(department_id)
        if entry is None or (fresh_only and entry[0] <= time.monotonic()):
            return None
        return entry

    def smtp_for(self, department_id: int | None) -> SmtpSettings:
        """The SMTP server this department's mail goes out through."""
        smtp = (self.settings(department_id) or {}).get("smtp")
        fallback = self.provider.fallback
        if not smtp or not smtp.get("host"):
            return fallback
        return SmtpSettings(
            host=smtp["host"], port=int(smtp.get("port") or 25), username=smtp.get("username") or "",
            password=smtp.get("password") or "", security=normal_security(smtp.get("security")) or "starttls",
            first_retry_seconds=fallback.first_retry_seconds)

    def _ask(self, department_id: int) -> dict | None:
        try:
            reply = self.tickets_rpc.get_department_mail_settings.call_async(department_id)
            with eventlet.Timeout(self.provider.timeout, SettingsUnavailable(
                    f"tickets did not give department {department_id}'s mail settings "
                    f"within {self.provider.timeout} s")):
                return reply.result()
        except (MethodNotFound, UnknownService, NotFound) as exc:
            # An older tickets service, none running here, or a department since deleted.
            log.info("no mail settings for department %s (%s); using the environment's", department_id, exc)
            return None
        except RemoteError as exc:
            raise SettingsUnavailable(f"tickets failed to give department {department_id}'s settings: "
                                      f"{exc.exc_type}") from exc
