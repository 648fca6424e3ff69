"""``/api/v1/reports``: figures for managers and owners, over the departments they manage."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import login_required, rpc
from services.shared.errors import Forbidden

blueprint = Blueprint("reports", __name__)


@blueprint.get("/reports/summary")
@login_required
def summary():
    """``{"total_tickets", "open_tickets", "avg_first_response_seconds", ...}``."""
    user = rpc().tickets.get_user(g.user_id)
    managed = [int(d) for d, role in user["departments"].items() if role == "manager"]
    if not user["is_owner"] and not managed:
        raise Forbidden("reports are for managers and owners")
    return jsonify(rpc().reports.summary(None if user["is_owner"] else managed))
