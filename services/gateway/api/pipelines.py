"""``/api/v1/pipelines``: pipelines and their stages (owners change them) and each pipeline's Kanban board."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.gateway.api.common import json_body, login_required, query_args, rpc

blueprint = Blueprint("pipelines", __name__)


@blueprint.get("/pipelines")
@login_required
def list_pipelines():
    """``{"items": [{"id", "name", "type", "position", "stages": [...]}]}``."""
    return jsonify({"items": rpc().tickets.list_pipelines(g.user_id)})


@blueprint.post("/pipelines")
@login_required
def create_pipeline():
    """``{"name": "Kurumsal", "type": "sales", "stages": ["Lead", "Won"]}`` → 201."""
    return jsonify(rpc().tickets.create_pipeline(g.user_id, json_body())), 201


@blueprint.post("/pipelines/reorder")
@login_required
def reorder_pipelines():
    """``{"pipeline_ids": [2, 1]}`` → ``{"items": [...]}`` in the new order."""
    return jsonify({"items": rpc().tickets.reorder_pipelines(g.user_id, json_body())})


@blueprint.get("/pipelines/<int:pipeline_id>")
@login_required
def get_pipeline(pipeline_id):
    return jsonify(rpc().tickets.get_pipeline(g.user_id, pipeline_id))


@blueprint.patch("/pipelines/<int:pipeline_id>")
@login_required
def update_pipeline(pipeline_id):
    """``{"name": "...", "type": "sales"}`` (type only while no ticket is in it)."""
    return jsonify(rpc().tickets.update_pipeline(g.user_id, pipeline_id, json_body()))


@blueprint.delete("/pipelines/<int:pipeline_id>")
@login_required
def delete_pipeline(pipeline_id):
    rpc().tickets.delete_pipeline(g.user_id, pipeline_id)
    return "", 204


@blueprint.post("/pipelines/<int:pipeline_id>/stages")
@login_required
def add_stage(pipeline_id):
    """``{"name": "Negotiation", "position": 2}`` → 201 with the pipeline."""
    return jsonify(rpc().tickets.add_stage(g.user_id, pipeline_id, json_body())), 201


@blueprint.post("/pipelines/<int:pipeline_id>/stages/reorder")
@login_required
def reorder_stages(pipeline_id):
    """``{"stage_ids": [9, 7, 8]}`` → the pipeline."""
    return jsonify(rpc().tickets.reorder_stages(g.user_id, pipeline_id, json_body()))


@blueprint.patch("/pipelines/<int:pipeline_id>/stages/<int:stage_id>")
@login_required
def update_stage(pipeline_id, stage_id):
    """``{"name": "Teklif"}`` → the pipeline."""
    return jsonify(rpc().tickets.update_stage(g.user_id, pipeline_id, stage_id, json_body()))


@blueprint.delete("/pipelines/<int:pipeline_id>/stages/<int:stage_id>")
@login_required
def delete_stage(pipeline_id, stage_id):
    rpc().tickets.delete_stage(g.user_id, pipeline_id, stage_id)
    return "", 204


@blueprint.get("/pipelines/<int:pipeline_id>/board")
@login_required
def board(pipeline_id):
    """``?stage_id=&cursor=&limit=&department_id=`` → ``{"pipeline", "columns": [{"stage", "count", "cards"}]}``."""
    return jsonify(rpc().tickets.get_board(g.user_id, pipeline_id, query_args()))
