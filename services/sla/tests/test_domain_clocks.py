"""SLA clocks: started with the ticket, paused while waiting on the customer, stopped on time or late."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain.calendars import calendar_24_7, calendar_turkish_office_hours
from services.sla.domain.clocks import (Clock, NoClockYet, after_priority_change, after_reply, after_status_change,
                                        start_clocks)
from services.sla.domain.policies import DEFAULT_POLICY

IST = ZoneInfo("Europe/Istanbul")
OFFICE = calendar_turkish_office_hours()
ALWAYS = calendar_24_7()
HIGH = DEFAULT_POLICY[2]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=IST)


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(IST) if moment else None


def clock(kind: str, target: timedelta, started_at: datetime, calendar=OFFICE, priority: int = 3) -> Clock:
    return Clock.start("2026-000001", kind, priority=priority, target=target, started_at=started_at,
                       calendar=calendar)


def high_resolution_clock() -> Clock:
    """High priority, 4 business hours to solve, opened Friday 20 November 2026 at 15:00; due Monday 10:00."""
    return clock("resolution", HIGH.resolution, at(2026, 11, 20, 15, 0), priority=2)


def by_kind(clocks) -> dict[str, Clock]:
    return {c.kind: c for c in clocks}


def test_a_normal_ticket_on_friday_at_five_must_be_answered_by_monday_noon():
    first_response = clock("first_response", DEFAULT_POLICY[3].first_response, at(2026, 11, 20, 17, 0))
    assert local(first_response.due_at) == at(2026, 11, 23, 12, 0)


def test_a_ticket_opened_on_the_republic_day_eve_is_due_the_next_working_day():
    first_response = clock("first_response", DEFAULT_POLICY[3].first_response, at(2026, 10, 28, 12, 0))
    assert local(first_response.due_at) == at(2026, 10, 30, 12, 0)  # 1 h on the eve, 29 Ekim skipped


def test_on_a_24_7_calendar_the_deadline_is_plain_arithmetic():
    first_response = clock("first_response", timedelta(minutes=15), at(2026, 11, 21, 23, 50), ALWAYS)
    assert local(first_response.due_at) == at(2026, 11, 22, 0, 5)


def test_a_new_ticket_runs_first_response_resolution_and_next_update_clocks_with_its_priority_s_targets():
    clocks = by_kind(start_clocks("2026-000001", priority=1, started_at=at(2026, 11, 23, 10, 0), calendar=OFFICE))
    assert {kind: c.target for kind, c in clocks.items()} == {"first_response": timedelta(minutes=15),
                                                             "resolution": timedelta(hours=2),
                                                             "next_update": timedelta(minutes=30)}
    assert local(clocks["resolution"].due_at) == at(2026, 11, 23, 12, 0)
    assert all(c.priority == 1 and c.state(at(2026, 11, 23, 10, 1)) == "running" for c in clocks.values())


def test_a_ticket_of_an_unknown_priority_gets_the_normal_targets():
    clocks = by_kind(start_clocks("2026-000001", priority=9, started_at=at(2026, 11, 23, 10, 0), calendar=OFFICE))
    assert clocks["first_response"].target == DEFAULT_POLICY[3].first_response


def test_waiting_on_the_customer_over_a_weekend_moves_the_deadline_by_the_business_time_waited():
    # The agent asks a question at 16:00 Friday; the customer answers Monday at 11:00: 4 business hours.
    resumed = high_resolution_clock().pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 23, 11, 0))
    assert local(resumed.due_at) == at(2026, 11, 23, 14, 0)


def test_while_paused_a_clock_says_so_and_keeps_its_deadline_until_the_customer_answers():
    paused = high_resolution_clock().pause(at(2026, 11, 20, 16, 0))
    assert local(paused.due_at) == at(2026, 11, 23, 10, 0)
    for moment in (at(2026, 11, 20, 17, 0), at(2026, 11, 25, 17, 0)):
        assert paused.state(moment) == "paused"
    assert not paused.overdue(at(2026, 11, 25, 17, 0))


def test_a_pause_on_a_24_7_calendar_moves_the_deadline_by_the_whole_wait():
    two_hours = clock("resolution", timedelta(hours=2), at(2026, 11, 20, 15, 0), ALWAYS)
    resumed = two_hours.pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 23, 11, 0))
    assert local(resumed.due_at) == at(2026, 11, 23, 12, 0)


def test_several_pauses_add_up():
    waited = high_resolution_clock().pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 23, 9, 30))  # 2.5 h
    waited = waited.pause(at(2026, 11, 23, 10, 30)).resume(at(2026, 11, 23, 15, 0))  # 4.5 h more
    assert local(waited.due_at) == at(2026, 11, 23, 17, 0)


def test_a_clock_runs_until_its_deadline_and_is_breached_from_it_on():
    running = high_resolution_clock()
    assert running.state(at(2026, 11, 23, 9, 59)) == "running"
    assert running.state(at(2026, 11, 23, 10, 0)) == "breached"


def test_time_remaining_is_the_wall_clock_time_to_the_deadline_and_negative_once_late():
    running = high_resolution_clock()
    assert running.remaining(at(2026, 11, 23, 9, 0)) == timedelta(hours=1)
    assert running.remaining(at(2026, 11, 23, 11, 0)) == timedelta(hours=-1)
    assert running.stop(at(2026, 11, 23, 9, 0)).remaining(at(2026, 11, 23, 9, 30)) is None


def test_a_running_clock_past_its_deadline_is_overdue_until_its_breach_is_published():
    late = high_resolution_clock()
    assert not late.overdue(at(2026, 11, 23, 9, 59)) and late.overdue(at(2026, 11, 23, 10, 0))
    published = late.breach(at(2026, 11, 23, 10, 0))
    assert not published.overdue(at(2026, 11, 23, 11, 0)) and published.state(at(2026, 11, 23, 11, 0)) == "breached"


def test_a_clock_stopped_in_time_is_met_and_stays_met():
    stopped = high_resolution_clock().stop(at(2026, 11, 23, 9, 59))
    assert stopped.state(at(2026, 12, 31, 12, 0)) == "met" and not stopped.overdue(at(2026, 12, 31, 12, 0))


def test_an_answer_exactly_at_the_deadline_is_in_time():
    assert high_resolution_clock().stop(at(2026, 11, 23, 10, 0)).state(at(2026, 11, 24, 9, 0)) == "met"


def test_a_clock_stopped_late_is_missed():
    assert high_resolution_clock().stop(at(2026, 11, 23, 10, 1)).state(at(2026, 11, 23, 10, 1)) == "missed"


def test_solving_a_ticket_while_waiting_on_the_customer_ends_the_pause_first():
    solved = high_resolution_clock().pause(at(2026, 11, 20, 16, 0)).stop(at(2026, 11, 25, 12, 0))
    assert solved.paused_since is None and solved.stopped_at == at(2026, 11, 25, 12, 0)
    assert local(solved.due_at) == at(2026, 11, 25, 15, 0)  # 3 h were left when the wait began
    assert solved.state(at(2026, 11, 26, 12, 0)) == "met"


def test_a_pause_after_the_deadline_does_not_undo_the_breach():
    late = high_resolution_clock().pause(at(2026, 11, 23, 11, 0))
    resumed = late.resume(at(2026, 11, 25, 9, 0))
    assert local(resumed.due_at) == at(2026, 11, 23, 10, 0)
    assert resumed.state(at(2026, 11, 25, 9, 0)) == "breached"


def test_an_answer_stamped_before_the_wait_began_moves_nothing():
    resumed = high_resolution_clock().pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 20, 15, 30))
    assert resumed.running and local(resumed.due_at) == at(2026, 11, 23, 10, 0)


def test_changing_a_clock_leaves_the_original_as_it_was():
    running = high_resolution_clock()
    paused = running.pause(at(2026, 11, 20, 16, 0))
    assert running.running and running.paused_since is None
    assert not paused.running and paused.paused_since == at(2026, 11, 20, 16, 0)


def test_repeated_or_pointless_changes_change_nothing():
    running = high_resolution_clock()
    assert running.resume(at(2026, 11, 20, 16, 0)) == running
    paused = running.pause(at(2026, 11, 20, 16, 0))
    assert paused.pause(at(2026, 11, 20, 17, 0)) == paused
    stopped = running.stop(at(2026, 11, 20, 17, 0))
    for change in (stopped.stop, stopped.pause, stopped.resume):
        assert change(at(2026, 11, 23, 12, 0)) == stopped


@pytest.mark.parametrize("kind, target, started_at", [
    ("reply", timedelta(hours=1), at(2026, 11, 20, 15, 0)),
    ("resolution", timedelta(hours=-1), at(2026, 11, 20, 15, 0)),
    ("resolution", timedelta(hours=1), datetime(2026, 11, 20, 15, 0)),
])
def test_a_clock_that_makes_no_sense_is_refused(kind, target, started_at):
    with pytest.raises(ValueError):
        clock(kind, target, started_at)


def new_ticket(priority: int = 3, started_at: datetime = at(2026, 11, 23, 9, 0), calendar=OFFICE):
    return start_clocks("2026-000001", priority=priority, started_at=started_at, calendar=calendar)


def test_the_first_reply_stops_the_first_response_clock_only():
    clocks = by_kind(after_reply(new_ticket(), at=at(2026, 11, 23, 10, 0)))
    assert clocks["first_response"].state(at(2026, 11, 24, 9, 0)) == "met"
    assert clocks["resolution"].running


def test_waiting_on_the_customer_pauses_every_clock_and_any_other_status_resumes_them():
    paused = after_status_change(new_ticket(), status="pending", at=at(2026, 11, 23, 10, 0))
    assert all(c.state(at(2026, 11, 23, 11, 0)) == "paused" for c in paused)
    resumed = by_kind(after_status_change(paused, status="open", at=at(2026, 11, 23, 12, 0)))
    assert local(resumed["first_response"].due_at) == at(2026, 11, 23, 15, 0)  # 4 h + 2 h waited


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_resolved_or_closed_ticket_stops_its_resolution_clock(status):
    clocks = by_kind(after_status_change(new_ticket(), status=status, at=at(2026, 11, 23, 10, 0)))
    assert clocks["resolution"].stopped_at == at(2026, 11, 23, 10, 0)
    assert clocks["first_response"].running


def test_a_reply_or_a_resolution_before_the_clocks_exist_waits_for_them():
    with pytest.raises(NoClockYet):
        after_reply((), at=at(2026, 11, 23, 10, 0))
    with pytest.raises(NoClockYet):
        after_status_change((), status="resolved", at=at(2026, 11, 23, 10, 0))
    with pytest.raises(NoClockYet):
        after_priority_change((), priority=1, at=at(2026, 11, 23, 10, 0))


def test_raising_the_priority_gives_the_urgent_targets_from_the_start_and_keeps_the_waits():
    ticket = new_ticket(started_at=datetime.fromisoformat("2026-11-22T08:00:00+00:00"), calendar=ALWAYS)
    ticket = after_status_change(ticket, status="pending", at=datetime.fromisoformat("2026-11-22T09:00:00+00:00"))
    ticket = after_status_change(ticket, status="open", at=datetime.fromisoformat("2026-11-22T10:00:00+00:00"))
    urgent = by_kind(after_priority_change(ticket, priority=1, at=datetime.fromisoformat("2026-11-22T10:30:00+00:00")))
    assert urgent["first_response"].due_at == datetime.fromisoformat("2026-11-22T09:15:00+00:00")
    assert urgent["resolution"].due_at == datetime.fromisoformat("2026-11-22T11:00:00+00:00")
    assert urgent["resolution"].target == timedelta(hours=2) and urgent["resolution"].priority == 1


def test_lowering_the_priority_of_a_late_ticket_gives_it_time_again():
    late = by_kind(new_ticket(priority=1, started_at=at(2026, 11, 23, 9, 0), calendar=ALWAYS))["first_response"]
    published = late.breach(at(2026, 11, 23, 9, 20))
    [low] = after_priority_change((published,), priority=4, at=at(2026, 11, 23, 10, 0))
    assert low.breached_at is None and low.state(at(2026, 11, 23, 10, 0)) == "running"
    assert local(low.due_at) == at(2026, 11, 23, 17, 0)


def test_a_new_priority_leaves_a_stopped_clock_s_verdict_but_shows_the_priority():
    answered = after_reply(new_ticket(), at=at(2026, 11, 23, 10, 0))
    clocks = by_kind(after_priority_change(answered, priority=1, at=at(2026, 11, 23, 11, 0)))
    before = by_kind(answered)["first_response"]
    assert clocks["first_response"] == replace(before, priority=1)
    assert clocks["first_response"].state(at(2026, 11, 23, 11, 0)) == "met"
    assert clocks["resolution"].target == timedelta(hours=2)
