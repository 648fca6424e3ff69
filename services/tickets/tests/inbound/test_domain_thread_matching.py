"""Which ticket an incoming message joins: headers, tracking number, or a new ticket."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.tickets.inbound.thread_matching import ThreadCandidate, ThreadDecision, decide_thread

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
CUSTOMER = "ali@example.org"


def candidate(status="open", closed_days_ago=None, number="2026-000007", emails=(CUSTOMER,)):
    closed_at = NOW - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    return ThreadCandidate(ticket_number=number, status=status, closed_at=closed_at,
                           customer_emails=frozenset(emails))


def decide(by_headers=None, by_tracking=None, sender=CUSTOMER, **kwargs) -> ThreadDecision:
    return decide_thread(by_headers=by_headers, by_tracking=by_tracking, sender_email=sender, now=NOW, **kwargs)


def test_a_reply_found_by_its_headers_joins_that_ticket():
    assert decide(by_headers=candidate()) == ThreadDecision(action="append", ticket_number="2026-000007",
                                                            matched_by="headers")


def test_headers_win_over_the_tracking_number():
    decision = decide(by_headers=candidate(), by_tracking=candidate(number="2026-000009"))
    assert (decision.action, decision.ticket_number, decision.matched_by) == ("append", "2026-000007", "headers")


def test_without_headers_the_tracking_number_finds_the_ticket():
    decision = decide(by_tracking=candidate())
    assert (decision.action, decision.ticket_number, decision.matched_by) == \
        ("append", "2026-000007", "tracking_number")
    assert not decision.new_participant


def test_a_stranger_quoting_the_tracking_number_joins_as_a_new_participant():
    decision = decide(by_tracking=candidate(), sender="eve@example.net")
    assert decision.action == "append" and decision.new_participant and decision.matched_by == "tracking_number"


def test_a_colleague_answering_in_the_thread_is_a_new_participant_too():
    assert decide(by_headers=candidate(), sender="veli@example.org").new_participant


def test_the_customer_writing_in_capitals_is_still_the_customer():
    assert not decide(by_headers=candidate(), sender="ALİ@Example.org").new_participant


def test_a_message_with_no_known_sender_is_not_counted_as_a_new_participant():
    assert not decide(by_headers=candidate(), sender="").new_participant


def test_a_reply_to_a_resolved_ticket_reopens_it():
    decision = decide(by_headers=candidate("resolved"))
    assert (decision.action, decision.reopen) == ("append", True)


def test_a_reply_to_a_ticket_being_worked_on_does_not_count_as_reopening():
    for status in ("new", "open", "in_progress", "pending", "on_hold"):
        assert not decide(by_headers=candidate(status)).reopen


def test_a_reply_to_a_recently_closed_ticket_reopens_it():
    decision = decide(by_headers=candidate("closed", closed_days_ago=3))
    assert (decision.action, decision.ticket_number, decision.reopen) == ("append", "2026-000007", True)


def test_the_reopen_window_includes_its_last_day():
    assert decide(by_headers=candidate("closed", closed_days_ago=14)).action == "append"


def test_reply_to_long_closed_ticket_opens_a_linked_ticket():
    decision = decide(by_headers=candidate("closed", closed_days_ago=30), reopen_window_days=14)
    assert decision == ThreadDecision(action="new_linked_ticket", linked_to="2026-000007", matched_by="headers")


def test_the_reopen_window_can_be_set_per_organisation():
    assert decide(by_headers=candidate("closed", closed_days_ago=30), reopen_window_days=60).action == "append"
    assert decide(by_tracking=candidate("closed", closed_days_ago=2),
                  reopen_window_days=1).action == "new_linked_ticket"


def test_a_closed_ticket_with_no_known_closing_time_is_treated_as_archived():
    assert decide(by_headers=candidate("closed")).action == "new_linked_ticket"


def test_no_match_opens_a_new_ticket():
    assert decide(sender="x@y.z") == ThreadDecision(action="new_ticket")
