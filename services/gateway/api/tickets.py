"""``/api/v1/tickets``: lists, one ticket with its thread, replies, SLA state."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("tickets", __name__)
LIST_FILTERS = ("status", "department_id", "limit", "offset")


@blueprint.get("/tickets")
@login_required
def list_tickets():
    """``?status=open&department_id=1&limit=50&offset=0`` → ``{"items": [...], "total": N}``."""
    filters = {name: request.args[name] for name in LIST_FILTERS if name in request.args}
    return jsonify(rpc().tickets.list_tickets(g.user_id, filters))


@blueprint.get("/tickets/<number>")
@login_required
def get_ticket(number):
    """The ticket with its customer, department and ``messages`` (oldest first)."""
    return jsonify(rpc().tickets.get_ticket(g.user_id, number))


@blueprint.post("/tickets/<number>/replies")
@login_required
def post_reply(number):
    """``{"body": "Merhaba, ..."}`` → 201 with the outbound message; the mail goes out from the department."""
    body = json_body("body")
    return jsonify(rpc().tickets.post_reply(g.user_id, number, body["body"])), 201


@blueprint.get("/tickets/<number>/sla")
@login_required
def get_ticket_sla(number):
    """The ticket's SLA clocks: ``{"ticket_number", "clocks": [{"kind", "state", "due_at", ...}]}``."""
    rpc().tickets.get_ticket(g.user_id, number)  # the same access rule as opening the ticket
    return jsonify(rpc().sla.get_ticket_sla(number))
