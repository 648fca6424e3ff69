"""SLA clocks: started with the ticket, paused while waiting on the customer, stopped on time or late."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain.calendars import calendar_24_7, calendar_turkish_office_hours
from services.sla.domain.clocks import Clock
from services.sla.domain.policies import DEFAULT_POLICY

IST = ZoneInfo("Europe/Istanbul")
OFFICE = calendar_turkish_office_hours()
ALWAYS = calendar_24_7()
HIGH = DEFAULT_POLICY[2]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=IST)


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(IST) if moment else None


def high_resolution_clock() -> Clock:
    """High priority, 4 business hours to solve, opened Friday 20 November 2026 at 15:00."""
    return Clock.start("resolution", HIGH.resolution, at(2026, 11, 20, 15, 0))


def test_a_normal_ticket_on_friday_at_five_must_be_answered_by_monday_noon():
    clock = Clock.start("first_response", DEFAULT_POLICY[3].first_response, at(2026, 11, 20, 17, 0))
    assert local(clock.due_at(OFFICE)) == at(2026, 11, 23, 12, 0)


def test_a_ticket_opened_on_the_republic_day_eve_is_due_the_next_working_day():
    clock = Clock.start("first_response", DEFAULT_POLICY[3].first_response, at(2026, 10, 28, 12, 0))
    assert local(clock.due_at(OFFICE)) == at(2026, 10, 30, 12, 0)  # 1 h on the eve, 29 Ekim skipped


def test_on_a_24_7_calendar_the_deadline_is_plain_arithmetic():
    clock = Clock.start("first_response", timedelta(minutes=15), at(2026, 11, 21, 23, 50))
    assert local(clock.due_at(ALWAYS)) == at(2026, 11, 22, 0, 5)


def test_waiting_on_the_customer_over_a_weekend_moves_the_deadline():
    clock = high_resolution_clock()
    assert local(clock.due_at(OFFICE)) == at(2026, 11, 23, 10, 0)
    # The agent asks a question at 16:00 Friday (1 h used); the customer answers Monday at 11:00.
    clock = clock.pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 23, 11, 0))
    assert local(clock.due_at(OFFICE)) == at(2026, 11, 23, 14, 0)  # the 3 h left, from 11:00


def test_while_paused_the_deadline_is_unknown_and_the_time_left_stands_still():
    clock = high_resolution_clock().pause(at(2026, 11, 20, 16, 0))
    assert clock.due_at(OFFICE) is None
    for moment in (at(2026, 11, 20, 17, 0), at(2026, 11, 22, 12, 0), at(2026, 11, 25, 17, 0)):
        assert clock.remaining(OFFICE, moment) == timedelta(hours=3)
        assert clock.state(OFFICE, moment) == "paused"


def test_a_pause_on_a_24_7_calendar_moves_the_deadline_by_the_whole_wait():
    clock = Clock.start("resolution", timedelta(hours=2), at(2026, 11, 20, 15, 0))
    clock = clock.pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 23, 11, 0))
    assert local(clock.due_at(ALWAYS)) == at(2026, 11, 23, 12, 0)


def test_several_pauses_add_up():
    clock = high_resolution_clock()
    clock = clock.pause(at(2026, 11, 20, 16, 0)).resume(at(2026, 11, 23, 9, 30))  # 1 h used
    clock = clock.pause(at(2026, 11, 23, 10, 30)).resume(at(2026, 11, 23, 15, 0))  # 2 h used
    assert local(clock.due_at(OFFICE)) == at(2026, 11, 23, 17, 0)
    assert clock.remaining(OFFICE, at(2026, 11, 23, 16, 0)) == timedelta(hours=1)


def test_time_left_is_counted_in_business_hours():
    clock = high_resolution_clock()
    assert clock.remaining(OFFICE, at(2026, 11, 20, 17, 0)) == timedelta(hours=2)
    assert clock.remaining(OFFICE, at(2026, 11, 22, 12, 0)) == timedelta(hours=1)  # all weekend
    assert clock.remaining(OFFICE, at(2026, 11, 23, 11, 0)) == timedelta(hours=-1)


def test_a_clock_runs_warns_and_breaches():
    clock, warn = high_resolution_clock(), timedelta(minutes=30)
    assert clock.state(OFFICE, at(2026, 11, 20, 15, 30), warn) == "running"
    assert clock.state(OFFICE, at(2026, 11, 23, 9, 40), warn) == "warning"
    assert clock.state(OFFICE, at(2026, 11, 23, 10, 0), warn) == "breached"
    assert clock.state(OFFICE, at(2026, 11, 23, 10, 0)) == "breached"


def test_a_warning_shows_through_the_weekend_when_little_business_time_is_left():
    clock = high_resolution_clock()
    assert clock.state(OFFICE, at(2026, 11, 21, 12, 0), warn_before=timedelta(hours=1)) == "warning"


def test_a_clock_stopped_in_time_is_met_and_stays_met():
    clock = high_resolution_clock().stop(at(2026, 11, 23, 9, 59))
    assert clock.state(OFFICE, at(2026, 12, 31, 12, 0)) == "met"
    assert clock.remaining(OFFICE, at(2026, 12, 31, 12, 0)) == timedelta(minutes=1)


def test_an_answer_exactly_at_the_deadline_is_in_time():
    assert high_resolution_clock().stop(at(2026, 11, 23, 10, 0)).state(OFFICE, at(2026, 11, 24, 9, 0)) == "met"


def test_a_clock_stopped_late_is_missed():
    clock = high_resolution_clock().stop(at(2026, 11, 23, 10, 1))
    assert clock.state(OFFICE, at(2026, 11, 23, 10, 1)) == "missed"


def test_solving_a_ticket_while_waiting_on_the_customer_ends_the_pause():
    clock = high_resolution_clock().pause(at(2026, 11, 20, 16, 0)).stop(at(2026, 11, 25, 12, 0))
    assert clock.paused_since is None and clock.stopped_at == at(2026, 11, 25, 12, 0)
    assert clock.state(OFFICE, at(2026, 11, 26, 12, 0)) == "met"
    assert clock.used(OFFICE, at(2026, 11, 26, 12, 0)) == timedelta(hours=1)


def test_a_pause_after_the_deadline_does_not_undo_the_breach():
    late = high_resolution_clock().pause(at(2026, 11, 23, 11, 0))
    assert late.state(OFFICE, at(2026, 11, 23, 12, 0)) == "breached"
    assert local(late.due_at(OFFICE)) == at(2026, 11, 23, 10, 0)
    resumed = late.resume(at(2026, 11, 25, 9, 0))
    assert local(resumed.due_at(OFFICE)) == at(2026, 11, 23, 10, 0)
    assert resumed.state(OFFICE, at(2026, 11, 25, 9, 0)) == "breached"


def test_changing_a_clock_leaves_the_original_as_it_was():
    clock = high_resolution_clock()
    paused = clock.pause(at(2026, 11, 20, 16, 0))
    assert clock.running and clock.paused_since is None
    assert not paused.running and paused.paused_since == at(2026, 11, 20, 16, 0)


def test_repeated_or_pointless_changes_change_nothing():
    clock = high_resolution_clock()
    assert clock.resume(at(2026, 11, 20, 16, 0)) == clock
    paused = clock.pause(at(2026, 11, 20, 16, 0))
    assert paused.pause(at(2026, 11, 20, 17, 0)) == paused
    stopped = clock.stop(at(2026, 11, 20, 17, 0))
    for change in (stopped.stop, stopped.pause, stopped.resume):
        assert change(at(2026, 11, 23, 12, 0)) == stopped


def test_late_events_cannot_make_time_run_backwards():
    clock = high_resolution_clock()
    assert clock.pause(at(2026, 11, 20, 14, 0)).paused_since == clock.started_at
    paused = clock.pause(at(2026, 11, 20, 16, 0))
    resumed = paused.resume(at(2026, 11, 20, 15, 30))  # the answer's event carries an earlier time
    assert resumed.pauses == ((at(2026, 11, 20, 16, 0), at(2026, 11, 20, 16, 0)),)
    assert local(resumed.due_at(OFFICE)) == at(2026, 11, 23, 10, 0)


def test_a_clock_can_be_read_at_any_moment_even_before_it_started():
    clock = high_resolution_clock()
    assert clock.remaining(OFFICE, at(2026, 11, 19, 12, 0)) == HIGH.resolution


@pytest.mark.parametrize("kind, target, started_at", [
    ("reply", timedelta(hours=1), at(2026, 11, 20, 15, 0)),
    ("resolution", timedelta(hours=-1), at(2026, 11, 20, 15, 0)),
    ("resolution", timedelta(hours=1), datetime(2026, 11, 20, 15, 0)),
])
def test_a_clock_that_makes_no_sense_is_refused(kind, target, started_at):
    with pytest.raises(ValueError):
        Clock.start(kind, target, started_at)
