"""Pure ticket rules: statuses, tracking numbers, contact identities, threading decisions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.tickets.domain.identity import InvalidContact, normalise_email, normalise_phone
from services.tickets.domain.numbers import (TRACKING_RE, format_ticket_number,
                                             parse_ticket_number, reply_subject, tag_subject)
from services.tickets.domain.status import (TransitionRefused, check_priority, check_transition,
                                            status_after_agent_reply, status_after_customer_message)
from services.tickets.domain.thread_matching import ThreadCandidate, decide_thread

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def candidate(status="open", closed_days_ago=None, emails=("ali@example.org",)):
    closed_at = NOW - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    return ThreadCandidate(ticket_number="2026-000007", status=status, closed_at=closed_at,
                           customer_emails=frozenset(emails))


def test_a_closed_ticket_can_only_be_reopened():
    check_transition("closed", "open")
    with pytest.raises(TransitionRefused, match="closed ticket cannot be set to pending"):
        check_transition("closed", "pending")


def test_nothing_goes_back_to_new_and_unknown_statuses_are_named():
    with pytest.raises(TransitionRefused):
        check_transition("open", "new")
    with pytest.raises(ValueError, match="'archived'"):
        check_transition("open", "archived")


def test_priority_must_be_one_to_four():
    assert check_priority("2") == 2
    for bad in (0, 5, "high", None, True):
        with pytest.raises(ValueError, match="priority"):
            check_priority(bad)


def test_the_first_agent_reply_opens_a_new_ticket_and_a_customer_answer_reopens_a_resolved_one():
    assert status_after_agent_reply("new") == "open"
    assert status_after_agent_reply("pending") == "pending"
    assert status_after_customer_message("resolved") == "open"
    assert status_after_customer_message("pending") == "open"
    assert status_after_customer_message("closed") == "closed"


def test_tracking_numbers_are_year_and_six_digits_and_widen_instead_of_wrapping():
    assert format_ticket_number(2026, 1234) == "2026-001234"
    assert format_ticket_number(2026, 1234567) == "2026-1234567"
    assert parse_ticket_number("#2026-001234") == (2026, 1234)
    assert parse_ticket_number("2026-12") is None


def test_a_reply_subject_carries_one_re_and_one_tag_whatever_the_client_added():
    assert reply_subject("Ynt: RE: Kargo [#2026-000001]", "2026-000001") == "Re: Kargo [#2026-000001]"
    assert tag_subject("", "2026-000001") == "[#2026-000001]"
    assert TRACKING_RE.search("Re: Kargo [# 2026-000001 ]").group(1) == "2026-000001"


def test_emails_are_lower_cased_and_turkish_capital_i_does_not_gain_a_dot():
    assert normalise_email(" İLKER@Örnek.COM ") == "ilker@örnek.com"
    with pytest.raises(InvalidContact) as refused:
        normalise_email("not an address")
    assert refused.value.field == "email"


@pytest.mark.parametrize("written", ["0555 123 45 67", "+90 (555) 123-4567", "905551234567", "5551234567"])
def test_turkish_mobile_numbers_in_any_format_become_e164(written):
    assert normalise_phone(written) == "+905551234567"


def test_an_invalid_phone_number_is_refused_naming_the_phone_field():
    with pytest.raises(InvalidContact) as refused:
        normalise_phone("12345")
    assert refused.value.field == "phone"


def test_headers_win_over_the_tracking_number():
    other = ThreadCandidate("2026-000009", "open", None, frozenset())
    decision = decide_thread(by_headers=candidate(), by_tracking=other, sender_email="ali@example.org", now=NOW)
    assert (decision.action, decision.ticket_number, decision.matched_by) == ("append", "2026-000007", "headers")


def test_a_stranger_quoting_the_tracking_number_joins_as_a_new_participant():
    decision = decide_thread(by_headers=None, by_tracking=candidate(), sender_email="eve@example.net", now=NOW)
    assert decision.action == "append" and decision.new_participant and decision.matched_by == "tracking_number"


def test_reply_to_resolved_ticket_reopens_it():
    assert decide_thread(by_headers=candidate("resolved"), by_tracking=None,
                         sender_email="ali@example.org", now=NOW).reopen


def test_reply_to_long_closed_ticket_opens_a_linked_ticket():
    decision = decide_thread(by_headers=candidate("closed", closed_days_ago=30), by_tracking=None,
                             sender_email="ali@example.org", now=NOW, reopen_window_days=14)
    assert (decision.action, decision.linked_to) == ("new_linked_ticket", "2026-000007")


def test_no_match_opens_a_new_ticket():
    assert decide_thread(by_headers=None, by_tracking=None, sender_email="x@y.z", now=NOW).action == "new_ticket"
