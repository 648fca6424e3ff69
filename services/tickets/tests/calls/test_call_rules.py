"""Calls' pure rules: the figures on a Kanban card and what counts as contact."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.tickets.calls.rules import card_figures, counts_as_contact, days_since_last_call

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def test_every_linked_call_counts_and_the_latest_start_is_the_last_call():
    figures = card_figures([NOW - timedelta(days=3), NOW - timedelta(hours=2), NOW - timedelta(days=9)])
    assert figures.call_count == 3 and figures.last_call_at == NOW - timedelta(hours=2)


def test_a_ticket_without_calls_shows_zero_and_no_last_call():
    figures = card_figures([])
    assert figures.call_count == 0 and figures.last_call_at is None
    assert days_since_last_call(None, NOW) is None


def test_days_since_the_last_call_are_whole_days():
    assert days_since_last_call(NOW - timedelta(days=2, hours=23), NOW) == 2
    assert days_since_last_call(NOW + timedelta(minutes=5), NOW) == 0


def test_only_an_answered_call_is_a_contact_with_the_customer():
    assert counts_as_contact("success")
    assert not counts_as_contact("no_answer") and not counts_as_contact("failed")
