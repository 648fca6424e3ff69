"""The default SLA policy per priority, and the clocks it runs."""
from __future__ import annotations

from datetime import timedelta

from services.sla.domain.policies import DEFAULT_POLICY, SlaTargets, targets_for


def test_default_policy_matches_the_design():
    assert DEFAULT_POLICY == {
        1: SlaTargets(timedelta(minutes=15), timedelta(hours=2), timedelta(minutes=30)),
        2: SlaTargets(timedelta(hours=1), timedelta(hours=4), timedelta(hours=2)),
        3: SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(days=1)),
        4: SlaTargets(timedelta(hours=8), timedelta(hours=48), None),
    }


def test_a_ticket_runs_a_first_response_and_a_resolution_clock():
    assert targets_for(2).clocks() == (("first_response", timedelta(hours=1)), ("resolution", timedelta(hours=4)),
                                       ("next_update", timedelta(hours=2)))


def test_a_low_ticket_promises_no_regular_updates():
    assert targets_for(4).update_every is None


def test_an_unknown_priority_gets_normal_targets_rather_than_none():
    assert targets_for(9) == targets_for(3) == DEFAULT_POLICY[3]


def test_an_organisation_can_bring_its_own_policy():
    strict = {3: SlaTargets(timedelta(hours=1), timedelta(hours=8), None)}
    assert targets_for(3, strict).first_response == timedelta(hours=1)
