"""Whose figures a viewer sees: owners all, managers their own departments, agents none."""
from __future__ import annotations

import pytest

from services.reports.domain.access import BadDepartmentId, NotAllowed, Viewer, departments_in_view

OWNER = Viewer.of(is_owner=True, roles={})
MANAGER = Viewer.of(is_owner=False, roles={1: "manager", 2: "agent", 3: "manager"})
AGENT = Viewer.of(is_owner=False, roles={1: "agent", 2: "agent"})


def test_an_owner_sees_every_department_or_any_one_they_name():
    assert departments_in_view(OWNER) is None
    assert departments_in_view(OWNER, "7") == (7,)


def test_a_manager_sees_the_departments_they_manage_and_not_those_where_they_are_an_agent():
    assert departments_in_view(MANAGER) == (1, 3)
    assert departments_in_view(MANAGER, "3") == (3,)


def test_a_manager_who_names_a_department_they_do_not_manage_is_refused():
    for department in ("2", "4"):
        with pytest.raises(NotAllowed, match=f"you do not manage department {department}"):
            departments_in_view(MANAGER, department)


def test_an_agent_sees_no_figures_at_all_whatever_they_name():
    for wanted in (None, "1", "destek"):
        with pytest.raises(NotAllowed, match="reports are for managers and owners"):
            departments_in_view(AGENT, wanted)


@pytest.mark.parametrize("wanted", ["destek", "0", "-1", "01", "1.5", " 1", "99999999999", "2147483648", 0, True])
def test_what_is_no_department_s_id_is_refused_before_asking_whether_it_is_managed(wanted):
    with pytest.raises(BadDepartmentId):
        departments_in_view(MANAGER, wanted)


def test_a_department_may_be_named_by_its_number_too():
    assert departments_in_view(OWNER, 2_147_483_647) == (2_147_483_647,)
