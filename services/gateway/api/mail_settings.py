"""``/api/v1/departments/{id}/mail-settings``: owners set where a department's mail is read and sent from."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, rpc

blueprint = Blueprint("mail_settings", __name__)


@blueprint.get("/departments/<int:department_id>/mail-settings")
@login_required
def get_mail_settings(department_id):
    """``{"department_id", "email", "name", "send_acknowledgement", "imap": {..., "password_set"} | null,
    "smtp": {..., "password_set"} | null}`` — passwords never leave the tickets service this way."""
    return jsonify(rpc().tickets.describe_department_mail_settings(g.user_id, department_id))


@blueprint.put("/departments/<int:department_id>/mail-settings")
@login_required
def put_mail_settings(department_id):
    """A partial change: ``{"imap": {"enabled": true, "host": "imap.firma.com", "user": "destek@firma.com",
    "password": "..."}}``; fields left out keep their value, ``"imap": null`` removes the mailbox."""
    return jsonify(rpc().tickets.update_department_mail_settings(g.user_id, department_id, json_body()))
