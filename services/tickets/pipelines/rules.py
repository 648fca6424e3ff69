"""Pipelines and their stages: the two pipeline types and the rules for moving a ticket between stages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PIPELINE_TYPES = ("sales", "service")
DEFAULT_PIPELINES = (
    ("Satış", "sales", ("Lead", "Qualified", "Proposal", "Won", "Lost")),
    ("Servis", "service", ("New", "In progress", "Waiting", "Done")),
)
SECONDS_PER_DAY = 86400


class MoveRefused(ValueError):
    """A stage change the pipeline rules do not allow; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "stage_id"):
        super().__init__(message)
        self.message, self.field = message, field


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
        raise MoveRefused(
            f"this is a {current_pipeline_type} ticket and {target.pipeline_name or 'that pipeline'} is a "
            f"{target.pipeline_type} pipeline; change the ticket's pipeline from the ticket itself, "
            f"choosing a stage of the new pipeline")


def check_stage_change(current_pipeline_id: int | None, new_pipeline_id: int | None,
                       target: StagePlace | None) -> None:
    """Changing a ticket's pipeline needs a stage of the new pipeline; a stage alone stays in the current one."""
    if new_pipeline_id is not None and new_pipeline_id != current_pipeline_id and target is None:
        raise MoveRefused("changing the pipeline requires a stage of the new pipeline", "stage_id")
    if target is None:
        return
    expected = new_pipeline_id if new_pipeline_id is not None else current_pipeline_id
    if expected is not None and target.pipeline_id != expected:
        if new_pipeline_id is None:
            raise MoveRefused(f"stage {target.stage_id} belongs to another pipeline; to change pipeline, "
                              f"send pipeline_id with a stage of that pipeline")
        raise MoveRefused(f"stage {target.stage_id} is not a stage of pipeline {new_pipeline_id}")


def check_pipeline_type(value) -> str:
    """``"sales"`` or ``"service"``."""
    if value not in PIPELINE_TYPES:
        raise ValueError("type must be sales or service")
    return value


def reordered(current_ids: list[int], requested_ids) -> list[int]:
    """The requested order, if it names every current item exactly once."""
    if not isinstance(requested_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in requested_ids):
        raise ValueError("give the ids as a list of whole numbers")
    if sorted(requested_ids) != sorted(current_ids):
        raise ValueError("the new order must name every current id exactly once")
    return list(requested_ids)


def whole_days_between(start: datetime | None, end: datetime) -> int | None:
    """Whole days from ``start`` to ``end`` (a card's "3 days in stage"); None when there is no start."""
    if start is None:
        return None
    return max(0, int((end - start).total_seconds() // SECONDS_PER_DAY))
