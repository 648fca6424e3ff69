"""The per-sender rate limit on inbound mail, as plain functions."""
from services.tickets.inbound.rate_limit import SenderBudget


def test_a_sender_over_the_limit_is_refused_and_others_are_not():
    budget = SenderBudget(limit=3, sent={"storm@example.com": 2})
    assert budget.admit("storm@example.com") is True
    assert budget.admit("storm@example.com") is False
    assert budget.admit("storm@example.com") is False
    assert budget.admit("calm@example.com") is True


def test_no_limit_and_unknown_senders_are_always_admitted():
    assert all(SenderBudget(limit=0).admit("a@example.com") for _ in range(100))
    assert all(SenderBudget(limit=1).admit("") for _ in range(5))
