"""``/api/v1/auth``: log in for a bearer token, log out, who am I."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway import sessions
from services.gateway.api.common import bearer_token, db, json_body, login_required, rpc

blueprint = Blueprint("auth", __name__)


@blueprint.post("/auth/login")
def login():
    """``{"email": "agent@example.com", "password": "..."}`` → ``{"token", "token_type", "user"}``."""
    body = json_body("email", "password")
    user = rpc().tickets.authenticate(body["email"], body["password"])
    token = sessions.open_session(db(), user["id"])
    db().commit()
    return jsonify({"token": token, "token_type": "Bearer",
                    "idle_timeout_seconds": int(sessions.IDLE_TIMEOUT.total_seconds()), "user": user})


@blueprint.post("/auth/logout")
@login_required
def logout():
    """Revoke the token of this request; the tickets service keeps the logout in the audit trail."""
    sessions.revoke(db(), bearer_token())
    db().commit()
    rpc().tickets.record_logout(g.user_id)
    return "", 204


@blueprint.get("/auth/me")
@login_required
def me():
    """The logged-in user with their department roles."""
    return jsonify(rpc().tickets.get_user(g.user_id))
