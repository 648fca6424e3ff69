"""The pure rules of automatic assignment, as sentences."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.shared.errors import InvalidInput
from services.tickets.assignment.rules import (Agent, Policy, Turn, after_choice, check_availability, check_mode,
                                               choose_agent, choose_many, is_available)

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
ROUND_ROBIN, LEAST_OPEN = Policy("round_robin", None), Policy("least_open", None)


def agents(*specs) -> tuple[Agent, ...]:
    return tuple(Agent(user_id=u, available=a, open_tickets=n) for u, a, n in specs)


def test_a_department_set_off_assigns_nobody():
    assert choose_agent(policy=Policy("off", None), turn=Turn(agents((1, True, 0)), None)) is None


def test_round_robin_starts_with_the_first_agent_by_id():
    assert choose_agent(policy=ROUND_ROBIN, turn=Turn(agents((7, True, 5), (3, True, 9)), None)) == 3


def test_round_robin_gives_the_ticket_to_the_agent_after_the_last_one():
    assert choose_agent(policy=ROUND_ROBIN, turn=Turn(agents((3, True, 0), (7, True, 0), (9, True, 0)), 3)) == 7


def test_round_robin_wraps_around_after_the_last_agent():
    assert choose_agent(policy=ROUND_ROBIN, turn=Turn(agents((3, True, 0), (7, True, 0)), 7)) == 3


def test_round_robin_goes_on_after_a_cursor_whose_agent_has_left():
    assert choose_agent(policy=ROUND_ROBIN, turn=Turn(agents((3, True, 0), (9, True, 0)), 5)) == 9


def test_an_away_agent_is_skipped():
    assert choose_agent(policy=ROUND_ROBIN, turn=Turn(agents((3, True, 0), (7, False, 0), (9, True, 0)), 3)) == 9


def test_an_agent_at_the_cap_is_skipped():
    capped = Policy("round_robin", 2)
    assert choose_agent(policy=capped, turn=Turn(agents((3, True, 2), (7, True, 1)), None)) == 7


def test_nobody_available_under_the_cap_leaves_the_ticket_unassigned():
    turn = Turn(agents((3, False, 0), (7, True, 4)), None)
    assert choose_agent(policy=Policy("least_open", 4), turn=turn) is None
    assert choose_agent(policy=ROUND_ROBIN, turn=Turn((), None)) is None


def test_least_open_gives_the_ticket_to_the_agent_with_fewest_open_tickets():
    assert choose_agent(policy=LEAST_OPEN, turn=Turn(agents((3, True, 4), (7, True, 1), (9, True, 2)), None)) == 7


def test_least_open_breaks_a_tie_round_the_cursor():
    assert choose_agent(policy=LEAST_OPEN, turn=Turn(agents((3, True, 1), (7, True, 1), (9, True, 1)), 3)) == 7


def test_after_a_choice_the_agent_has_one_more_ticket_and_the_cursor_is_on_them():
    turn = after_choice(Turn(agents((3, True, 0), (7, True, 0)), None), 3)
    assert turn.last_assigned_user_id == 3 and turn.agents[0].open_tickets == 1


def test_round_robin_over_many_tickets_spreads_them_within_one_of_even():
    chosen, turn = choose_many(policy=ROUND_ROBIN, turn=Turn(agents((3, True, 0), (7, True, 0), (9, True, 0)), None),
                               count=10)
    assert [chosen.count(u) for u in (3, 7, 9)] == [4, 3, 3] and turn.last_assigned_user_id == 3


def test_least_open_fills_up_the_least_loaded_agent_first():
    chosen, _ = choose_many(policy=LEAST_OPEN, turn=Turn(agents((3, True, 3), (7, True, 0)), None), count=4)
    assert chosen == [7, 7, 7, 3]


def test_a_cap_stops_assignment_once_every_agent_is_full():
    chosen, _ = choose_many(policy=Policy("round_robin", 1), turn=Turn(agents((3, True, 0), (7, True, 0)), None),
                            count=3)
    assert chosen == [3, 7, None]


def test_an_away_user_becomes_available_when_the_out_of_office_date_comes():
    assert not is_available("away", NOW + timedelta(days=1), NOW)
    assert is_available("away", NOW - timedelta(minutes=1), NOW)
    assert not is_available("away", None, NOW)
    assert is_available("available", None, NOW)


def test_an_unknown_mode_or_status_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as mode:
        check_mode("random")
    with pytest.raises(InvalidInput) as status:
        check_availability(["away"])
    assert (mode.value.field, status.value.field) == ("mode", "status")
