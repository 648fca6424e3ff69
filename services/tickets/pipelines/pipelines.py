"""Pipelines and stages as owners define them: create, rename, reorder, delete (only when empty)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.shared.errors import Conflict, InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer, check_is_owner
from services.tickets.audit import record_audit
from services.tickets.models import Pipeline, Stage, Ticket
from services.tickets.pipelines.rules import DEFAULT_PIPELINES, check_pipeline_type, reordered

MAX_NAME = 100
MAX_STAGES = 30
OWNERS_ONLY = "only owners may change pipelines and stages"


def pipeline_dict(session: Session, pipeline: Pipeline) -> dict:
    """``{"id", "name", "type", "position", "stages": [{"id", "name", "position"}]}``."""
    return {"id": pipeline.id, "name": pipeline.name, "type": pipeline.type, "position": pipeline.position,
            "stages": [{"id": s.id, "name": s.name, "position": s.position} for s in stages_of(session, pipeline.id)]}


def stages_of(session: Session, pipeline_id: int) -> list[Stage]:
    return list(session.scalars(select(Stage).where(Stage.pipeline_id == pipeline_id)
                                .order_by(Stage.position, Stage.id)))


def list_pipelines(session: Session) -> list[dict]:
    """Every pipeline in the owners' order, with its stages in order."""
    return [pipeline_dict(session, p) for p in session.scalars(select(Pipeline).order_by(Pipeline.position,
                                                                                          Pipeline.id))]


def find_pipeline(session: Session, pipeline_id) -> Pipeline:
    pipeline = session.get(Pipeline, payload.row_id(pipeline_id, "pipeline_id", what="pipeline"))
    if pipeline is None:
        raise NotFound(f"pipeline {pipeline_id} does not exist", "pipeline_id")
    return pipeline


def create_pipeline(session: Session, viewer: Viewer, data) -> dict:
    """``{"name": "Kurumsal satış", "type": "sales", "stages": ["Lead", "Won"]}`` (stages optional)."""
    check_is_owner(viewer, OWNERS_ONLY)
    body = payload.body_of(data)
    payload.only_fields(body, ("name", "type", "stages"))
    name = _unique_pipeline_name(session, payload.text(body, "name", required=True, max_length=MAX_NAME))
    kind = check_pipeline_type(body.get("type"))
    position = session.scalar(select(func.coalesce(func.max(Pipeline.position) + 1, 0)))
    pipeline = Pipeline(name=name, type=kind, position=position)
    try:
        with session.begin_nested():
            session.add(pipeline)
    except IntegrityError:  # created under the same name a moment ago
        raise Conflict(f"there is already a pipeline called {name}", "name") from None
    for index, stage_name in enumerate(_stage_names(body.get("stages"))):
        session.add(Stage(pipeline_id=pipeline.id, name=stage_name, position=index))
    session.flush()
    _audit(session, viewer, "created", "pipeline", pipeline.id, {"name": name, "type": kind})
    return pipeline_dict(session, pipeline)


def update_pipeline(session: Session, viewer: Viewer, pipeline_id, data) -> dict:
    """Rename a pipeline, or change its type while no ticket is in it."""
    check_is_owner(viewer, OWNERS_ONLY)
    pipeline = find_pipeline(session, pipeline_id)
    body = payload.body_of(data)
    payload.only_fields(body, ("name", "type"))
    if "name" in body:
        name = payload.text(body, "name", required=True, max_length=MAX_NAME)
        pipeline.name = name if name == pipeline.name else _unique_pipeline_name(session, name)
    if "type" in body and body["type"] != pipeline.type:
        kind = check_pipeline_type(body["type"])
        if _tickets_in(session, Ticket.pipeline_id == pipeline.id):
            raise Conflict("a pipeline's type cannot change while tickets are in it; move them first", "type")
        pipeline.type = kind
    session.flush()
    _audit(session, viewer, "updated", "pipeline", pipeline.id, {k: body[k] for k in body})
    return pipeline_dict(session, pipeline)


def delete_pipeline(session: Session, viewer: Viewer, pipeline_id) -> None:
    """Delete an empty pipeline with its stages."""
    check_is_owner(viewer, OWNERS_ONLY)
    pipeline = find_pipeline(session, pipeline_id)
    count = _tickets_in(session, Ticket.pipeline_id == pipeline.id)
    if count:
        raise Conflict(f"{count} ticket(s) are in pipeline {pipeline.name}; move them first", "pipeline_id")
    _audit(session, viewer, "deleted", "pipeline", pipeline.id, {"name": pipeline.name})
    session.delete(pipeline)
    session.flush()


def reorder_pipelines(session: Session, viewer: Viewer, data) -> list[dict]:
    """``{"pipeline_ids": [2, 1]}``: every pipeline, in the new order."""
    check_is_owner(viewer, OWNERS_ONLY)
    body = payload.body_of(data)
    payload.only_fields(body, ("pipeline_ids",))
    pipelines = {p.id: p for p in session.scalars(select(Pipeline))}
    for position, pipeline_id in enumerate(reordered(list(pipelines), body.get("pipeline_ids"), "pipeline_ids")):
        pipelines[pipeline_id].position = position
    session.flush()
    return list_pipelines(session)


def add_stage(session: Session, viewer: Viewer, pipeline_id, data) -> dict:
    """``{"name": "Negotiation", "position": 2}``: a new stage, at the end unless a position is given."""
    check_is_owner(viewer, OWNERS_ONLY)
    pipeline = find_pipeline(session, pipeline_id)
    body = payload.body_of(data)
    payload.only_fields(body, ("name", "position"))
    stages = stages_of(session, pipeline.id)
    if len(stages) >= MAX_STAGES:
        raise Conflict(f"a pipeline has at most {MAX_STAGES} stages", "pipeline_id")
    name = _unique_stage_name(stages, payload.text(body, "name", required=True, max_length=MAX_NAME))
    position = payload.integer(body, "position", low=0, high=len(stages))
    stage = Stage(pipeline_id=pipeline.id, name=name, position=len(stages))
    session.add(stage)
    session.flush()
    order = [s.id for s in stages]
    order.insert(len(stages) if position is None else position, stage.id)
    _renumber(session, pipeline.id, order)
    _audit(session, viewer, "created", "stage", stage.id, {"pipeline_id": pipeline.id, "name": name})
    return pipeline_dict(session, pipeline)


def update_stage(session: Session, viewer: Viewer, pipeline_id, stage_id, data) -> dict:
    """``{"name": "Teklif"}``: rename a stage."""
    check_is_owner(viewer, OWNERS_ONLY)
    pipeline, stage = _stage(session, pipeline_id, stage_id)
    body = payload.body_of(data)
    payload.only_fields(body, ("name",))
    name = payload.text(body, "name", required=True, max_length=MAX_NAME)
    if name != stage.name:
        stage.name = _unique_stage_name(stages_of(session, pipeline.id), name)
    session.flush()
    _audit(session, viewer, "updated", "stage", stage.id, {"name": name})
    return pipeline_dict(session, pipeline)


def delete_stage(session: Session, viewer: Viewer, pipeline_id, stage_id) -> dict:
    """Delete a stage no ticket is in."""
    check_is_owner(viewer, OWNERS_ONLY)
    pipeline, stage = _stage(session, pipeline_id, stage_id)
    count = _tickets_in(session, Ticket.stage_id == stage.id)
    if count:
        raise Conflict(f"{count} ticket(s) are in stage {stage.name}; move them first", "stage_id")
    _audit(session, viewer, "deleted", "stage", stage.id, {"pipeline_id": pipeline.id, "name": stage.name})
    session.delete(stage)
    session.flush()
    _renumber(session, pipeline.id, [s.id for s in stages_of(session, pipeline.id)])
    return pipeline_dict(session, pipeline)


def reorder_stages(session: Session, viewer: Viewer, pipeline_id, data) -> dict:
    """``{"stage_ids": [9, 7, 8]}``: every stage of the pipeline, in the new order."""
    check_is_owner(viewer, OWNERS_ONLY)
    pipeline = find_pipeline(session, pipeline_id)
    body = payload.body_of(data)
    payload.only_fields(body, ("stage_ids",))
    current = [s.id for s in stages_of(session, pipeline.id)]
    _renumber(session, pipeline.id, reordered(current, body.get("stage_ids"), "stage_ids"))
    return pipeline_dict(session, pipeline)


def ensure_default_pipelines(session: Session) -> None:
    """Create "Satış" (sales) and "Servis" (service) with their stages if they are missing (seeding)."""
    for name, kind, stage_names in DEFAULT_PIPELINES:
        if session.scalar(select(Pipeline.id).where(Pipeline.name == name)) is not None:
            continue
        position = session.scalar(select(func.coalesce(func.max(Pipeline.position) + 1, 0)))
        pipeline = Pipeline(name=name, type=kind, position=position)
        session.add(pipeline)
        session.flush()
        session.add_all(Stage(pipeline_id=pipeline.id, name=s, position=i) for i, s in enumerate(stage_names))
    session.flush()


def _stage(session: Session, pipeline_id, stage_id) -> tuple[Pipeline, Stage]:
    pipeline = find_pipeline(session, pipeline_id)
    stage = session.get(Stage, payload.row_id(stage_id, "stage_id", what="stage"))
    if stage is None or stage.pipeline_id != pipeline.id:
        raise NotFound(f"stage {stage_id} is not a stage of pipeline {pipeline.id}", "stage_id")
    return pipeline, stage


def _renumber(session: Session, pipeline_id: int, order: list[int]) -> None:
    stages = {s.id: s for s in stages_of(session, pipeline_id)}
    for position, stage_id in enumerate(order):
        stages[stage_id].position = position
    session.flush()



def _stage_names(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_STAGES:
        raise InvalidInput(f"stages must be a list of at most {MAX_STAGES} names", "stages")
    names = [payload.text({"stages": v}, "stages", required=True, max_length=MAX_NAME) for v in value]
    if len(set(names)) != len(names):
        raise InvalidInput("stage names must differ within a pipeline", "stages")
    return names


def _unique_pipeline_name(session: Session, name: str) -> str:
    if session.scalar(select(Pipeline.id).where(Pipeline.name == name)) is not None:
        raise Conflict(f"there is already a pipeline called {name}", "name")
    return name


def _unique_stage_name(stages: list[Stage], name: str) -> str:
    if any(s.name == name for s in stages):
        raise Conflict(f"this pipeline already has a stage called {name}", "name")
    return name


def _tickets_in(session: Session, condition) -> int:
    return session.scalar(select(func.count()).select_from(select(Ticket.id).where(condition).limit(1000)
                                                            .subquery()))


def _audit(session: Session, viewer: Viewer, action: str, kind: str, object_id: int, details: dict) -> None:
    record_audit(session, actor_user_id=viewer.user_id, action=action, object_type=kind, object_id=object_id,
                 details=details)
