"""Pipelines and their stages: the two pipeline types and the rules for moving a ticket between stages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.shared.errors import InvalidInput

PIPELINE_TYPES = ("sales", "service")
DEFAULT_PIPELINES = (
    ("Satış", "sales", ("Lead", "Qualified", "Proposal", "Won", "Lost")),
    ("Servis", "service", ("New", "In progress", "Waiting", "Done")),
)
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class StagePlace:
    """Where a stage sits: its pipeline and that pipeline's type."""
    stage_id: int
    pipeline_id: int
    pipeline_type: str
    pipeline_name: str = ""


def check_card_move(current_pipeline_type: str | None, target: StagePlace) -> None:
    """A card moves to any stage of a pipeline of its own type; a sales card never lands on a service board."""
    if current_pipeline_type is not None and current_pipeline_type != target.pipeline_type:
        raise InvalidInput(
            f"this is a {current_pipeline_type} ticket and {target.pipeline_name or 'that pipeline'} is a "
            f"{target.pipeline_type} pipeline; change the ticket's pipeline from the ticket itself, "
            f"choosing a stage of the new pipeline", "stage_id")


def check_stage_change(current_pipeline_id: int | None, new_pipeline_id: int | None,
                       target: StagePlace | None) -> None:
    """Changing a ticket's pipeline needs a stage of the new pipeline; a stage alone stays in the current one."""
    if new_pipeline_id is not None and new_pipeline_id != current_pipeline_id and target is None:
        raise InvalidInput("changing the pipeline requires a stage of the new pipeline", "stage_id")
    if target is None:
        return
    expected = new_pipeline_id if new_pipeline_id is not None else current_pipeline_id
    if expected is not None and target.pipeline_id != expected:
        if new_pipeline_id is None:
            raise InvalidInput(f"stage {target.stage_id} belongs to another pipeline; to change pipeline, "
                               f"send pipeline_id with a stage of that pipeline", "stage_id")
        raise InvalidInput(f"stage {target.stage_id} is not a stage of pipeline {new_pipeline_id}", "stage_id")


def check_pipeline_type(value) -> str:
    """``"sales"`` or ``"service"``."""
    if value not in PIPELINE_TYPES:
        raise InvalidInput("type must be sales or service", "type")
    return value


def reordered(current_ids: list[int], requested_ids, field: str) -> list[int]:
    """The requested order, if it names every current item exactly once; else InvalidInput naming ``field``."""
    if not isinstance(requested_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in requested_ids):
        raise InvalidInput("give the ids as a list of whole numbers", field)
    if sorted(requested_ids) != sorted(current_ids):
        raise InvalidInput("the new order must name every current id exactly once", field)
    return list(requested_ids)


def whole_days_between(start: datetime | None, end: datetime) -> int | None:
    """Whole days from ``start`` to ``end`` (a card's "3 days in stage"); None when there is no start."""
    if start is None:
        return None
    return max(0, int((end - start).total_seconds() // SECONDS_PER_DAY))
