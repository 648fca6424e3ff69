"""Turkish public holidays: fixed national days, half days, and the moving religious feasts."""
from __future__ import annotations

from datetime import date, time

import pytest

from services.sla.domain.holidays_tr import feasts_estimated, turkish_holidays

FULL, HALF = time(0, 0), time(13, 0)

# The hand-kept table these holidays replaced (Diyanet's dates; 2024–2026 announced, 2027–2030
# pre-computed), day by day: per year its full days, then its half days (from 13:00), as MM-DD.
HAND_TABLE_2024_2030 = {
    2024: ("01-01 04-10 04-11 04-12 04-23 05-01 05-19 06-16 06-17 06-18 06-19 07-15 08-30 10-29",
           "04-09 06-15 10-28"),
    2025: ("01-01 03-30 03-31 04-01 04-23 05-01 05-19 06-06 06-07 06-08 06-09 07-15 08-30 10-29",
           "03-29 06-05 10-28"),
    2026: ("01-01 03-20 03-21 03-22 04-23 05-01 05-19 05-27 05-28 05-29 05-30 07-15 08-30 10-29",
           "03-19 05-26 10-28"),
    2027: ("01-01 03-09 03-10 03-11 04-23 05-01 05-16 05-17 05-18 05-19 07-15 08-30 10-29",
           "03-08 05-15 10-28"),
    2028: ("01-01 02-26 02-27 02-28 04-23 05-01 05-05 05-06 05-07 05-08 05-19 07-15 08-30 10-29",
           "02-25 05-04 10-28"),
    2029: ("01-01 02-14 02-15 02-16 04-23 04-24 04-25 04-26 04-27 05-01 05-19 07-15 08-30 10-29",
           "02-13 10-28"),
    2030: ("01-01 02-04 02-05 02-06 04-13 04-14 04-15 04-16 04-23 05-01 05-19 07-15 08-30 10-29",
           "02-03 04-12 10-28"),
}


def days_starting(year: int, starts: time) -> str:
    return " ".join(day.strftime("%m-%d") for day, (at, _) in sorted(turkish_holidays(year).items()) if at == starts)


def named(year: int, name: str) -> list[date]:
    return [day for day, (_, holiday) in turkish_holidays(year).items() if holiday == name]


@pytest.mark.parametrize("year", sorted(HAND_TABLE_2024_2030))
def test_every_full_and_half_day_of_2024_to_2030_is_the_one_the_hand_kept_table_had(year):
    full_days, half_days = HAND_TABLE_2024_2030[year]
    assert days_starting(year, FULL) == full_days
    assert days_starting(year, HALF) == half_days


@pytest.mark.parametrize("year", [2024, 2026, 2031, 2040])
def test_the_fixed_national_days_are_holidays_every_year(year):
    days = turkish_holidays(year)
    for month, day in ((1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29)):
        assert days[date(year, month, day)][0] == FULL


def test_the_republic_day_eve_is_a_holiday_from_one_in_the_afternoon():
    starts, name = turkish_holidays(2026)[date(2026, 10, 28)]
    assert starts == HALF and "Cumhuriyet Bayramı" in name


def test_new_year_s_eve_is_an_ordinary_working_day():
    assert date(2026, 12, 31) not in turkish_holidays(2026)


def test_ramazan_bayrami_is_three_days_after_a_half_day_eve():
    assert turkish_holidays(2026)[date(2026, 3, 19)][0] == HALF
    assert named(2026, "Ramazan Bayramı") == [date(2026, 3, 20), date(2026, 3, 21), date(2026, 3, 22)]


def test_kurban_bayrami_is_four_days_after_a_half_day_eve():
    assert turkish_holidays(2026)[date(2026, 5, 26)][0] == HALF
    assert named(2026, "Kurban Bayramı") == [date(2026, 5, 27), date(2026, 5, 28), date(2026, 5, 29),
                                             date(2026, 5, 30)]


def test_an_eve_that_is_already_a_national_holiday_stays_a_full_day():
    # 23 April 2029 is both Ulusal Egemenlik ve Çocuk Bayramı and the eve of Kurban Bayramı.
    assert turkish_holidays(2029)[date(2029, 4, 23)] == (FULL, "Ulusal Egemenlik ve Çocuk Bayramı")


def test_a_year_past_2030_still_has_both_feasts_with_their_half_day_eves():
    assert named(2031, "Ramazan Bayramı") == [date(2031, 1, 24), date(2031, 1, 25), date(2031, 1, 26)]
    assert named(2031, "Kurban Bayramı") == [date(2031, 4, 2), date(2031, 4, 3), date(2031, 4, 4), date(2031, 4, 5)]
    assert days_starting(2031, HALF) == "01-23 04-01 10-28"


def test_feasts_past_the_announced_years_are_still_there_but_said_to_be_estimated():
    assert not feasts_estimated(2026) and not feasts_estimated(2031)
    assert feasts_estimated(2040)
    assert len([day for day, (starts, _) in turkish_holidays(2040).items() if starts == FULL]) == 14


def test_changing_the_answer_does_not_change_the_next_one():
    turkish_holidays(2026).clear()
    assert date(2026, 10, 29) in turkish_holidays(2026)
