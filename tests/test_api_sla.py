"""SLA settings through the gateway: everyone reads, owners change, bad input is refused naming the field."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from services.shared.config import sqlalchemy_url
from tests.support.checked_api import CheckedApi
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def org(system):
    engine = create_engine(sqlalchemy_url(system.env["DATABASE_URL"]))
    with engine.begin() as conn:
        departments = dict(conn.execute(text("SELECT name, id FROM tickets.departments")).all())
    engine.dispose()
    base = f"http://127.0.0.1:{system.port('gateway')}/api/v1"
    return {"api": {role: CheckedApi.login(base, f"{role}@example.com") for role in ("owner", "manager", "agent")},
            "department": departments["Destek"]}


def test_an_owner_sets_a_department_s_policy_and_a_manager_may_only_read_it(org):
    owner, manager, department = org["api"]["owner"], org["api"]["manager"], org["department"]
    assert owner.get(f"/sla/policies/{department}").json()["inherited"] is True
    refused = manager.request("PUT", f"/sla/policies/{department}", {"warn_percent": 50})
    assert refused.status_code == 403 and "sahip" in refused.json()["error"]["message"]
    changed = owner.request("PUT", f"/sla/policies/{department}",
                            {"targets": {"1": {"first_response_minutes": 10}}, "pause_on_hold": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["targets"]["1"]["first_response_minutes"] == 10 and changed.json()["inherited"] is False
    listed = manager.get("/sla/policies").json()
    assert listed["departments"][str(department)]["pause_on_hold"] is True
    assert listed["default"]["targets"]["4"]["update_every_minutes"] is None


@pytest.mark.parametrize("path, body, field", [
    ("/sla/policies", {"targets": {"1": {"resolution_minutes": 0}}}, "targets.1.resolution_minutes"),
    ("/sla/policies", {"warn_percent": "80"}, "warn_percent"),
    ("/departments/{d}/calendar", {"timezone": "Europe/Atlantis"}, "timezone"),
    ("/departments/{d}/calendar", {"hours": {"monday": {"opens": "18:00", "closes": "09:00"}}}, "hours.monday.closes"),
])
def test_bad_sla_settings_are_refused_naming_the_field_in_turkish_and_english(org, path, body, field):
    answer = org["api"]["owner"].request("PUT", path.format(d=org["department"]), body)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == field
    assert " / " in answer.json()["error"]["message"]


def test_a_department_s_calendar_is_set_and_read_back_and_an_unknown_department_has_none(org):
    owner, department = org["api"]["owner"], org["department"]
    calendar = {"timezone": "Europe/Istanbul", "turkish_public_holidays": True, "closed_days": ["2026-12-31"],
                "hours": {"monday": {"opens": "08:30", "closes": "17:30"}, "saturday": {"opens": "10:00",
                                                                                     "closes": "24:00"}}}
    assert owner.request("PUT", f"/departments/{department}/calendar", calendar).status_code == 200
    read = org["api"]["agent"].get(f"/departments/{department}/calendar").json()
    assert read["hours"]["saturday"] == {"opens": "10:00", "closes": "24:00"} and read["hours"]["friday"] is None
    assert owner.get("/departments/99999/calendar").status_code == 404


def test_a_new_ticket_shows_its_three_clocks(org):
    owner = org["api"]["owner"]
    answer = owner.post("/tickets", {"subject": "Üç saat", "priority": 1, "department_id": org["department"],
                                     "customer": {"name": "Deniz Ak", "email": "deniz@example.org"}})
    number = answer.json()["number"]
    clocks = eventually(lambda: owner.get(f"/tickets/{number}/sla").json()["clocks"])
    assert {c["kind"] for c in clocks} == {"first_response", "resolution", "next_update"}
