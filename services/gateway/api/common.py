"""What every API endpoint uses: the request's RPC proxy and session, the caller, the JSON body."""
from __future__ import annotations

import functools

from flask import current_app, g, request

from services.gateway import sessions
from services.shared.errors import InvalidInput, Unauthenticated


def rpc():
    """This request's RPC proxy, taken from the pool on first use."""
    if "rpc" not in g:
        g.rpc = current_app.extensions["destek.rpc"].acquire()
    return g.rpc


def db():
    """This request's session of the gateway's own schema."""
    if "db" not in g:
        g.db = current_app.extensions["destek.sessions"]()
    return g.db


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send the token from /api/v1/auth/login as 'Authorization: Bearer <token>'",
                              "Authorization")
    return token.strip()


def login_required(view):
    """Refuse requests without a live session; sets ``g.user_id``."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user_id = sessions.user_of_token(db(), bearer_token())
        db().commit()
        if user_id is None:
            raise Unauthenticated("your session has ended or the token is unknown; log in again",
                                  "Authorization")
        g.user_id = user_id
        return view(*args, **kwargs)
    return wrapper


def json_body(*required: str) -> dict:
    """The request's JSON object, with each required field present and non-empty."""
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("the request body must be a JSON object", "body")
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object, not a list or a value", "body")
    for name in required:
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidInput(f"{name} is required", name)
        if not isinstance(value, str):
            raise InvalidInput(f"{name} must be a string", name)
    return body


def json_body_only(*names: str) -> dict:
    """The JSON body, refusing fields this endpoint does not know."""
    body = json_body()
    for name in body:
        if name not in names:
            raise InvalidInput(f"{name} cannot be set here; known fields: {', '.join(names)}", str(name)[:100])
    return body


def query_args() -> dict[str, str]:
    """The query string as one value per name; repeated names (``status=open&status=new``) join with commas."""
    return {name: ",".join(values) for name, values in request.args.lists()}


def single_query_args(*names: str) -> dict[str, str]:
    """These query parameters, each sent at most once: a repeated one is refused rather than half-read."""
    found = {}
    for name in names:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise InvalidInput(f"{name} may be given only once", name)
        if values:
            found[name] = values[0]
    return found
