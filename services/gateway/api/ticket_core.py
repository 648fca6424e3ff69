"""``/api/v1/tickets``: open, change, move and delete tickets, and read their history.

The tickets service checks every field and every right; the gateway only
hands over the caller, the path and the JSON body.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("ticket_core", __name__)


@blueprint.post("/tickets")
@login_required
def create_ticket():
    """``{"subject", "priority", "department_id", "customer": {"name", "email", "phone"}, "message"?}`` → 201."""
    return jsonify(rpc().tickets.create_ticket(g.user_id, json_body())), 201


@blueprint.patch("/tickets/<number>")
@login_required
def update_ticket(number):
    """``{"status": "in_progress", "priority": 2, "assignee_id": 7, "stage_id": 3}`` → the ticket."""
    return jsonify(rpc().tickets.update_ticket(g.user_id, number, json_body()))


@blueprint.delete("/tickets/<number>")
@login_required
def delete_ticket(number):
    """Delete for good (owners, the department's managers) → 204."""
    rpc().tickets.delete_ticket(g.user_id, number)
    return "", 204


@blueprint.get("/tickets/<number>/history")
@login_required
def ticket_history(number):
    """``{"ticket_number", "items": [{"at", "actor", "actor_name", "field", "old", "new"}]}``, oldest first."""
    return jsonify(rpc().tickets.get_ticket_history(g.user_id, number))


@blueprint.post("/tickets/<number>/move")
@login_required
def move_ticket(number):
    """``{"stage_id": 7}``: move the Kanban card → the ticket."""
    body = json_body()
    return jsonify(rpc().tickets.move_ticket(g.user_id, number, body.get("stage_id")))
