"""``/api/v1/departments``: everyone reads them; owners create, edit and delete them."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("departments", __name__)


@blueprint.get("/departments")
@login_required
def list_departments():
    """``{"items": [{"id", "name", "email", "is_default", "send_acknowledgement", "created_at"}]}``."""
    return jsonify(rpc().tickets.describe_departments(g.user_id))


@blueprint.post("/departments")
@login_required
def create_department():
    """``{"name": "Muhasebe", "email": "muhasebe@firma.com", "is_default": false}`` → 201."""
    return jsonify(rpc().tickets.create_department(g.user_id, json_body())), 201


@blueprint.get("/departments/<int:department_id>")
@login_required
def get_department(department_id):
    return jsonify(rpc().tickets.get_department(g.user_id, department_id))


@blueprint.patch("/departments/<int:department_id>")
@login_required
def update_department(department_id):
    return jsonify(rpc().tickets.update_department(g.user_id, department_id, json_body()))


@blueprint.delete("/departments/<int:department_id>")
@login_required
def delete_department(department_id):
    """Not the default department, and not one that holds tickets (409)."""
    rpc().tickets.delete_department(g.user_id, department_id)
    return "", 204
