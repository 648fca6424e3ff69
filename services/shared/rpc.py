"""nameko's ``@rpc``, with replies sent without waiting for the broker's publish confirm.

nameko publishes every RPC reply as a persistent message and waits for
RabbitMQ to confirm it: a second round trip to the broker on every call,
which a reply gains nothing from. The caller's reply queue is exclusive and
not durable, so persistence cannot keep a reply across a broker restart, and
a reply that is lost (caller gone, broker down) ends in the caller's timeout
either way. Requests still go out confirmed: that is how a caller learns that
no service answers to the name it called.

Use ``from services.shared.rpc import rpc`` in place of ``nameko.rpc.rpc``;
both share one consumer per service, so they may be mixed.
"""
from __future__ import annotations

from nameko.amqp.publish import DEFAULT_TRANSPORT_OPTIONS, Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.rpc import Responder, get_rpc_exchange
from nameko.rpc import Rpc as NamekoRpc

TRANSIENT = 1


class ReplyPublisher(Publisher):
    use_confirms = False
    delivery_mode = TRANSIENT
    # A dict of its own: nameko's Publisher writes ``confirm_publish`` into its class-wide dict on every
    # publish, and a pooled connection made while another publisher had set it would inherit that mode.
    transport_options = {**DEFAULT_TRANSPORT_OPTIONS, "confirm_publish": False}


class ReplyResponder(Responder):
    publisher_cls = ReplyPublisher


class Rpc(NamekoRpc):
    def handle_result(self, message, worker_ctx, result, exc_info):
        config = self.container.config
        responder = ReplyResponder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.rpc_consumer.queue_consumer.ack_message(message)
        return result, exc_info


rpc = Rpc.decorator
