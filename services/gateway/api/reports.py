"""``/api/v1/reports``: figures for managers and owners, over the departments they manage.

Who sees which department's figures is the reports service's to decide: this
forwards the caller and the department asked for.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import login_required, rpc, single_query_args

blueprint = Blueprint("reports", __name__)


@blueprint.get("/reports/summary")
@login_required
def summary():
    """``{"total_tickets", "open_tickets", "avg_first_response_seconds", ...}``; ``?department_id=`` narrows it."""
    viewer = rpc().tickets.get_user(g.user_id)
    return jsonify(rpc().reports.summary(viewer, single_query_args("department_id").get("department_id")))
