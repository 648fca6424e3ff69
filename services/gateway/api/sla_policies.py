"""``/api/v1/sla/policies`` and ``/api/v1/departments/{id}/calendar``: everyone reads them; owners change them.

Whether the caller may change them is sla's to decide: this forwards the
caller as tickets describes them (as reports does), and the department only
once tickets has found it.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("sla_policies", __name__)
DEFAULT = 0  # sla keeps the organisation's default policy as department 0


@blueprint.get("/sla/policies")
@login_required
def list_policies():
    """``{"default": {"targets": {"1": {"first_response_minutes": 15, ...}}, ...}, "departments": {"5": {...}}}``."""
    return jsonify(rpc().sla.get_policies())


@blueprint.put("/sla/policies")
@login_required
def set_default_policy():
    """``{"targets": {"1": {"resolution_minutes": 90}}, "pause_on_hold": true, "warn_percent": 75}`` (owners)."""
    return jsonify(rpc().sla.set_policy(rpc().tickets.get_user(g.user_id), DEFAULT, json_body()))


@blueprint.get("/sla/policies/<int:department_id>")
@login_required
def get_department_policy(department_id):
    """The policy of the department's new tickets; ``inherited`` when it is the default one."""
    _department(department_id)
    return jsonify(rpc().sla.get_policy(department_id))


@blueprint.put("/sla/policies/<int:department_id>")
@login_required
def set_department_policy(department_id):
    """The department's own policy (owners); fields left out keep their value."""
    body = json_body()
    _department(department_id)
    return jsonify(rpc().sla.set_policy(rpc().tickets.get_user(g.user_id), department_id, body))


@blueprint.get("/departments/<int:department_id>/calendar")
@login_required
def get_calendar(department_id):
    """``{"department_id", "inherited", "always_open", "timezone", "turkish_public_holidays", "hours", "closed_days"}``."""
    _department(department_id)
    return jsonify(rpc().sla.get_calendar(department_id))


@blueprint.put("/departments/<int:department_id>/calendar")
@login_required
def set_calendar(department_id):
    """The department's whole working calendar (owners)."""
    body = json_body()
    _department(department_id)
    return jsonify(rpc().sla.set_calendar(rpc().tickets.get_user(g.user_id), department_id, body))


def _department(department_id: int) -> None:
    rpc().tickets.get_department(g.user_id, department_id)  # NotFound (404) when there is no such department
