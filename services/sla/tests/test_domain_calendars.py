"""Deadline arithmetic in business hours: office hours, Turkish holidays, 24/7."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from services.sla.domain.calendars import (BusinessCalendar, calendar_24_7, calendar_named,
                                           calendar_turkish_office_hours)
from services.sla.domain.policies import DEFAULT_POLICY

IST = ZoneInfo("Europe/Istanbul")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = calendar_turkish_office_hours()


def at(*args, zone=IST) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_a_normal_ticket_on_friday_at_five_is_due_monday_at_noon():
    due = OFFICE.add_business_time(at(2026, 11, 20, 17, 0), DEFAULT_POLICY[3].first_response)
    assert due.astimezone(IST) == at(2026, 11, 23, 12, 0)


def test_deadlines_come_back_in_utc():
    due = OFFICE.add_business_time(at(2026, 11, 20, 17, 0), timedelta(hours=4))
    assert due.tzinfo == timezone.utc and due == datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def test_a_ticket_opened_at_night_starts_counting_at_nine():
    assert OFFICE.add_business_time(at(2026, 11, 24, 2, 30), timedelta(minutes=15)).astimezone(IST) \
        == at(2026, 11, 24, 9, 15)


def test_a_ticket_opened_on_saturday_starts_counting_on_monday_morning():
    assert OFFICE.add_business_time(at(2026, 11, 21, 11, 0), timedelta(hours=1)).astimezone(IST) \
        == at(2026, 11, 23, 10, 0)


def test_time_that_fits_the_day_exactly_is_due_at_closing_time_not_next_morning():
    assert OFFICE.add_business_time(at(2026, 11, 20, 17, 0), timedelta(hours=1)).astimezone(IST) \
        == at(2026, 11, 20, 18, 0)


def test_a_ticket_opened_at_closing_time_is_due_the_next_working_day():
    assert OFFICE.add_business_time(at(2026, 11, 20, 18, 0), timedelta(minutes=15)).astimezone(IST) \
        == at(2026, 11, 23, 9, 15)


def test_a_low_ticket_s_two_days_of_resolution_are_five_and_a_third_office_days():
    due = OFFICE.add_business_time(at(2026, 11, 23, 9, 0), DEFAULT_POLICY[4].resolution)
    assert due.astimezone(IST) == at(2026, 11, 30, 12, 0)  # 5 × 9 h, then 3 h on the next Monday


def test_the_republic_day_eve_closes_at_one_and_the_holiday_is_skipped():
    due = OFFICE.add_business_time(at(2026, 10, 28, 12, 0), timedelta(hours=4))
    assert due.astimezone(IST) == at(2026, 10, 30, 12, 0)  # 1 h on the 28th, none on the 29th, 3 h on the 30th


def test_work_arriving_on_the_eve_afternoon_waits_for_the_next_working_day():
    due = OFFICE.add_business_time(at(2026, 10, 28, 14, 0), timedelta(minutes=30))
    assert due.astimezone(IST) == at(2026, 10, 30, 9, 30)


def test_the_whole_ramazan_bayrami_is_skipped():
    # Thursday 19 March 2026 is the eve (half day), 20–22 March the feast (Fri–Sun).
    due = OFFICE.add_business_time(at(2026, 3, 19, 12, 0), timedelta(hours=2))
    assert due.astimezone(IST) == at(2026, 3, 23, 10, 0)


def test_the_kurban_bayrami_week_is_skipped():
    # Tuesday 26 May 2026 is the eve, 27–30 May the feast (Wed–Sat).
    due = OFFICE.add_business_time(at(2026, 5, 26, 12, 0), timedelta(hours=2))
    assert due.astimezone(IST) == at(2026, 6, 1, 10, 0)


def test_new_year_s_day_is_skipped():
    due = OFFICE.add_business_time(at(2026, 12, 31, 17, 0), timedelta(hours=2))
    assert due.astimezone(IST) == at(2027, 1, 4, 10, 0)  # 1 January 2027 is a Friday


def test_business_time_between_counts_only_open_hours():
    assert OFFICE.business_time_between(at(2026, 11, 20, 17, 0), at(2026, 11, 23, 10, 0)) == timedelta(hours=2)
    assert OFFICE.business_time_between(at(2026, 11, 23, 10, 0), at(2026, 11, 20, 17, 0)) == timedelta(0)


def test_business_time_between_leaves_out_half_days_and_holidays():
    assert OFFICE.business_time_between(at(2026, 10, 28, 9, 0), at(2026, 10, 30, 18, 0)) == timedelta(hours=13)


def test_adding_and_measuring_business_time_agree():
    start = at(2026, 10, 27, 16, 20)
    for hours in (1, 4, 9, 24, 48, 200):
        due = OFFICE.add_business_time(start, timedelta(hours=hours))
        assert OFFICE.business_time_between(start, due) == timedelta(hours=hours)


def test_a_year_of_business_hours_is_counted_day_by_day_not_minute_by_minute():
    start = at(2026, 1, 2, 9, 0)
    due = OFFICE.add_business_time(start, timedelta(hours=2000))
    assert OFFICE.business_time_between(start, due) == timedelta(hours=2000)


def test_nothing_owed_is_due_at_once_even_out_of_hours():
    start = at(2026, 11, 21, 3, 0)
    assert OFFICE.add_business_time(start, timedelta(0)) == start


def test_a_24_7_calendar_is_plain_clock_arithmetic():
    start = at(2026, 11, 21, 23, 50)
    assert calendar_24_7().add_business_time(start, timedelta(minutes=15)) == start + timedelta(minutes=15)
    assert calendar_24_7().business_time_between(start, at(2026, 11, 23, 0, 0)) == timedelta(hours=24, minutes=10)


def test_a_day_of_24_7_time_across_a_dst_change_is_24_real_hours():
    berlin_24_7 = BusinessCalendar(name="berlin", timezone="Europe/Berlin", always_open=True)
    due = berlin_24_7.add_business_time(at(2026, 3, 28, 12, 0, zone=BERLIN), timedelta(hours=24))
    assert due.astimezone(BERLIN) == at(2026, 3, 29, 13, 0, zone=BERLIN)  # clocks went forward that night


def test_the_night_clocks_go_forward_is_an_hour_shorter():
    all_day = {weekday: (time(0, 0), time(0, 0)) for weekday in range(7)}  # 00:00–00:00 = the whole day
    berlin = BusinessCalendar(name="berlin", timezone="Europe/Berlin", weekly_hours=all_day)
    assert berlin.business_time_between(at(2026, 3, 28, 0, 0, zone=BERLIN), at(2026, 3, 30, 0, 0, zone=BERLIN)) \
        == timedelta(hours=47)


def test_istanbul_office_hours_are_09_to_18_local_all_year():
    for day in (date(2026, 1, 5), date(2026, 7, 6)):  # no summer time in Türkiye since 2016
        assert OFFICE.hours_on(day) == (time(9, 0), time(18, 0))
        assert at(day.year, day.month, day.day, 9, 0).utcoffset() == timedelta(hours=3)


def test_office_hours_know_weekends_half_days_and_holidays():
    assert OFFICE.hours_on(date(2026, 11, 21)) is None
    assert OFFICE.hours_on(date(2026, 10, 28)) == (time(9, 0), time(13, 0))
    assert OFFICE.hours_on(date(2026, 10, 29)) is None


def test_times_without_a_zone_are_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="time zone"):
        OFFICE.add_business_time(datetime(2026, 11, 20, 17, 0), timedelta(hours=1))


def test_negative_business_time_is_refused():
    with pytest.raises(ValueError):
        OFFICE.add_business_time(at(2026, 11, 20, 17, 0), timedelta(minutes=-1))


def test_a_calendar_that_is_never_open_says_so():
    closed = BusinessCalendar(name="closed", timezone="Europe/Istanbul")
    with pytest.raises(ValueError, match="never open"):
        closed.add_business_time(at(2026, 11, 20, 17, 0), timedelta(hours=1))


def test_a_calendar_is_checked_when_it_is_made():
    with pytest.raises(ValueError, match="bad hours"):
        BusinessCalendar(name="x", timezone="Europe/Istanbul", weekly_hours={0: (time(18, 0), time(9, 0))})
    with pytest.raises(ZoneInfoNotFoundError):
        BusinessCalendar(name="x", timezone="Europe/Ankara", always_open=True)


def test_a_calendar_that_has_seen_the_days_before_gives_the_same_deadlines_as_a_fresh_one():
    warm = calendar_turkish_office_hours()
    starts = [at(2026, 10, 26, 8, 0) + timedelta(hours=7 * step) for step in range(40)]  # across the 29th
    for start in starts:
        for targets in DEFAULT_POLICY.values():
            fresh = calendar_turkish_office_hours()
            assert warm.add_business_time(start, targets.resolution) == \
                fresh.add_business_time(start, targets.resolution)
            assert warm.business_time_between(start, start + timedelta(days=3)) == \
                fresh.business_time_between(start, start + timedelta(days=3))


def test_a_calendar_is_found_by_the_name_its_clocks_keep_and_an_unknown_name_counts_office_hours():
    assert calendar_named("24x7").always_open and calendar_named("24x7") is calendar_named("24x7")
    assert calendar_named("office").name == "office" and calendar_named("gone").name == "office"
