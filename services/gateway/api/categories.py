"""``/api/v1/categories``: the category tree everyone picks from and owners define."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("categories", __name__)


@blueprint.get("/categories")
@login_required
def list_categories():
    """``{"items": [{"id", "name", "position", "children": [{"id", "name", "position"}]}]}``."""
    return jsonify({"items": rpc().tickets.list_categories(g.user_id)})


@blueprint.post("/categories")
@login_required
def create_category():
    """``{"name": "Gecikme", "parent_id": 3}`` → 201."""
    return jsonify(rpc().tickets.create_category(g.user_id, json_body())), 201


@blueprint.patch("/categories/<int:category_id>")
@login_required
def update_category(category_id):
    """``{"name": "Fatura", "position": 0}``."""
    return jsonify(rpc().tickets.update_category(g.user_id, category_id, json_body()))


@blueprint.delete("/categories/<int:category_id>")
@login_required
def delete_category(category_id):
    rpc().tickets.delete_category(g.user_id, category_id)
    return "", 204
