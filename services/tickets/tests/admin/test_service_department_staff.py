"""``list_department_staff`` over the real bus and database: what notify asks of tickets about a department's people."""
from __future__ import annotations

import pytest

from services.shared.errors import NotFound
from services.tickets.tests.core_support import demo, tickets  # noqa: F401 (fixtures)


def test_a_departments_managers_and_agents_are_listed_without_secrets_but_not_another_departments(tickets, demo):
    other = tickets.create_user(demo.owner, {"email": "satis.temsilci@example.com", "name": "Can Satış",
                                             "password": "mavi kedi bisiklet sürer",
                                             "departments": {str(demo.satis): "agent"}})
    staff = tickets.list_department_staff(demo.destek)
    assert staff == [
        {"id": demo.manager, "email": "manager@example.com", "name": "Mehmet Yönetici", "role": "manager",
         "is_active": True},
        {"id": demo.agent, "email": "agent@example.com", "name": "Ayşe Temsilci", "role": "agent",
         "is_active": True}]
    assert other["id"] not in {member["id"] for member in staff}
    assert [(m["id"], m["role"]) for m in tickets.list_department_staff(demo.satis)] == [
        (demo.manager, "manager"), (other["id"], "agent")]  # owners are no department's members


def test_a_deactivated_member_is_listed_as_inactive_and_an_unknown_department_is_not_found(tickets, demo):
    tickets.update_user(demo.owner, demo.agent, {"is_active": False})
    assert {m["id"]: m["is_active"] for m in tickets.list_department_staff(demo.destek)} == {
        demo.manager: True, demo.agent: False}
    with pytest.raises(NotFound) as missing:
        tickets.list_department_staff(9999)
    assert missing.value.field == "department_id"
