"""One error format for every 4xx: ``{"error": {"code", "message", "field"}}``."""
from __future__ import annotations

import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError
from flask import jsonify
from kombu.exceptions import OperationalError as BrokerUnreachable
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from werkzeug.exceptions import HTTPException

from services.shared import errors
from services.shared.rpc import RpcUnavailable

log = logging.getLogger(__name__)

STATUS_OF = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.Unauthenticated: 401,
    errors.Conflict: 409,
    errors.AccountLocked: 423,
}


def error_response(status: int, code: str, message: str, field: str | None = None):
    """The JSON answer for any error the API returns."""
    response = jsonify({"error": {"code": code, "message": message, "field": field}})
    response.status_code = status
    return response


def handle_destek_error(exc: errors.DestekError):
    return error_response(STATUS_OF.get(type(exc), 400), exc.code, exc.message, exc.field)


def handle_http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    response = error_response(exc.code or 500, code, exc.description or exc.name)
    for name, value in exc.get_headers():  # e.g. the Allow header a 405 must carry
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unavailable(exc: Exception):
    log.warning("a service did not answer: %r", exc)
    response = error_response(503, "unavailable", "a service is not answering; try again shortly")
    response.headers["Retry-After"] = "5"
    return response


def handle_remote_error(exc: RemoteError):
    if exc.exc_type == "DataError":
        # The database refused a value the caller sent (a number too large for its column, say).
        log.warning("a service refused a value: %s", exc)
        return error_response(422, "invalid_input", "a value in the request is out of range or malformed")
    log.error("a service failed: %s", exc)
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


def handle_unexpected(exc: Exception):
    """A bug in the gateway itself: logged with its traceback, answered in the one format."""
    log.exception("unexpected error in the gateway: %r", exc)
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


def register(app) -> None:
    """Install the handlers that turn every exception into the one error format."""
    app.register_error_handler(errors.DestekError, handle_destek_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(RpcTimeout, handle_unavailable)
    app.register_error_handler(UnknownService, handle_unavailable)
    # The broker is away (a restart): retryable, so a 503 with Retry-After, not a 500.
    for broker_gone in (RpcUnavailable, BrokerUnreachable, AmqpConnectionError):
        app.register_error_handler(broker_gone, handle_unavailable)
    app.register_error_handler(RemoteError, handle_remote_error)
    app.register_error_handler(Exception, handle_unexpected)
