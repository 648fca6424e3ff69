"""Deadline arithmetic in business hours: office hours, Turkish holidays, 24/7."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.sla.domain.calendars import calendar_24_7, calendar_turkish_office_hours
from services.sla.domain.holidays_tr import turkish_holidays
from services.sla.domain.policies import DEFAULT_POLICY

IST = ZoneInfo("Europe/Istanbul")
OFFICE = calendar_turkish_office_hours()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=IST)


def test_a_normal_ticket_on_friday_at_five_is_due_monday_at_noon():
    due = OFFICE.add_business_time(at(2026, 11, 20, 17, 0), DEFAULT_POLICY[3].first_response)
    assert due.astimezone(IST) == at(2026, 11, 23, 12, 0)


def test_a_ticket_opened_at_night_starts_counting_at_nine():
    assert OFFICE.add_business_time(at(2026, 11, 24, 2, 30), timedelta(minutes=15)).astimezone(IST) \
        == at(2026, 11, 24, 9, 15)


def test_the_republic_day_eve_closes_at_one_and_the_holiday_is_skipped():
    due = OFFICE.add_business_time(at(2026, 10, 28, 12, 0), timedelta(hours=4))
    assert due.astimezone(IST) == at(2026, 10, 30, 12, 0)  # 1 h on the 28th, none on the 29th, 3 h on the 30th


def test_the_whole_ramazan_bayrami_is_skipped():
    # Thursday 19 March 2026 is the eve (half day), 20–22 March the feast (Fri–Sun).
    due = OFFICE.add_business_time(at(2026, 3, 19, 12, 0), timedelta(hours=2))
    assert due.astimezone(IST) == at(2026, 3, 23, 10, 0)


def test_holidays_of_a_year_list_fixed_days_and_moving_feasts():
    days = turkish_holidays(2026)
    assert days[date(2026, 10, 29)][0] == time(0, 0)
    assert days[date(2026, 10, 28)][0] == time(13, 0)
    assert [d for d, (_, name) in days.items() if name == "Kurban Bayramı"] == \
        [date(2026, 5, 27), date(2026, 5, 28), date(2026, 5, 29), date(2026, 5, 30)]


def test_business_time_between_counts_only_open_hours():
    assert OFFICE.business_time_between(at(2026, 11, 20, 17, 0), at(2026, 11, 23, 10, 0)) == timedelta(hours=2)
    assert OFFICE.business_time_between(at(2026, 11, 23, 10, 0), at(2026, 11, 20, 17, 0)) == timedelta(0)


def test_a_24_7_calendar_is_plain_clock_arithmetic():
    start = at(2026, 11, 21, 23, 50)
    assert calendar_24_7().add_business_time(start, timedelta(minutes=15)) == start + timedelta(minutes=15)


def test_default_policy_matches_the_design():
    urgent, low = DEFAULT_POLICY[1], DEFAULT_POLICY[4]
    assert (urgent.first_response, urgent.resolution, urgent.update_every) == \
        (timedelta(minutes=15), timedelta(hours=2), timedelta(minutes=30))
    assert (low.first_response, low.resolution, low.update_every) == (timedelta(hours=8), timedelta(hours=48), None)
