"""``/api/v1/customers``: find, read, create, edit, delete and merge customers; their ticket history."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc, single_query_args
from services.shared.errors import InvalidInput

blueprint = Blueprint("customers", __name__)


@blueprint.get("/customers")
@login_required
def list_customers():
    """``?q=0555 123 45 67&limit=50&offset=0`` → ``{"items": [...], "total": N}`` (name, email or phone)."""
    return jsonify(rpc().tickets.list_customers(g.user_id, single_query_args("q", "limit", "offset")))


@blueprint.post("/customers")
@login_required
def create_customer():
    """``{"name": "Ayşe Yılmaz", "email": "ayse@example.com", "phone": "0555 123 45 67"}`` → 201."""
    return jsonify(rpc().tickets.create_customer(g.user_id, json_body())), 201


@blueprint.get("/customers/<int:customer_id>")
@login_required
def get_customer(customer_id):
    """The customer with contacts, ``ticket_count`` and ``last_contact_at``."""
    return jsonify(rpc().tickets.get_customer(g.user_id, customer_id))


@blueprint.patch("/customers/<int:customer_id>")
@login_required
def update_customer(customer_id):
    """Any of ``{"name", "email", "phone", "contacts": [{"kind": "email", "value": "..."}]}``."""
    return jsonify(rpc().tickets.update_customer(g.user_id, customer_id, json_body()))


@blueprint.delete("/customers/<int:customer_id>")
@login_required
def delete_customer(customer_id):
    """Managers and owners; 409 while the customer has tickets or calls."""
    rpc().tickets.delete_customer(g.user_id, customer_id)
    return "", 204


@blueprint.post("/customers/<int:customer_id>/merge")
@login_required
def merge_customer(customer_id):
    """``{"into": 7}``: this customer's tickets, calls and contacts move to customer 7 → customer 7."""
    body = json_body()
    if set(body) - {"into"}:
        raise InvalidInput("only into can be sent to merge customers", sorted(set(body) - {"into"})[0][:100])
    return jsonify(rpc().tickets.merge_customers(g.user_id, customer_id, body.get("into")))


@blueprint.get("/customers/<int:customer_id>/tickets")
@login_required
def list_customer_tickets(customer_id):
    """``{"items": [ticket, ...], "total": N, "last_contact_at": "..."}``, newest first."""
    return jsonify(rpc().tickets.list_customer_tickets(g.user_id, customer_id, single_query_args("limit", "offset")))
