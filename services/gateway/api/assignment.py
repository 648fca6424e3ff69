"""Automatic assignment: ``/api/v1/departments/{id}/assignment``, ``/api/v1/users/me/availability`` and
``/api/v1/users/{id}/hand-back``. The tickets service decides who may do what."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body_only, login_required, rpc

blueprint = Blueprint("assignment", __name__)


@blueprint.get("/departments/<int:department_id>/assignment")
@login_required
def get_assignment(department_id):
    """``{"department_id": 1, "mode": "round_robin", "max_open_per_agent": 20, "unassigned_open": 3}``."""
    return jsonify(rpc().tickets.get_department_assignment(g.user_id, department_id))


@blueprint.put("/departments/<int:department_id>/assignment")
@login_required
def put_assignment(department_id):
    """``{"mode": "least_open", "max_open_per_agent": 20}``: owners and the department's managers."""
    body = json_body_only("mode", "max_open_per_agent")
    return jsonify(rpc().tickets.set_department_assignment(g.user_id, department_id, body))


@blueprint.put("/users/me/availability")
@login_required
def put_availability():
    """``{"status": "away", "away_until": "2026-12-20T09:00:00+03:00"}``: the caller's own availability."""
    return jsonify(rpc().tickets.set_availability(g.user_id, json_body_only("status", "away_until")))


@blueprint.post("/users/<int:user_id>/hand-back")
@login_required
def hand_back(user_id):
    """``{"to_user_id": 7}`` or ``{"to_user_id": null}`` (the pool): every open ticket of the user, in one action."""
    return jsonify(rpc().tickets.hand_back_tickets(g.user_id, user_id, json_body_only("to_user_id")))
