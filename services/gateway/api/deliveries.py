"""``/api/v1/deliveries``: how outgoing mail is doing at each destination, for owners."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import login_required, rpc
from services.shared.errors import Forbidden

blueprint = Blueprint("deliveries", __name__)


@blueprint.get("/deliveries/destinations")
@login_required
def list_destinations():
    """``{"items": [{"destination": "smtp:department:2", "state": "failing", "failing_since",
    "last_error", "deliveries_waiting", "next_attempt_at", ...}]}``, failing destinations first."""
    if not rpc().tickets.get_user(g.user_id)["is_owner"]:
        raise Forbidden("Teslimat hedeflerini yalnızca sahipler görebilir / "
                        "delivery destinations are shown to owners only")
    return jsonify({"items": rpc().notify.list_destinations()})
