"""The pipeline rules: cards keep to their pipeline type, a new pipeline needs one of its stages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.shared.errors import InvalidInput
from services.tickets.pipelines.rules import (StagePlace, check_card_move, check_stage_change, reordered,
                                               whole_days_between)

WON = StagePlace(stage_id=4, pipeline_id=1, pipeline_type="sales", pipeline_name="Satış")
IN_PROGRESS = StagePlace(stage_id=7, pipeline_id=2, pipeline_type="service", pipeline_name="Servis")
OTHER_SERVICE_STAGE = StagePlace(stage_id=12, pipeline_id=3, pipeline_type="service", pipeline_name="Kurumsal")


def test_a_service_card_cannot_be_moved_onto_a_sales_stage():
    with pytest.raises(InvalidInput, match="service ticket and Satış is a sales pipeline") as refused:
        check_card_move("service", WON)
    assert refused.value.field == "stage_id"


def test_a_card_moves_to_any_stage_of_a_pipeline_of_its_own_type():
    check_card_move("service", IN_PROGRESS)
    check_card_move("service", OTHER_SERVICE_STAGE)


def test_a_ticket_on_no_pipeline_may_be_moved_anywhere():
    check_card_move(None, WON)


def test_changing_pipeline_without_a_stage_of_the_new_pipeline_is_refused():
    with pytest.raises(InvalidInput, match="requires a stage of the new pipeline"):
        check_stage_change(current_pipeline_id=2, new_pipeline_id=1, target=None)


def test_changing_pipeline_with_a_stage_of_another_pipeline_is_refused():
    with pytest.raises(InvalidInput, match="not a stage of pipeline 1"):
        check_stage_change(current_pipeline_id=2, new_pipeline_id=1, target=OTHER_SERVICE_STAGE)


def test_changing_pipeline_from_the_ticket_may_cross_pipeline_types():
    check_stage_change(current_pipeline_id=2, new_pipeline_id=1, target=WON)


def test_a_stage_alone_must_belong_to_the_current_pipeline():
    check_stage_change(current_pipeline_id=2, new_pipeline_id=None, target=IN_PROGRESS)
    with pytest.raises(InvalidInput, match="send pipeline_id"):
        check_stage_change(current_pipeline_id=2, new_pipeline_id=None, target=WON)


def test_a_new_order_must_name_every_item_exactly_once():
    assert reordered([1, 2, 3], [3, 1, 2], "stage_ids") == [3, 1, 2]
    for wrong in ([1, 2], [1, 2, 2], [1, 2, 3, 4], "1,2,3", [1, 2, True]):
        with pytest.raises(InvalidInput) as refused:
            reordered([1, 2, 3], wrong, "stage_ids")
        assert refused.value.field == "stage_ids"


def test_days_in_stage_count_whole_days():
    now = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
    assert whole_days_between(now - timedelta(days=2, hours=23), now) == 2
    assert whole_days_between(None, now) is None
