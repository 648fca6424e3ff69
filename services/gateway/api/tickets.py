"""``/api/v1/tickets``: lists, one ticket with its thread, replies, SLA state."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, query_args, rpc

blueprint = Blueprint("tickets", __name__)


@blueprint.get("/tickets")
@login_required
def list_tickets():
    """``?status=open&q=istanbul&sort=-updated&limit=50&cursor=...`` → ``{"items", "total", "next_cursor"}``."""
    return jsonify(rpc().tickets.list_tickets(g.user_id, query_args()))


@blueprint.get("/tickets/<number>")
@login_required
def get_ticket(number):
    """The ticket with its customer, department and ``messages`` (oldest first)."""
    return jsonify(rpc().tickets.get_ticket(g.user_id, number))


@blueprint.post("/tickets/<number>/replies")
@login_required
def post_reply(number):
    """``{"body": "Merhaba, ...", "attachments": [{"filename", "content_type", "content_base64"}]}`` → 201."""
    body = json_body("body")
    attachments = body.get("attachments")  # optional; tickets checks them (422 naming "attachments")
    return jsonify(rpc().tickets.post_reply(g.user_id, number, body["body"], attachments)), 201


@blueprint.get("/tickets/<number>/sla")
@login_required
def get_ticket_sla(number):
    """The ticket's SLA clocks: ``{"ticket_number", "clocks": [{"kind", "state", "due_at", ...}]}``."""
    ticket = rpc().tickets.get_ticket(g.user_id, number)  # the same access rule as opening the ticket
    return jsonify(rpc().sla.get_ticket_sla(ticket["number"]))  # "#2026-000001" reaches sla as 2026-000001
