"""``/api/v1/audit``: the audit trail, for owners."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import login_required, rpc, single_query_args

blueprint = Blueprint("audit", __name__)
FILTERS = ("actor", "action", "object_type", "object_id", "from", "to", "limit", "cursor")


@blueprint.get("/audit")
@login_required
def list_audit():
    """``?actor=3&action=deleted&object_type=customer&from=2026-11-01&to=...&limit=50&cursor=...``
    → ``{"items": [...], "next_cursor": 123 | null}``, newest first."""
    return jsonify(rpc().tickets.list_audit(g.user_id, single_query_args(*FILTERS)))
