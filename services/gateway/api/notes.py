"""``/api/v1/tickets/{number}/notes``: internal notes, for the team only, newest first."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body_only, login_required, rpc

blueprint = Blueprint("notes", __name__)




@blueprint.get("/tickets/<number>/notes")
@login_required
def list_notes(number):
    """``{"items": [{"id", "body", "author": {"id", "name"}, "created_at", "updated_at", "edited"}]}``."""
    return jsonify(rpc().tickets.list_notes(g.user_id, number))


@blueprint.post("/tickets/<number>/notes")
@login_required
def add_note(number):
    """``{"body": "Müşteri yarın tekrar arayacak."}`` → 201 with the note."""
    return jsonify(rpc().tickets.add_note(g.user_id, number, json_body_only("body").get("body"))), 201


@blueprint.patch("/tickets/<number>/notes/<int:note_id>")
@login_required
def edit_note(number, note_id):
    """``{"body": "..."}``: the author, a manager of the department or an owner."""
    return jsonify(rpc().tickets.edit_note(g.user_id, number, note_id, json_body_only("body").get("body")))


@blueprint.delete("/tickets/<number>/notes/<int:note_id>")
@login_required
def delete_note(number, note_id):
    rpc().tickets.delete_note(g.user_id, number, note_id)
    return "", 204
