"""Turkish public holidays: fixed national days, half days, and the moving religious feasts."""
from __future__ import annotations

from datetime import date, time

import pytest

from services.sla.domain.holidays_tr import (KURBAN_BAYRAMI, RAMAZAN_BAYRAMI, feasts_known_for,
                                             turkish_holidays)

FULL, HALF = time(0, 0), time(13, 0)


def named(year: int, name: str) -> list[date]:
    return [day for day, (_, holiday) in turkish_holidays(year).items() if holiday == name]


@pytest.mark.parametrize("year", [2024, 2026, 2031])
def test_the_fixed_national_days_are_holidays_every_year(year):
    days = turkish_holidays(year)
    for month, day in ((1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29)):
        assert days[date(year, month, day)][0] == FULL


def test_the_republic_day_eve_is_a_holiday_from_one_in_the_afternoon():
    assert turkish_holidays(2026)[date(2026, 10, 28)] == (HALF, "Cumhuriyet Bayramı arifesi")


def test_new_year_s_eve_is_an_ordinary_working_day():
    assert date(2026, 12, 31) not in turkish_holidays(2026)


def test_ramazan_bayrami_is_three_days_after_a_half_day_eve():
    days = turkish_holidays(2026)
    assert days[date(2026, 3, 19)] == (HALF, "Ramazan Bayramı arifesi")
    assert named(2026, "Ramazan Bayramı") == [date(2026, 3, 20), date(2026, 3, 21), date(2026, 3, 22)]


def test_kurban_bayrami_is_four_days_after_a_half_day_eve():
    assert turkish_holidays(2026)[date(2026, 5, 26)] == (HALF, "Kurban Bayramı arifesi")
    assert named(2026, "Kurban Bayramı") == [date(2026, 5, 27), date(2026, 5, 28), date(2026, 5, 29),
                                             date(2026, 5, 30)]


@pytest.mark.parametrize("year, ramazan, kurban", [
    (2024, date(2024, 4, 10), date(2024, 6, 16)), (2025, date(2025, 3, 30), date(2025, 6, 6)),
    (2026, date(2026, 3, 20), date(2026, 5, 27)), (2027, date(2027, 3, 9), date(2027, 5, 16)),
    (2028, date(2028, 2, 26), date(2028, 5, 5)), (2029, date(2029, 2, 14), date(2029, 4, 24)),
    (2030, date(2030, 2, 4), date(2030, 4, 13)),
])
def test_the_feasts_start_on_the_days_diyanet_announced(year, ramazan, kurban):
    days = turkish_holidays(year)
    assert days[ramazan] == (FULL, "Ramazan Bayramı") and days[kurban] == (FULL, "Kurban Bayramı")


def test_the_feast_table_follows_the_lunar_calendar():
    # A typo in the table would break these: 1 Şevval to 10 Zilhicce is two lunar months and nine days,
    # and a lunar year is 354 or 355 days.
    years = sorted(RAMAZAN_BAYRAMI)
    for year in years:
        assert 67 <= (KURBAN_BAYRAMI[year] - RAMAZAN_BAYRAMI[year]).days <= 69
    for earlier, later in zip(years, years[1:]):
        assert (RAMAZAN_BAYRAMI[later] - RAMAZAN_BAYRAMI[earlier]).days in (354, 355)
        assert (KURBAN_BAYRAMI[later] - KURBAN_BAYRAMI[earlier]).days in (354, 355)


def test_an_eve_that_is_already_a_national_holiday_stays_a_full_day():
    # 23 April 2029 is both Ulusal Egemenlik ve Çocuk Bayramı and the eve of Kurban Bayramı.
    assert turkish_holidays(2029)[date(2029, 4, 23)] == (FULL, "Ulusal Egemenlik ve Çocuk Bayramı")


def test_years_past_the_table_still_have_the_fixed_days_and_say_the_feasts_are_missing():
    assert feasts_known_for(2030) and not feasts_known_for(2031)
    assert not named(2031, "Ramazan Bayramı") and date(2031, 10, 29) in turkish_holidays(2031)


def test_changing_the_answer_does_not_change_the_next_one():
    turkish_holidays(2026).clear()
    assert date(2026, 10, 29) in turkish_holidays(2026)
