"""The rules of destinations and their backoff: plain functions, no bus."""
from __future__ import annotations

from datetime import timedelta

from services.notify.domain.destinations import (RoundResult, backoff, channel_of, destination_failed,
                                                 smtp_destination)

FIRST, CAP = timedelta(seconds=10), timedelta(minutes=10)


def test_each_department_is_a_destination_of_its_own_and_mail_without_one_shares_the_default():
    assert smtp_destination(7) == "smtp:department:7" != smtp_destination(8)
    assert smtp_destination(None) == "smtp:default"
    assert channel_of(smtp_destination(7)) == "smtp" and channel_of("webhook:https://x.example/h?a=b") == "webhook"


def test_the_wait_doubles_with_each_failure_in_a_row_and_stops_at_the_cap():
    assert [backoff(FIRST, n, CAP).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff(FIRST, 30, CAP) == CAP and backoff(FIRST, 0, CAP) == FIRST


def test_a_server_that_would_not_talk_is_failing_even_after_it_took_some_mail():
    assert destination_failed(RoundResult(connection_failed=True), was_failing=False) is True
    assert destination_failed(RoundResult(sent=3, connection_failed=True), was_failing=False) is True


def test_a_server_that_took_or_refused_mail_for_good_is_working():
    assert destination_failed(RoundResult(sent=1, deferred=5), was_failing=True) is False
    assert destination_failed(RoundResult(refused=2), was_failing=True) is False


def test_one_deferred_mail_says_nothing_about_a_working_server_but_every_mail_deferred_does():
    assert destination_failed(RoundResult(deferred=1), was_failing=False) is None
    assert destination_failed(RoundResult(deferred=2), was_failing=False) is True
    assert destination_failed(RoundResult(deferred=1), was_failing=True) is True


def test_a_round_that_tried_nothing_changes_nothing():
    assert destination_failed(RoundResult(), was_failing=True) is None
