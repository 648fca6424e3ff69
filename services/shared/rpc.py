"""RPC for Destek: nameko's ``@rpc`` that survives a lost broker, and standalone clients that reconnect.

Serving side (``from services.shared.rpc import rpc`` in place of ``nameko.rpc.rpc``):

- Replies go out without waiting for the broker's publish confirm. nameko
  publishes every reply persistent and confirmed: a second round trip on every
  call, which a reply gains nothing from (the caller's reply queue does not
  outlive the broker, and a lost reply ends in the caller's timeout either way).
- A reply that cannot be sent (the broker is gone) is logged, not raised:
  nameko kills the whole container when a worker's result handling raises, and
  the tickets service died that way in a broker restart (issue 20). The request,
  not acked, comes back from the broker once it is up.
- Errors of the services' contract (``services.shared.errors``: bad input,
  wrong password, forbidden...) are expected: nameko logs them in one INFO line
  instead of an ERROR with a traceback for every 4xx.

Calling side: :class:`RpcClient` (one caller, e.g. ingest's batcher) and
:class:`StandaloneRpc` (what the gateway pools) are nameko's standalone cluster
proxy with three changes: a call whose broker connection is lost fails at once
with :class:`RpcUnavailable` (retryable) instead of nameko's "This consumer has
been disconnected, and can no longer be used" for every call after; a proxy
checks that its connection is alive before a call and is replaced if not; and a
request is not retried for 12 s against a broker that is down.
"""
from __future__ import annotations

import logging
import socket

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.amqp.publish import DEFAULT_TRANSPORT_OPTIONS, Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import RpcTimeout
from nameko.rpc import MethodProxy, Responder, ServiceProxy, get_rpc_exchange
from nameko.rpc import Rpc as NamekoRpc
from nameko.standalone.rpc import (ClusterProxy, ClusterRpcProxy, ConsumeEvent, PollingQueueConsumer,
                                   SingleThreadedReplyListener)

from services.shared import reconnect  # noqa: F401 (every consumer of the process reconnects within 2 s)
from services.shared.errors import DestekError

log = logging.getLogger(__name__)

TRANSIENT = 1
# What a lost or refused broker connection raises, from py-amqp, kombu or the socket.
BUS_ERRORS = (AmqpConnectionError, OperationalError, OSError)
# A request is published again at most twice, within about a second, before the caller hears of it.
REQUEST_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.4, "interval_max": 1}


class RpcUnavailable(Exception):
    """The call did not get through, or its answer was lost with the broker connection: try again shortly."""


class ReplyPublisher(Publisher):
    use_confirms = False
    delivery_mode = TRANSIENT
    # A dict of its own: nameko's Publisher writes ``confirm_publish`` into its class-wide dict on every
    # publish, and a pooled connection made while another publisher had set it would inherit that mode.
    transport_options = {**DEFAULT_TRANSPORT_OPTIONS, "confirm_publish": False}
    retry_policy = REQUEST_RETRY_POLICY


class ReplyResponder(Responder):
    publisher_cls = ReplyPublisher


class Rpc(NamekoRpc):
    """nameko's RPC entrypoint: unconfirmed replies, a lost reply logged, contract errors expected."""

    def __init__(self, expected_exceptions=(), **kwargs):
        if not isinstance(expected_exceptions, tuple):
            expected_exceptions = (expected_exceptions,)
        super().__init__(expected_exceptions=(DestekError, *expected_exceptions), **kwargs)

    def handle_result(self, message, worker_ctx, result, exc_info):
        config = self.container.config
        responder = ReplyResponder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        try:
            result, exc_info = responder.send_response(result, exc_info)
        except Exception as exc:  # raising here would kill the container
            log.warning("the reply to %s could not be sent (%r); its caller will time out or retry",
                        worker_ctx.call_id, exc)
            return result, exc_info  # not acked: the broker gives the request back when it is up again
        ack_quietly(self.rpc_consumer.queue_consumer, message)
        return result, exc_info


rpc = Rpc.decorator


def ack_quietly(queue_consumer, message) -> None:
    """Ack a message; a connection already gone is no error (the broker redelivers what it did not see acked)."""
    try:
        queue_consumer.ack_message(message)
    except Exception as exc:
        log.warning("could not ack a message (%r); the broker will deliver it again", exc)


class _QuietExpectedErrors(logging.Filter):
    """nameko logs an expected error as a WARNING with its traceback: one INFO line is what a 4xx deserves."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("(expected) error handling worker"):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
        return True


def _install_log_filter() -> None:
    logger = logging.getLogger("nameko.containers")
    if not any(isinstance(f, _QuietExpectedErrors) for f in logger.filters):
        logger.addFilter(_QuietExpectedErrors())


_install_log_filter()


# ---- calling side ----

class _FailFastConsumer(PollingQueueConsumer):
    """nameko's polling reply consumer, except that a lost connection fails the call instead of reconnecting."""

    broken = False

    def _setup_consumer(self):
        # nameko's connects with kombu's default of one retry 2 s later: a broker that is down should
        # cost the caller a moment, not 2 s per attempt.
        self.connection.ensure_connection(max_retries=1, interval_start=0.1, interval_step=0.1, interval_max=0.1)
        super()._setup_consumer()

    def get_message(self, correlation_id):
        try:
            while correlation_id not in self.replies:
                self.consumer.connection.drain_events(timeout=self.timeout)
        except socket.timeout:
            self.provider._reply_events.pop(correlation_id).send_exception(RpcTimeout(self.timeout))
            self._setup_consumer()  # as nameko does: a read cut short may have left half a frame
            return
        except BUS_ERRORS as exc:
            # The reply queue goes with the broker (it is not durable): replies to calls made before
            # are lost, and waiting for them would only end in the timeout.
            self.broken = True
            self.provider._reply_events.pop(correlation_id).send_exception(
                RpcUnavailable(f"the connection to the broker was lost: {exc!r}"))
            return
        body, message = self.replies.pop(correlation_id)
        self.provider.handle_message(body, message)


class _ReplyEvent(ConsumeEvent):
    def wait(self):
        try:
            return super().wait()
        except (RuntimeError, *BUS_ERRORS) as exc:  # "This consumer has been disconnected": the proxy is done for
            self.queue_consumer.broken = True
            raise RpcUnavailable(str(exc) or repr(exc)) from exc


class _ReplyListener(SingleThreadedReplyListener):
    def __init__(self, timeout=None):
        super().__init__(timeout=timeout)
        self.queue_consumer = _FailFastConsumer(timeout=timeout)

    def get_reply_event(self, correlation_id):
        reply_event = _ReplyEvent(self.queue_consumer, correlation_id)
        self._reply_events[correlation_id] = reply_event
        return reply_event


class _MethodProxy(MethodProxy):
    def _call(self, *args, **kwargs):
        try:
            return super()._call(*args, **kwargs)
        except BUS_ERRORS as exc:
            self.reply_listener.queue_consumer.broken = True
            raise RpcUnavailable(f"the request could not be sent: {exc!r}") from exc


class _ServiceProxy(ServiceProxy):
    def __getattr__(self, name):
        return _MethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener, **self.options)


class _ClusterProxy(ClusterProxy):
    def __getattr__(self, name):
        if name not in self._proxies:
            self._proxies[name] = _ServiceProxy(self._worker_ctx, name, self._reply_listener,
                                                retry_policy=REQUEST_RETRY_POLICY)
        return self._proxies[name]


class StandaloneRpc(ClusterRpcProxy):
    """nameko's ``ClusterRpcProxy`` whose calls fail with :class:`RpcUnavailable` when the broker goes.

    ``proxy = StandaloneRpc(config, timeout=30).start()``, then ``proxy.tickets.get_ticket(...)``;
    ``alive()`` says whether it can still be used (else stop it and start another).
    """

    def __init__(self, config, *, timeout: float):
        super().__init__(config, timeout=timeout, reply_listener_cls=_ReplyListener)
        self._proxy = _ClusterProxy(self._worker_ctx, self._reply_listener)

    def start(self):
        try:
            return super().start()
        except BUS_ERRORS as exc:
            raise RpcUnavailable(f"cannot reach the broker: {exc!r}") from exc

    def stop(self):
        try:
            super().stop()
        except Exception as exc:  # a dead connection is closed already
            log.debug("closing an RPC proxy: %r", exc)

    def alive(self) -> bool:
        """Whether its reply connection still stands (a connection the broker closed is noticed here)."""
        consumer = self._reply_listener.queue_consumer
        if consumer.broken or consumer.stopped:
            return False
        return connection_alive(consumer.connection)


def connection_alive(connection) -> bool:
    """Whether a kombu connection's socket is still open, without waiting: peeks at it, reads what is there."""
    if not connection.connected:
        return False
    sock = getattr(connection.connection, "sock", None)
    raw = getattr(sock, "fd", sock)  # eventlet's green socket would wait for data: ask the real one
    try:
        waiting = raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True  # open, nothing to read
    except OSError:
        return False
    if not waiting:
        return False  # the broker closed it
    try:  # a frame is waiting: a reply nobody asked for, or the broker's connection.close
        connection.drain_events(timeout=0.05)
    except socket.timeout:
        pass
    except Exception:
        return False
    return True


class RpcClient:
    """One caller's RPC client that replaces its proxy when the broker connection is lost.

    ``client.proxy().tickets.receive_messages.call_async(batch)``; a call on a lost connection
    raises :class:`RpcUnavailable` (also from ``result()``), and the next ``proxy()`` connects anew.
    """

    def __init__(self, config: dict, *, timeout: float):
        self.config, self.timeout = config, timeout
        self._runner: StandaloneRpc | None = None
        self._proxy = None

    def proxy(self):
        """A live cluster proxy: ``.proxy().<service>.<method>(...)``."""
        if self._runner is not None and not self._runner.alive():
            log.warning("the RPC connection to the broker was lost; connecting again")
            self.stop()
        if self._runner is None:
            runner = StandaloneRpc(self.config, timeout=self.timeout)
            self._proxy = runner.start()
            self._runner = runner
        return self._proxy

    def stop(self) -> None:
        runner, self._runner, self._proxy = self._runner, None, None
        if runner is not None:
            runner.stop()
