"""The sla service's settings: read from the environment once, with working defaults."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from services.sla.settings import SlaSettings, estimated_feast_years, load_settings


def test_clocks_count_office_hours_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("SLA_CALENDAR", raising=False)
    assert load_settings() == SlaSettings(calendar="office")


def test_a_24_7_calendar_is_chosen_by_sla_calendar(monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    assert load_settings().calendar == "24x7"


def test_an_unknown_calendar_falls_back_to_office_hours_and_says_so(monkeypatch, caplog):
    monkeypatch.setenv("SLA_CALENDAR", "7x24")
    assert load_settings().calendar == "office"
    assert "SLA_CALENDAR='7x24'" in caplog.text


def test_settings_cannot_change_once_read(monkeypatch):
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_settings().calendar = "24x7"


def test_the_office_calendar_says_when_this_or_next_year_s_feasts_are_only_estimated():
    office, always = SlaSettings(calendar="office"), SlaSettings(calendar="24x7")
    assert estimated_feast_years(office, date(2026, 12, 4)) == []
    assert estimated_feast_years(office, date(2032, 6, 1)) == [2033]
    assert estimated_feast_years(always, date(2032, 6, 1)) == []
