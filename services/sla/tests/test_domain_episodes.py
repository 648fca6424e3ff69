"""The clocks' episodes: next update, reopening, warnings once per episode, on hold by the policy's setting."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.shared.errors import InvalidInput
from services.sla.domain.calendar_settings import calendar_of, read_calendar_settings
from services.sla.domain.calendars import calendar_from_settings, calendar_turkish_office_hours
from services.sla.domain.clocks import (BREACH, WARNING, Clock, after_priority_change, after_reply,
                                        after_status_change, start_clocks)
from services.sla.domain.policies import SlaPolicy, policy_from_wire, policy_to_wire

IST = ZoneInfo("Europe/Istanbul")
OFFICE = calendar_turkish_office_hours()


def at(*args, zone=IST) -> datetime:
    return datetime(*args, tzinfo=zone)


def by_kind(clocks) -> dict[str, Clock]:
    return {c.kind: c for c in clocks}


def urgent_ticket(started=at(2026, 11, 23, 10, 0), policy=None):
    return start_clocks("2026-000001", priority=1, started_at=started, calendar=OFFICE, policy=policy)


def test_each_public_answer_starts_the_next_update_clock_again():
    clocks = after_reply(urgent_ticket(), at=at(2026, 11, 23, 10, 20))
    update = by_kind(clocks)["next_update"]
    assert update.started_at == at(2026, 11, 23, 10, 20) and update.due_at == at(2026, 11, 23, 10, 50)
    update = by_kind(after_reply(clocks, at=at(2026, 11, 23, 10, 45)))["next_update"]
    assert update.due_at == at(2026, 11, 23, 11, 15)


def test_a_low_priority_ticket_has_no_next_update_clock():
    clocks = start_clocks("2026-000001", priority=4, started_at=at(2026, 11, 23, 10, 0), calendar=OFFICE)
    assert set(by_kind(clocks)) == {"first_response", "resolution"}


def test_the_first_answer_stops_first_response_and_later_answers_leave_it_met():
    clocks = after_reply(urgent_ticket(), at=at(2026, 11, 23, 10, 10))
    clocks = after_reply(clocks, at=at(2026, 11, 23, 11, 0))
    assert by_kind(clocks)["first_response"].stopped_at == at(2026, 11, 23, 10, 10)


def test_resolving_stops_resolution_and_next_update_and_a_reopen_starts_a_new_episode_of_both():
    clocks = after_status_change(urgent_ticket(), status="resolved", at=at(2026, 11, 23, 11, 0))
    assert all(c.stopped_at for k, c in by_kind(clocks).items() if k != "first_response")
    assert by_kind(after_reply(clocks, at=at(2026, 11, 23, 11, 5)))["next_update"].stopped_at is not None
    reopened = by_kind(after_status_change(clocks, status="open", at=at(2026, 11, 23, 14, 0)))
    assert reopened["resolution"].running and reopened["resolution"].due_at == at(2026, 11, 23, 16, 0)
    assert reopened["next_update"].due_at == at(2026, 11, 23, 14, 30)
    assert reopened["first_response"].stopped_at is None  # never answered, still counting


def test_on_hold_pauses_only_where_the_policy_says_so():
    plain = by_kind(after_status_change(urgent_ticket(), status="on_hold", at=at(2026, 11, 23, 10, 5)))
    assert plain["resolution"].running
    holding = urgent_ticket(policy=SlaPolicy(pause_on_hold=True))
    held = by_kind(after_status_change(holding, status="on_hold", at=at(2026, 11, 23, 10, 5)))
    assert not held["resolution"].running
    back = by_kind(after_status_change(tuple(held.values()), status="open", at=at(2026, 11, 23, 11, 5)))
    assert back["resolution"].due_at == at(2026, 11, 23, 13, 0)


def test_the_warning_comes_at_eighty_percent_of_the_target_and_only_once():
    resolution = by_kind(urgent_ticket())["resolution"]  # 2 h from 10:00
    assert resolution.warn_at == at(2026, 11, 23, 11, 36)
    assert resolution.alerts_due(at(2026, 11, 23, 11, 35)) == ()
    assert resolution.alerts_due(at(2026, 11, 23, 11, 36)) == (WARNING,)
    warned = resolution.alerted((WARNING,), at(2026, 11, 23, 11, 36))
    assert warned.alerts_due(at(2026, 11, 23, 11, 50)) == () and warned.next_due() == resolution.due_at
    breached = warned.alerted(warned.alerts_due(at(2026, 11, 23, 12, 0)), at(2026, 11, 23, 12, 0))
    assert breached.breached_at and breached.next_due() is None
    assert breached.alerts_due(at(2026, 11, 24, 12, 0)) == ()


def test_a_timer_that_comes_late_publishes_the_warning_and_the_breach_together():
    resolution = by_kind(urgent_ticket())["resolution"]
    assert resolution.alerts_due(at(2026, 11, 23, 13, 0)) == (WARNING, BREACH)
    assert resolution.late_by(at(2026, 11, 23, 13, 0)) == timedelta(hours=1)


def test_the_warning_share_is_the_policy_s():
    resolution = by_kind(urgent_ticket(policy=SlaPolicy(warn_share=0.5)))["resolution"]
    assert resolution.warn_at == at(2026, 11, 23, 11, 0)


def test_a_new_episode_warns_and_breaches_again():
    clocks = by_kind(urgent_ticket())
    update = clocks["next_update"]
    update = update.alerted(update.alerts_due(at(2026, 11, 23, 10, 40)), at(2026, 11, 23, 10, 40))
    assert update.warned_at and update.breached_at
    again = by_kind(after_reply((clocks["first_response"], update), at=at(2026, 11, 23, 10, 41)))["next_update"]
    assert again.warned_at is None and again.breached_at is None and again.next_due() == at(2026, 11, 23, 11, 5)


def test_a_paused_clock_is_not_due_and_the_pause_moves_its_warning():
    clocks = after_status_change(urgent_ticket(), status="pending", at=at(2026, 11, 23, 10, 30))
    assert by_kind(clocks)["resolution"].next_due() is None
    resumed = by_kind(after_status_change(clocks, status="open", at=at(2026, 11, 23, 11, 30)))["resolution"]
    assert resumed.warn_at == at(2026, 11, 23, 12, 36) and resumed.due_at == at(2026, 11, 23, 13, 0)


def test_a_pause_across_a_holiday_keeps_the_elapsed_working_time_exact():
    # High: 4 h to solve, opened Wednesday 28 Oct 2026 at 10:00 (the Republic Day eve closes at 13:00).
    clocks = start_clocks("2026-000002", priority=2, started_at=at(2026, 10, 28, 10, 0), calendar=OFFICE)
    clocks = after_status_change(clocks, status="pending", at=at(2026, 10, 28, 11, 0))  # 1 h used
    clocks = after_status_change(clocks, status="open", at=at(2026, 10, 30, 10, 0))  # 29 Ekim closed
    resolution = by_kind(clocks)["resolution"]
    assert OFFICE.business_time_between(resolution.started_at, resolution.due_at) - timedelta(hours=4) == \
        OFFICE.business_time_between(at(2026, 10, 28, 11, 0), at(2026, 10, 30, 10, 0))
    assert resolution.due_at == at(2026, 10, 30, 13, 0)  # 3 h left from Friday 10:00


def test_a_four_hour_target_from_friday_five_pm_is_due_monday_noon():
    clock = Clock.start("2026-000003", "resolution", priority=2, target=timedelta(hours=4),
                        started_at=at(2026, 11, 20, 17, 0), calendar=OFFICE)
    assert clock.due_at == at(2026, 11, 23, 12, 0)


def test_the_eve_of_a_feast_closes_at_one_pm():
    # Kurban Bayramı 2026 begins Wednesday 27 May; its eve, Tuesday 26 May, closes at 13:00.
    assert OFFICE.hours_on(date(2026, 5, 26)) == (time(9, 0), time(13, 0))
    due = OFFICE.add_business_time(at(2026, 5, 26, 12, 0), timedelta(hours=2))
    assert due == at(2026, 6, 1, 10, 0)  # 1 h on the eve, the feast to Saturday, then Monday


def test_a_department_s_own_hours_zone_and_closed_days_count():
    saturday_shop = calendar_from_settings(
        "dept-7", timezone="Europe/London", weekly_hours={5: (time(10, 0), time(14, 0))},
        turkish_public_holidays=False, closed_days=frozenset({date(2026, 11, 21)}))
    due = saturday_shop.add_business_time(at(2026, 11, 20, 9, 0), timedelta(hours=2))
    assert due == at(2026, 11, 28, 12, 0, zone=ZoneInfo("Europe/London"))  # the 21st closed by its owner


def test_a_calendar_set_to_twenty_four_seven_counts_every_minute():
    always = calendar_from_settings("dept-8", always_open=True)
    assert always.add_business_time(at(2026, 10, 29, 0, 0), timedelta(hours=5)) == at(2026, 10, 29, 5, 0)


def test_an_owner_s_policy_is_read_from_what_they_sent_and_written_back_alike():
    policy = policy_from_wire({"targets": {"1": {"first_response_minutes": 10, "update_every_minutes": None}},
                               "pause_on_hold": True, "warn_percent": 75})
    assert policy.targets_for(1).first_response == timedelta(minutes=10) and policy.targets_for(1).update_every is None
    assert policy.targets_for(1).resolution == timedelta(hours=2) and policy.pause_on_hold and policy.warn_share == .75
    assert policy_from_wire(policy_to_wire(policy)) == policy


@pytest.mark.parametrize("payload, field", [
    ({"targets": {"5": {}}}, "targets.5"),
    ({"targets": {"1": {"first_response_minutes": 0}}}, "targets.1.first_response_minutes"),
    ({"targets": {"1": {"resolution_minutes": "2h"}}}, "targets.1.resolution_minutes"),
    ({"targets": []}, "targets"),
    ({"warn_percent": 100}, "warn_percent"),
    ({"pause_on_hold": "yes"}, "pause_on_hold"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_policy_is_refused_naming_the_field_in_turkish_and_english(payload, field):
    with pytest.raises(InvalidInput) as refused:
        policy_from_wire(payload)
    assert refused.value.field == field and " / " in refused.value.message


def test_an_owner_s_calendar_is_read_from_what_they_sent():
    settings = read_calendar_settings({"hours": {"saturday": {"opens": "10:00", "closes": "24:00"}},
                                       "closed_days": ["2026-11-28", "2026-11-28"]})
    assert settings["hours"]["monday"] is None  # the hours are the whole week: a day left out is closed
    assert settings["closed_days"] == ["2026-11-28"] and settings["timezone"] == "Europe/Istanbul"
    calendar = calendar_of("department:5", settings)
    assert calendar.add_business_time(at(2026, 11, 20, 17, 0), timedelta(hours=16)) == at(2026, 12, 5, 12, 0)


@pytest.mark.parametrize("payload, field", [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"hours": {"funday": None}}, "hours.funday"),
    ({"hours": {"monday": {"opens": "18:00", "closes": "09:00"}}}, "hours.monday.closes"),
    ({"hours": {"monday": {"opens": "9", "closes": "18:00"}}}, "hours.monday.opens"),
    ({"hours": {d: None for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}}, "hours"),
    ({"closed_days": ["31.12.2026"]}, "closed_days.0"),
    ({"always_open": "yes"}, "always_open"),
])
def test_a_bad_calendar_is_refused_naming_the_field(payload, field):
    with pytest.raises(InvalidInput) as refused:
        read_calendar_settings(payload)
    assert refused.value.field == field


def test_a_low_ticket_raised_to_urgent_starts_counting_updates_from_the_change():
    low = start_clocks("2026-000004", priority=4, started_at=at(2026, 11, 23, 10, 0), calendar=OFFICE)
    raised = by_kind(after_priority_change(low, priority=1, at=at(2026, 11, 23, 10, 5)))
    assert raised["next_update"].started_at == at(2026, 11, 23, 10, 5)
    assert raised["next_update"].due_at == at(2026, 11, 23, 10, 35)
    assert raised["resolution"].due_at == at(2026, 11, 23, 12, 0)  # from the ticket's start


def test_an_urgent_ticket_lowered_to_low_stops_counting_updates():
    lowered = by_kind(after_priority_change(urgent_ticket(), priority=4, at=at(2026, 11, 23, 10, 5)))
    assert lowered["next_update"].stopped_at == at(2026, 11, 23, 10, 5) and lowered["next_update"].priority == 4


def test_a_ticket_lowered_and_raised_again_counts_updates_again():
    lowered = after_priority_change(urgent_ticket(), priority=4, at=at(2026, 11, 23, 10, 5))
    raised = by_kind(after_priority_change(lowered, priority=2, at=at(2026, 11, 23, 10, 10)))
    assert raised["next_update"].stopped_at is None and raised["next_update"].due_at == at(2026, 11, 23, 12, 10)
