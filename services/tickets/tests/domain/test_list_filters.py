"""Reading a ticket list request: every parameter is checked and named when it is wrong."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.shared.errors import InvalidInput
from services.tickets.domain.list_filters import (ISTANBUL, SORTS, decode_card_cursor,
                                                  decode_cursor, encode_card_cursor, encode_cursor,
                                                  read_list_request)


def refused(raw: dict) -> str:
    with pytest.raises(InvalidInput) as bad:
        read_list_request(raw)
    return bad.value.field


def test_a_request_without_parameters_lists_fifty_newest_activity_first():
    request = read_list_request({})
    assert request.limit == 50 and request.sort.name == "-updated" and request.after is None


def test_several_statuses_and_priorities_may_be_asked_for_at_once():
    request = read_list_request({"status": "open,pending", "priority": "1,2"})
    assert request.statuses == ("open", "pending") and request.priorities == (1, 2)


def test_each_wrong_parameter_is_named():
    assert refused({"status": "opened"}) == "status"
    assert refused({"priority": "5"}) == "priority"
    assert refused({"department_id": "abc"}) == "department_id"
    assert refused({"stage_id": "99999999999"}) == "stage_id"
    assert refused({"created_from": "yesterday"}) == "created_from"
    assert refused({"sort": "subject"}) == "sort"
    assert refused({"limit": "0"}) == "limit"
    assert refused({"offset": "100000"}) == "offset"
    assert refused({"assignee": "someone"}) == "assignee"
    assert refused({"colour": "red"}) == "colour"
    assert refused({"q": "a\x00b"}) == "q"


def test_a_number_parameter_must_be_written_as_one_not_merely_be_readable_by_int():
    for written in (" 5", "5 ", "+5", "1_0", "５", "٥", "5.0", "0x5", "9" * 5000):
        assert refused({"limit": written}) == "limit", written
    assert read_list_request({"limit": "5"}).limit == 5 and read_list_request({"offset": "0"}).offset == 0


def test_a_date_filter_covers_the_whole_istanbul_day():
    request = read_list_request({"created_from": "2026-11-22", "created_to": "2026-11-22"})
    start = datetime(2026, 11, 22, tzinfo=ISTANBUL)
    assert request.times == {"created_from": start, "created_to": start + timedelta(days=1)}


def test_an_exact_upper_time_includes_that_moment():
    moment = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    request = read_list_request({"updated_to": moment.isoformat()})
    assert request.times["updated_to"] > moment


def test_assignee_may_be_a_user_mine_unassigned_or_ai():
    assert [read_list_request({"assignee": a}).assignee for a in ("7", "mine", "unassigned", "ai")] == \
        [7, "mine", "unassigned", "ai"]


def test_a_cursor_carries_the_last_row_of_its_sort_and_no_other():
    moment = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    token = encode_cursor(SORTS["-updated"], moment, 42)
    assert decode_cursor(token, SORTS["-updated"]) == (moment, 42)
    assert read_list_request({"cursor": token}).after == (moment, 42)
    assert refused({"cursor": token, "sort": "created"}) == "cursor"
    assert refused({"cursor": "not-a-cursor"}) == "cursor"


def test_a_card_cursor_round_trips_and_refuses_forgeries():
    moment = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    assert decode_card_cursor(encode_card_cursor(2, moment, 9)) == (2, moment, 9)
    with pytest.raises(InvalidInput):
        decode_card_cursor(encode_cursor(SORTS["priority"], 2, 9))
