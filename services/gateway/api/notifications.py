"""``/api/v1/notifications``: what the logged-in user was told, read or not; and how they want to be told."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.gateway.api.common import json_body_only, login_required, rpc, single_query_args
from services.shared.errors import InvalidInput

blueprint = Blueprint("notifications", __name__)
BIGGEST_ID = 2 ** 63 - 1


@blueprint.get("/notifications")
@login_required
def list_notifications():
    """``?unread_only=true&limit=50&before_id=120`` → ``{"items": [{"id", "kind", "ticket_number",
    "title": {"tr", "en"}, "link", "created_at", "read", "read_at"}], "unread": 3}``, newest first."""
    return jsonify(rpc().notify.list_notifications(g.user_id, _list_filters()))


@blueprint.post("/notifications/read")
@login_required
def mark_read():
    """``{"ids": [4, 5]}`` or ``{"all": true}`` → ``{"marked": 2, "unread": 1}``."""
    return jsonify(rpc().notify.mark_notifications_read(g.user_id, json_body_only("ids", "all")))


@blueprint.get("/users/me/notification-settings")
@login_required
def get_settings():
    """``{"kinds": {"ticket_assigned": "console_and_email", ...}, "defaults": {...},
    "always_on": ["sla_breached"]}``."""
    return jsonify(rpc().notify.get_notification_settings(g.user_id))


@blueprint.put("/users/me/notification-settings")
@login_required
def update_settings():
    """``{"new_unassigned": "off", "customer_wrote": "console"}`` (kinds left out keep their choice) → the settings."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("istek gövdesi tür: seçim biçiminde bir JSON nesnesi olmalı / "
                           "the request body must be a JSON object of kind: choice", "body")
    return jsonify(rpc().notify.update_notification_settings(g.user_id, body))


def _list_filters() -> dict:
    raw = single_query_args("unread_only", "limit", "before_id")
    filters: dict = {}
    if "unread_only" in raw:
        if raw["unread_only"] not in ("true", "false"):
            raise InvalidInput("unread_only true ya da false olmalı / unread_only must be true or false", "unread_only")
        filters["unread_only"] = raw["unread_only"] == "true"
    for name, high in (("limit", 200), ("before_id", BIGGEST_ID)):
        if name in raw:
            value = raw[name].strip()
            if not (value.isascii() and value.isdigit() and len(value) <= 19 and 1 <= int(value) <= high):
                raise InvalidInput(f"{name} 1 ile {high} arası bir tam sayı olmalı / "
                                   f"{name} must be a whole number from 1 to {high}", name)
            filters[name] = int(value)
    return filters
