"""``/api/v1/users``: owners create, edit, deactivate and delete users and set their department roles."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("users", __name__)


@blueprint.get("/users")
@login_required
def list_users():
    return jsonify(rpc().tickets.list_users(g.user_id))


@blueprint.post("/users")
@login_required
def create_user():
    """``{"email", "name", "password", "is_owner": false, "departments": {"1": "agent"}}`` → 201."""
    return jsonify(rpc().tickets.create_user(g.user_id, json_body())), 201


@blueprint.get("/users/<int:user_id>")
@login_required
def get_user(user_id):
    return jsonify(rpc().tickets.get_user_account(g.user_id, user_id))


@blueprint.patch("/users/<int:user_id>")
@login_required
def update_user(user_id):
    """Any of ``{"email", "name", "password", "is_owner", "is_active", "departments"}``."""
    return jsonify(rpc().tickets.update_user(g.user_id, user_id, json_body()))


@blueprint.delete("/users/<int:user_id>")
@login_required
def delete_user(user_id):
    """Only a user who has left no traces; 409 otherwise (deactivate them instead)."""
    rpc().tickets.delete_user(g.user_id, user_id)
    return "", 204
