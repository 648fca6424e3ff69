"""Who may change automatic assignment, availability and hand tickets back, through the gateway.

Every endpoint × role (owner, manager of Destek and Satış, agent in Destek) ×
department: Destek, and Muhasebe (neither the manager's nor the agent's).
"""
from __future__ import annotations

import pytest

from tests.support.checked_api import CheckedApi

pytestmark = pytest.mark.e2e
ROLES = ("owner", "manager", "agent")


class World:
    def __init__(self, system):
        base = f"http://127.0.0.1:{system.port('gateway')}/api/v1"
        self.anonymous = CheckedApi(base)
        self.api = {role: CheckedApi.login(base, f"{role}@example.com") for role in ROLES}
        owner = self.api["owner"]
        owner.post("/departments", {"name": "Muhasebe Atama", "email": "muhasebe-atama@example.com"})
        departments = {d["email"]: d["id"] for d in owner.get("/departments").json()["items"]}
        self.departments = {"own": departments["destek@example.com"],
                            "other": departments["muhasebe-atama@example.com"]}
        self.agent_id = self.api["agent"].get("/auth/me").json()["id"]


@pytest.fixture(scope="module")
def world(system) -> World:
    return World(system)


def cases():
    for scope, seen, changed in (("own", (2, 2, 2), (2, 2, 403)), ("other", (2, 403, 403), (2, 403, 403))):
        d = lambda w, s=scope: w.departments[s]  # noqa: E731
        yield f"read assignment / {scope}", seen, lambda api, w, d=d: api.get(f"/departments/{d(w)}/assignment")
        yield (f"set assignment / {scope}", changed, lambda api, w, d=d: api.request(
            "PUT", f"/departments/{d(w)}/assignment", {"mode": "round_robin", "max_open_per_agent": 50}))
    yield "set own availability", (2, 2, 2), lambda api, w: api.request("PUT", "/users/me/availability",
                                                                           {"status": "available"})
    yield ("hand an agent's tickets back to the pool", (2, 2, 403),
           lambda api, w: api.post(f"/users/{w.agent_id}/hand-back", {"to_user_id": None}))


CASES = list(cases())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, expected, act", CASES, ids=[c[0] for c in CASES])
def test_the_answer_depends_on_role_and_department(world, role, name, expected, act):
    status = act(world.api[role], world).status_code
    wanted = expected[ROLES.index(role)]
    assert (200 <= status < 300) if wanted == 2 else status == wanted, f"{role}: {name} → {status}"


def test_a_wrong_field_is_named_in_the_answer(world):
    answer = world.api["owner"].request("PUT", f"/departments/{world.departments['own']}/assignment",
                                        {"mode": "sometimes"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "mode"
    answer = world.api["agent"].request("PUT", "/users/me/availability", {"status": "away", "away_until": "dün"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "away_until"


ANONYMOUS = [("GET", "/departments/1/assignment"), ("PUT", "/departments/1/assignment"),
             ("PUT", "/users/me/availability"), ("POST", "/users/1/hand-back")]


@pytest.mark.parametrize("method, path", ANONYMOUS, ids=[f"{m} {p}" for m, p in ANONYMOUS])
def test_nothing_is_answered_without_logging_in(world, method, path):
    assert world.anonymous.request(method, path, {} if method in ("POST", "PUT") else None).status_code == 401
