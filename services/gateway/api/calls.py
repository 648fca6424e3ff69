"""``/api/v1/calls`` and ``/api/v1/tickets/{number}/calls``: call records and linking them to tickets."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, json_body_only, login_required, rpc, single_query_args

blueprint = Blueprint("calls", __name__)


def _recorded(outcome: dict):
    """201 for a new record, 200 when that provider call id was recorded before."""
    return jsonify(outcome["call"]), 201 if outcome["created"] else 200


@blueprint.get("/tickets/<number>/calls")
@login_required
def list_ticket_calls(number):
    """``{"items": [call, ...], "call_count": 2, "last_call_at": "..."}``, newest first."""
    return jsonify(rpc().tickets.list_ticket_calls(g.user_id, number))


@blueprint.post("/tickets/<number>/calls")
@login_required
def record_ticket_call(number):
    """``{"started_at", "duration_seconds", "outcome": "success", "summary", "provider_call_id"}``."""
    return _recorded(rpc().tickets.record_call(g.user_id, json_body(), number))


@blueprint.get("/calls")
@login_required
def list_calls():
    """Managers and owners: ``?linked=false&customer_id=3&limit=50&offset=0`` → ``{"items", "total"}``."""
    return jsonify(rpc().tickets.list_calls(g.user_id, single_query_args("linked", "customer_id", "limit", "offset")))


@blueprint.post("/calls")
@login_required
def record_call():
    """A call with or without ``ticket_number``; a ``phone`` finds or creates its customer."""
    return _recorded(rpc().tickets.record_call(g.user_id, json_body()))


@blueprint.get("/calls/<int:call_id>")
@login_required
def get_call(call_id):
    return jsonify(rpc().tickets.get_call(g.user_id, call_id))


@blueprint.delete("/calls/<int:call_id>")
@login_required
def delete_call(call_id):
    """Managers of the ticket's department and owners."""
    rpc().tickets.delete_call(g.user_id, call_id)
    return "", 204


@blueprint.post("/calls/<int:call_id>/link")
@login_required
def link_call(call_id):
    """``{"ticket_number": "2026-000001"}`` → the call, now on that ticket."""
    return jsonify(rpc().tickets.link_call(g.user_id, call_id, json_body_only("ticket_number").get("ticket_number")))


@blueprint.post("/calls/<int:call_id>/unlink")
@login_required
def unlink_call(call_id):
    """The call, kept but no longer on any ticket."""
    return jsonify(rpc().tickets.unlink_call(g.user_id, call_id))
