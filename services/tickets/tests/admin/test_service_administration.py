"""Users, departments and the audit trail over the real bus and database: owners administer."""
from __future__ import annotations

import pytest

from services.shared.errors import AccountLocked, Conflict, Forbidden, InvalidInput, Unauthenticated
from services.tickets.service import TicketsService
from services.tickets.tests.support_3y import Org

GOOD_PASSWORD = "mavi kedi bisiklet sürer"


@pytest.fixture
def org(start_service, demo_org, rpc):
    start_service(TicketsService)
    return Org(rpc.tickets)


def test_an_owner_creates_a_user_who_can_then_log_in_with_their_roles(org):
    user = org.tickets.create_user(org.owner, {"email": "Yeni@Example.com", "name": "Yeni Temsilci",
                                               "password": GOOD_PASSWORD, "departments": {"1": "agent"}})
    assert user["email"] == "yeni@example.com" and user["departments"] == {"1": "agent"}
    logged_in = org.tickets.authenticate("yeni@example.com", GOOD_PASSWORD)
    assert logged_in["id"] == user["id"] and logged_in["departments"] == {"1": "agent"}


def test_a_weak_password_is_refused_naming_the_password(org):
    for weak in ("kısa", "yeni.temsilci.2026!", "1234567890", "sifre1234567"):
        with pytest.raises(InvalidInput) as refused:
            org.tickets.create_user(org.owner, {"email": "yeni.temsilci@example.com", "name": "Y", "password": weak})
        assert refused.value.field == "password"


def test_only_owners_administer_users_and_departments(org):
    for user_id in (org.manager, org.agent):
        with pytest.raises(Forbidden):
            org.tickets.list_users(user_id)
        with pytest.raises(Forbidden):
            org.tickets.create_department(user_id, {"name": "Muhasebe", "email": "muhasebe@example.com"})
        with pytest.raises(Forbidden):
            org.tickets.list_audit(user_id, {})
    assert len(org.tickets.describe_departments(org.agent)["items"]) == 2


def test_a_deactivated_user_can_no_longer_log_in_or_act(org):
    org.tickets.update_user(org.owner, org.agent, {"is_active": False})
    with pytest.raises(Unauthenticated):
        org.tickets.authenticate("agent@example.com", "destek-demo")
    with pytest.raises(Unauthenticated):
        org.tickets.list_customers(org.agent, {})


def test_there_is_always_an_active_owner_and_nobody_removes_themselves(org):
    with pytest.raises(Conflict):
        org.tickets.update_user(org.owner, org.owner, {"is_owner": False})
    with pytest.raises(Conflict):
        org.tickets.update_user(org.owner, org.owner, {"is_active": False})
    with pytest.raises(Conflict):
        org.tickets.delete_user(org.owner, org.owner)


def test_a_user_with_history_is_deactivated_rather_than_deleted(org):
    number = org.ticket_from("ali@example.org")
    org.tickets.add_note(org.manager, number, "not")
    with pytest.raises(Conflict, match="deactivate"):
        org.tickets.delete_user(org.owner, org.manager)
    fresh = org.tickets.create_user(org.owner, {"email": "gecici@example.com", "name": "Geçici",
                                                "password": GOOD_PASSWORD})
    org.tickets.delete_user(org.owner, fresh["id"])
    assert fresh["id"] not in [u["id"] for u in org.tickets.list_users(org.owner)["items"]]


def test_a_new_password_lifts_a_lockout(org):
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            org.tickets.authenticate("agent@example.com", "yanlış")
    with pytest.raises(AccountLocked):
        org.tickets.authenticate("agent@example.com", "destek-demo")
    org.tickets.update_user(org.owner, org.agent, {"password": GOOD_PASSWORD})
    assert org.tickets.authenticate("agent@example.com", GOOD_PASSWORD)["id"] == org.agent


def test_departments_have_exactly_one_default(org):
    created = org.tickets.create_department(org.owner, {"name": "Muhasebe", "email": "Muhasebe@Example.com",
                                                        "is_default": True})
    defaults = [d["name"] for d in org.tickets.describe_departments(org.owner)["items"] if d["is_default"]]
    assert defaults == ["Muhasebe"] and created["email"] == "muhasebe@example.com"
    with pytest.raises(Conflict):
        org.tickets.update_department(org.owner, created["id"], {"is_default": False})
    with pytest.raises(Conflict):
        org.tickets.delete_department(org.owner, created["id"])
    with pytest.raises(Conflict):
        org.tickets.create_department(org.owner, {"name": "muhasebe", "email": "baska@example.com"})


def test_a_department_with_tickets_cannot_be_deleted_but_an_empty_one_can(org):
    org.ticket_from("ali@example.org")
    with pytest.raises(Conflict):
        org.tickets.delete_department(org.owner, 1)
    empty = org.tickets.create_department(org.owner, {"name": "Boş", "email": "bos@example.com"})
    org.tickets.delete_department(org.owner, empty["id"])


def test_the_audit_trail_records_logins_failures_logouts_and_changes_and_filters_them(org):
    with pytest.raises(Unauthenticated):
        org.tickets.authenticate("agent@example.com", "yanlış")
    org.tickets.record_logout(org.agent)
    department = org.tickets.create_department(org.owner, {"name": "Muhasebe", "email": "muhasebe@example.com"})
    org.tickets.delete_department(org.owner, department["id"])
    trail = org.tickets.list_audit(org.owner, {})["items"]
    actions = [(e["action"], e["object_type"]) for e in trail]
    assert actions[:4] == [("deleted", "department"), ("created", "department"), ("logout", "user"),
                           ("login_failed", "user")]
    assert ("login", "user") in actions
    failed = org.tickets.list_audit(org.owner, {"action": "login_failed"})["items"]
    assert failed[0]["details"] == {"email": "agent@example.com", "reason": "wrong_password"}
    by_owner = org.tickets.list_audit(org.owner, {"actor": str(org.owner), "object_type": "department"})
    assert [e["action"] for e in by_owner["items"]] == ["deleted", "created"]
    assert org.tickets.list_audit(org.owner, {"from": "2999-01-01"})["items"] == []


def test_the_audit_trail_pages_by_cursor(org):
    for index in range(5):
        org.tickets.create_customer(org.owner, {"name": f"Müşteri {index}"})
    first = org.tickets.list_audit(org.owner, {"object_type": "customer", "limit": "2"})
    second = org.tickets.list_audit(org.owner, {"object_type": "customer", "limit": "2",
                                                "cursor": str(first["next_cursor"])})
    third = org.tickets.list_audit(org.owner, {"object_type": "customer", "limit": "2",
                                               "cursor": str(second["next_cursor"])})
    ids = [e["id"] for page in (first, second, third) for e in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None


def test_bad_audit_filters_are_refused_naming_the_filter(org):
    for filters, field in (({"from": "dün"}, "from"), ({"actor": "x"}, "actor"), ({"limit": "0"}, "limit")):
        with pytest.raises(InvalidInput) as refused:
            org.tickets.list_audit(org.owner, filters)
        assert refused.value.field == field
