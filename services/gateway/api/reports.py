"""``/api/v1/reports``: figures for managers and owners, over the departments they manage."""
from __future__ import annotations

import re

from flask import Blueprint, g, jsonify

from services.gateway.api.common import login_required, rpc, single_query_args
from services.shared.errors import Forbidden, InvalidInput

blueprint = Blueprint("reports", __name__)
DEPARTMENT_ID = re.compile(r"[1-9][0-9]{0,9}")
LARGEST_ID = 2_147_483_647


@blueprint.get("/reports/summary")
@login_required
def summary():
    """``{"total_tickets", "open_tickets", "avg_first_response_seconds", ...}``; ``?department_id=`` narrows it."""
    user = rpc().tickets.get_user(g.user_id)
    managed = [int(d) for d, role in user["departments"].items() if role == "manager"]
    if not user["is_owner"] and not managed:
        raise Forbidden("reports are for managers and owners")
    scope = None if user["is_owner"] else managed
    wanted = single_query_args("department_id").get("department_id")
    if wanted is not None:
        if not DEPARTMENT_ID.fullmatch(wanted) or int(wanted) > LARGEST_ID:
            raise InvalidInput("department_id must be a department's id (a positive whole number)", "department_id")
        if scope is not None and int(wanted) not in scope:
            raise Forbidden(f"you do not manage department {wanted}")
        scope = [int(wanted)]
    return jsonify(rpc().reports.summary(scope))
