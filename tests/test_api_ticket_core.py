"""The ticket core through the gateway: the access matrix, the error format, the documents, a Kanban walk."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import create_engine, text

from services.shared.config import sqlalchemy_url
from tests.support.checked_api import CheckedApi
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
ROLES = ("owner", "manager", "agent")
CONTEXTS = ("own_assigned", "own_unassigned", "other_department")


@pytest.fixture(scope="module")
def org(system):
    """The demo organisation plus a department none of the demo people belong to, and a session per role."""
    engine = create_engine(sqlalchemy_url(system.env["DATABASE_URL"]))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tickets.departments (name, email, is_default, send_acknowledgement, "
                          "created_at) VALUES ('Muhasebe', 'muhasebe@example.com', false, false, now())"))
        departments = dict(conn.execute(text("SELECT name, id FROM tickets.departments")).all())
        users = dict(conn.execute(text("SELECT email, id FROM tickets.users")).all())
    engine.dispose()
    base = f"http://127.0.0.1:{system.port('gateway')}/api/v1"
    api = {role: CheckedApi.login(base, f"{role}@example.com") for role in ROLES}
    return {"api": api, "base": base, "departments": departments,
            "users": {role: users[f"{role}@example.com"] for role in ROLES}}


def open_ticket(org, role: str, context: str, **fields) -> str:
    """A fresh ticket, opened by the owner, placed as ``context`` says from ``role``'s point of view."""
    department = org["departments"]["Muhasebe" if context == "other_department" else "Destek"]
    assignee = org["users"][role] if context == "own_assigned" else None
    body = {"subject": "Erişim denemesi", "priority": 3, "department_id": department,
            "customer": {"name": "Deniz Ak", "email": "deniz@example.org"}, "assignee_id": assignee, **fields}
    answer = org["api"]["owner"].post("/tickets", body)
    assert answer.status_code == 201, answer.text
    return answer.json()["number"]


def service_stage(org, name: str) -> int:
    pipelines = org["api"]["owner"].get("/pipelines").json()["items"]
    service = next(p for p in pipelines if p["name"] == "Servis")
    return next(s["id"] for s in service["stages"] if s["name"] == name)


# endpoint → expected status per role, for (own_assigned, own_unassigned, other_department)
OPENS = {"owner": (200, 200, 200), "manager": (200, 200, 404), "agent": (200, 403, 404)}
MANAGES = {"owner": (200, 200, 200), "manager": (200, 200, 404), "agent": (403, 403, 404)}
TICKET_ENDPOINTS = {
    "read the ticket": (OPENS, lambda api, n, org: api.get(f"/tickets/{n}")),
    "read its history": (OPENS, lambda api, n, org: api.get(f"/tickets/{n}/history")),
    "read its SLA clocks": (OPENS, lambda api, n, org: api.get(f"/tickets/{n}/sla")),
    "change its priority": (OPENS, lambda api, n, org: api.patch(f"/tickets/{n}", {"priority": 1})),
    "change its status": (OPENS, lambda api, n, org: api.patch(f"/tickets/{n}", {"status": "in_progress"})),
    "move its card": (OPENS, lambda api, n, org: api.post(f"/tickets/{n}/move",
                                                          {"stage_id": service_stage(org, "Waiting")})),
    "answer the customer": ({r: tuple(201 if s == 200 else s for s in v) for r, v in OPENS.items()},
                            lambda api, n, org: api.post(f"/tickets/{n}/replies", {"body": "Merhaba"})),
    "reassign it": (MANAGES, lambda api, n, org: api.patch(f"/tickets/{n}", {"assignee_id": None})),
    "hand it to an AI agent": (MANAGES, lambda api, n, org: api.patch(f"/tickets/{n}",
                                                                      {"assignee_ai_agent": "Sesli Asistan"})),
    "transfer it to Satış": (MANAGES, lambda api, n, org: api.patch(
        f"/tickets/{n}", {"department_id": org["departments"]["Satış"]})),
    "delete it": ({r: tuple(204 if s == 200 else s for s in v) for r, v in MANAGES.items()},
                  lambda api, n, org: api.delete(f"/tickets/{n}")),
}


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", TICKET_ENDPOINTS)
def test_every_ticket_endpoint_answers_each_role_as_the_access_rules_say(org, endpoint, role, context):
    expected, call = TICKET_ENDPOINTS[endpoint]
    number = open_ticket(org, role, context)
    answer = call(org["api"][role], number, org)
    assert answer.status_code == expected[role][CONTEXTS.index(context)], answer.text


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("role", ROLES)
def test_lists_and_boards_show_each_role_the_tickets_of_its_departments(org, role, context):
    number = open_ticket(org, role, context, subject=f"Listede görünür mü {role} {context}")
    visible = role == "owner" or context != "other_department"
    listed = org["api"][role].get("/tickets", q=f"gorunur {role} {context}").json()["items"]
    assert [t["number"] for t in listed] == ([number] if visible else [])
    new_stage = service_stage(org, "New")
    pipeline = next(p["id"] for p in org["api"][role].get("/pipelines").json()["items"] if p["name"] == "Servis")
    cards, cursor = [], None
    while True:  # page through the whole column
        params = {"stage_id": new_stage, "limit": 100, **({"cursor": cursor} if cursor else {})}
        [column] = org["api"][role].get(f"/pipelines/{pipeline}/board", **params).json()["columns"]
        cards += [c["number"] for c in column["cards"]]
        cursor = column["next_cursor"]
        if not cursor:
            break
    assert (number in cards) == visible


@pytest.mark.parametrize("department", ("own", "other"))
@pytest.mark.parametrize("role", ROLES)
def test_tickets_are_opened_in_ones_own_departments_only(org, role, department):
    name = "Destek" if department == "own" else "Muhasebe"
    answer = org["api"][role].post("/tickets", {
        "subject": "Yeni talep", "priority": 2, "department_id": org["departments"][name],
        "customer": {"phone": "0555 987 65 43"}})
    assert answer.status_code == (201 if role == "owner" or department == "own" else 403), answer.text
    if answer.status_code == 201 and role == "agent":
        assert answer.json()["assignee_id"] == org["users"]["agent"]


ADMIN_CALLS = {
    "create a pipeline": lambda api, org: api.post("/pipelines", {"name": f"P {id(api)}", "type": "sales"}),
    "rename a stage": lambda api, org: api.patch(f"/pipelines/{_pipeline(org)}/stages/{_stage(org)}",
                                                 {"name": "Yeni aşama"}),
    "add a stage": lambda api, org: api.post(f"/pipelines/{_pipeline(org)}/stages", {"name": f"S {id(api)}"}),
    "reorder stages": lambda api, org: api.post(f"/pipelines/{_pipeline(org)}/stages/reorder",
                                                {"stage_ids": _stage_ids(org)}),
    "reorder pipelines": lambda api, org: api.post("/pipelines/reorder", {"pipeline_ids": _pipeline_ids(org)}),
    "create a category": lambda api, org: api.post("/categories", {"name": f"C {id(api)}"}),
}


def _pipeline_ids(org) -> list[int]:
    return [p["id"] for p in org["api"]["owner"].get("/pipelines").json()["items"]]


def _pipeline(org) -> int:
    return next(p["id"] for p in org["api"]["owner"].get("/pipelines").json()["items"] if p["name"] == "Satış")


def _stage_ids(org) -> list[int]:
    return [s["id"] for s in org["api"]["owner"].get(f"/pipelines/{_pipeline(org)}").json()["stages"]]


def _stage(org) -> int:
    return _stage_ids(org)[-1]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ADMIN_CALLS)
def test_pipelines_and_categories_are_changed_by_owners_only(org, action, role):
    answer = ADMIN_CALLS[action](org["api"][role], org)
    assert (answer.status_code < 300) == (role == "owner"), answer.text
    if role != "owner":
        assert answer.status_code == 403
    for path in ("/pipelines", "/categories", f"/pipelines/{_pipeline(org)}/board"):
        assert org["api"][role].get(path).status_code == 200


def test_every_bad_input_gets_the_one_error_format_and_never_a_500(org):
    api, base = org["api"]["manager"], org["base"]
    number = open_ticket(org, "manager", "own_unassigned")
    bad_requests = [
        ("GET", "/tickets?created_from=dün", None), ("GET", "/tickets?limit=abc", None),
        ("GET", "/tickets?sort=subject", None), ("GET", "/tickets?colour=red", None),
        ("GET", "/tickets?cursor=%00%ff", None), ("GET", "/tickets?department_id=99999999999", None),
        ("GET", "/tickets/not-a-number", None), ("GET", "/tickets/2026-%00", None),
        ("GET", "/pipelines/99999999999999999999", None), ("GET", "/pipelines/abc/board", None),
        ("PATCH", f"/tickets/{number}", "not json"), ("PATCH", f"/tickets/{number}", [1, 2]),
        ("PATCH", f"/tickets/{number}", {"priority": "high"}), ("PATCH", f"/tickets/{number}", {"priority": True}),
        ("PATCH", f"/tickets/{number}", {"subject": "a\x00b"}), ("PATCH", f"/tickets/{number}", {"colour": "red"}),
        ("PATCH", f"/tickets/{number}", {"stage_id": 2**40}), ("PATCH", f"/tickets/{number}", {}),
        ("POST", "/tickets", {"subject": "x", "priority": 2, "department_id": "1", "customer": {"email": "a@b.co"}}),
        ("POST", f"/tickets/{number}/move", {"stage_id": "seven"}), ("DELETE", "/pipelines", None),
    ]
    for method, path, body in bad_requests:
        data = body if isinstance(body, str) else None
        answer = requests.request(method, base + path, headers={**api.headers, "Content-Type": "application/json"},
                                  data=data, json=None if data else body, timeout=30)
        assert 400 <= answer.status_code < 500, (method, path, body, answer.status_code, answer.text)
        assert set(answer.json()["error"]) == {"code", "message", "field"}, answer.text
    field = requests.patch(f"{base}/tickets/{number}", json={"priority": 9}, headers=api.headers, timeout=30)
    assert field.status_code == 422 and field.json()["error"]["field"] == "priority"


def test_an_overlong_query_is_refused_by_the_api_in_its_error_format_not_by_the_web_server(org):
    # 1,000 "ş" are 6,000 bytes in the URL: past gunicorn's default limit, which answered with an HTML 414.
    answer = org["api"]["manager"].get("/tickets", q="ş" * 1000)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "q"


def test_the_api_is_documented_for_machines_and_for_people(org):
    document = requests.get(f"{org['base']}/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/tickets", "/api/v1/tickets/{number}/history", "/api/v1/pipelines/{pipeline_id}/board",
                 "/api/v1/tickets/{number}/move", "/api/v1/categories", "/api/v1/auth/login"):
        assert path in document["paths"]
    page = requests.get(f"{org['base']}/docs", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "openapi.json" in page.text and "://" not in page.text  # no CDN: it works offline


def test_a_sales_lead_walks_its_board_and_its_history_tells_the_story(org):
    owner, manager = org["api"]["owner"], org["api"]["manager"]
    sales = next(p for p in owner.get("/pipelines").json()["items"] if p["name"] == "Satış")
    lead, qualified = sales["stages"][0]["id"], sales["stages"][1]["id"]
    created = manager.post("/tickets", {
        "subject": "Kurumsal teklif", "priority": 2, "department_id": org["departments"]["Satış"],
        "customer": {"name": "İSTANBUL Lojistik", "email": "satin.alma@lojistik.com.tr"},
        "pipeline_id": sales["id"], "stage_id": lead}).json()
    number = created["number"]
    assert created["stage"]["name"] == "Lead" and created["pipeline"]["type"] == "sales"
    refused = manager.post(f"/tickets/{number}/move", {"stage_id": service_stage(org, "New")})
    assert refused.status_code == 422 and "sales ticket" in refused.json()["error"]["message"]
    assert manager.post(f"/tickets/{number}/move", {"stage_id": qualified}).json()["stage"]["name"] == "Qualified"
    board = manager.get(f"/pipelines/{sales['id']}/board").json()
    column = next(c for c in board["columns"] if c["stage"]["id"] == qualified)
    [card] = [c for c in column["cards"] if c["number"] == number]
    assert card["customer_name"] == "İSTANBUL Lojistik" and card["days_in_stage"] == 0 and card["call_count"] == 0
    assert [t["number"] for t in manager.get("/tickets", q="istanbul lojistik").json()["items"]] == [number]
    history = manager.get(f"/tickets/{number}/history").json()["items"]
    assert [(h["field"], h["old"], h["new"]) for h in history] == [("created", None, number),
                                                                   ("stage", "Lead", "Qualified")]


def test_a_new_priority_moves_the_sla_deadlines_and_a_deleted_ticket_leaves_the_figures(org):
    owner = org["api"]["owner"]
    # a department of its own: other tests' tickets come and go in the figures of the others
    department = owner.post("/departments", {"name": "Rapor", "email": "rapor@example.com"}).json()["id"]

    def total_tickets() -> int:
        return owner.get(f"/reports/summary?department_id={department}").json()["total_tickets"]
    assert total_tickets() == 0
    # normal priority: 4 h to the first response
    number = open_ticket(org, "owner", "own_unassigned", department_id=department)
    assert eventually(lambda: total_tickets() == 1), "reports never counted the new ticket"

    def clocks(wanted_target: int) -> dict:
        found = {c["kind"]: c for c in owner.get(f"/tickets/{number}/sla").json()["clocks"]}
        return found if found.get("first_response", {}).get("target_seconds") == wanted_target else {}
    normal = eventually(lambda: clocks(4 * 3600))
    assert normal, "the normal-priority clocks never started"
    assert owner.patch(f"/tickets/{number}", {"priority": 1}).status_code == 200
    urgent = eventually(lambda: clocks(15 * 60))
    assert urgent["resolution"]["target_seconds"] == 2 * 3600 and urgent["first_response"]["priority"] == 1
    assert urgent["first_response"]["due_at"] < normal["first_response"]["due_at"]
    assert owner.delete(f"/tickets/{number}").status_code == 204
    assert eventually(lambda: total_tickets() == 0), "the deleted ticket still counts in the figures"


def test_a_manager_narrows_the_figures_to_a_department_they_manage_and_no_other(org):
    manager, departments = org["api"]["manager"], org["departments"]
    own = manager.get(f"/reports/summary?department_id={departments['Destek']}")
    assert own.status_code == 200 and isinstance(own.json()["total_tickets"], int)
    other = manager.get(f"/reports/summary?department_id={departments['Muhasebe']}")
    assert other.status_code == 403 and "do not manage" in other.json()["error"]["message"]
    for bad in ("destek", "0", "-1", "99999999999"):
        answer = manager.get(f"/reports/summary?department_id={bad}")
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "department_id", bad
