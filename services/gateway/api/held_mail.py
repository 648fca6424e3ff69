"""``/api/v1/held-mail``: inbound mail kept aside (a sender's mail storm, or unusable), for managers to release."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import login_required, rpc, single_query_args

blueprint = Blueprint("held_mail", __name__)


@blueprint.get("/held-mail")
@login_required
def list_held_mail():
    """``?status=held|released`` → ``{"items": [{"id", "reason": "rate_limited"|"failed", "from_email", ...}]}``."""
    status = single_query_args("status").get("status", "held")
    return jsonify({"items": rpc().tickets.list_held_messages(g.user_id, status)})


@blueprint.post("/held-mail/<int:held_id>/release")
@login_required
def release_held_mail(held_id):
    """Let a held mail into its ticket (past the rate limit) → ``{"status", "ticket_number", "message_id"}``."""
    return jsonify(rpc().tickets.release_held_message(g.user_id, held_id))
