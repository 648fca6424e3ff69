"""The ticket status workflow and priorities, as agents and customers meet them."""
from __future__ import annotations

import pytest

from services.shared.contracts.tickets import OPEN_STATUSES, STATUSES
from services.shared.errors import Conflict, InvalidInput
from services.tickets.domain.status import (PRIORITIES, allowed_transitions,
                                            check_priority, check_transition, status_after_agent_reply,
                                            status_after_customer_message)


def test_a_new_ticket_can_go_anywhere_but_back_to_new():
    assert allowed_transitions("new") == {"open", "in_progress", "pending", "on_hold", "resolved", "closed"}


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_active_statuses_move_freely_among_themselves_and_to_resolved_or_closed(current):
    for target in set(STATUSES) - {"new", current}:
        check_transition(current, target)


def test_a_resolved_ticket_is_either_reopened_or_closed():
    assert allowed_transitions("resolved") == {"open", "closed"}
    with pytest.raises(Conflict, match="a resolved ticket cannot be set to pending"):
        check_transition("resolved", "pending")


def test_a_closed_ticket_can_only_be_reopened():
    check_transition("closed", "open")
    with pytest.raises(Conflict, match="a closed ticket cannot be set to pending"):
        check_transition("closed", "pending")


def test_a_refusal_says_from_what_to_what():
    with pytest.raises(Conflict) as refused:
        check_transition("open", "new")
    assert refused.value.field == "status"
    assert str(refused.value) == "an open ticket cannot be set to new"


def test_a_refused_transition_is_a_conflict_over_the_status_for_every_caller():
    with pytest.raises(Conflict) as refused:
        check_transition("closed", "resolved")
    assert refused.value.field == "status"


def test_setting_the_status_a_ticket_already_has_is_harmless():
    for status in STATUSES:
        check_transition(status, status)


def test_unknown_statuses_are_named_whichever_side_they_are_on():
    with pytest.raises(InvalidInput, match="'archived'"):
        check_transition("open", "archived")
    with pytest.raises(InvalidInput, match="'archived'"):
        check_transition("archived", "open")
    with pytest.raises(InvalidInput, match="'Open'"):
        allowed_transitions("Open")


def test_the_first_agent_reply_opens_a_new_ticket_and_changes_nothing_else():
    assert status_after_agent_reply("new") == "open"
    for status in set(STATUSES) - {"new"}:
        assert status_after_agent_reply(status) == status


def test_a_customer_answer_reopens_a_ticket_waiting_on_them_or_resolved():
    assert status_after_customer_message("pending") == "open"
    assert status_after_customer_message("resolved") == "open"


def test_a_customer_message_leaves_working_statuses_and_closed_tickets_alone():
    for status in ("new", "open", "in_progress", "on_hold", "closed"):
        assert status_after_customer_message(status) == status


@pytest.mark.parametrize("given, expected", [(1, 1), (4, 4), ("2", 2), (" 3 ", 3)])
def test_priority_is_one_to_four_from_a_number_or_digits(given, expected):
    assert check_priority(given) == expected
    assert PRIORITIES[expected]


@pytest.mark.parametrize("bad", [0, 5, -1, "high", "", "2.5", 2.0, 2.7, None, True, [1]])
def test_anything_else_is_refused_naming_the_priority(bad):
    with pytest.raises(InvalidInput, match="priority"):
        check_priority(bad)
