"""``/api/v1/audit``: the audit trail, for owners."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.gateway.api.common import login_required, rpc

blueprint = Blueprint("audit", __name__)
FILTERS = ("actor", "action", "object_type", "object_id", "from", "to", "limit", "cursor")


@blueprint.get("/audit")
@login_required
def list_audit():
    """``?actor=3&action=deleted&object_type=customer&from=2026-11-01&to=...&limit=50&cursor=...``
    → ``{"items": [...], "next_cursor": 123 | null}``, newest first."""
    filters = {name: request.args[name] for name in FILTERS if name in request.args}
    return jsonify(rpc().tickets.list_audit(g.user_id, filters))
