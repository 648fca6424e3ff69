"""Who may do what with customers, notes, calls, users, departments and the audit trail.

Every endpoint × role (owner, manager of Destek and Satış, agent in Destek) ×
scope: for a ticket's notes and calls, a Destek ticket assigned to the agent,
one assigned to nobody, and a ticket of Muhasebe (a department neither the
manager nor the agent belongs to); for customers, one who wrote to Destek, one
who wrote only to Muhasebe, and one with no ticket yet. Each case prepares its
own objects as the owner when it changes something, then checks the status.
"""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine, text

from services.shared.config import sqlalchemy_url
from tests.support.checked_api import CheckedApi
from tests.test_end_to_end import post_mail

pytestmark = pytest.mark.e2e
ROLES = ("owner", "manager", "agent")
_serial = itertools.count(1)


class World:
    """The people and the objects the matrix is walked over."""

    def __init__(self, system):
        base = f"http://127.0.0.1:{system.port('gateway')}/api/v1"
        self.anonymous = CheckedApi(base)
        self.api = {role: CheckedApi.login(base, f"{role}@example.com") for role in ROLES}
        self.system = system
        owner = self.api["owner"]
        owner.post("/departments", {"name": "Muhasebe", "email": "muhasebe@example.com"})
        self.tickets = {"assigned": self.mail("destek@example.com"), "unassigned": self.mail("destek@example.com"),
                        "other": self.mail("muhasebe@example.com")}
        engine = create_engine(sqlalchemy_url(system.env["DATABASE_URL"]))
        with engine.begin() as conn:
            conn.execute(text("UPDATE tickets.tickets SET assignee_id = "
                              "(SELECT id FROM tickets.users WHERE email = 'agent@example.com') WHERE number = :n"),
                         {"n": self.tickets["assigned"]})
        engine.dispose()
        self.customers = {scope: owner.get(f"/tickets/{n}").json()["customer"]["id"]
                          for scope, n in (("own", self.tickets["unassigned"]), ("other", self.tickets["other"]))}
        self.customers["new"] = self.new_customer()

    def mail(self, to: str) -> str:
        serial = next(_serial)
        raw = (f"From: musteri{serial}@example.org\nTo: {to}\nSubject: Soru {serial}\n"
               f"Message-ID: <matrix-{serial}@example.org>\nContent-Type: text/plain; charset=utf-8\n\nMerhaba\n")
        answer = post_mail(self.system, raw.encode())
        assert answer.status_code == 202, answer.text
        return answer.json()["ticket_number"]

    def new_customer(self) -> int:
        return self.api["owner"].post("/customers", {"email": f"yeni{next(_serial)}@example.org"}).json()["id"]

    def call(self, scope: str | None) -> int:
        body = {"outcome": "success", "ticket_number": self.tickets[scope] if scope else None}
        return self.api["owner"].post("/calls", body).json()["id"]

    def note(self, scope: str) -> int:
        return self.api["owner"].post(f"/tickets/{self.tickets[scope]}/notes", {"body": "sahibin notu"}).json()["id"]


@pytest.fixture(scope="module")
def world(system) -> World:
    return World(system)


def ticket_cases():
    """(name, expected per role, request) for endpoints on one ticket, per ticket scope."""
    allowed = {"assigned": (2, 2, 2), "unassigned": (2, 2, 403), "other": (2, 404, 404)}
    note_of_others = {"assigned": (2, 2, 403), "unassigned": (2, 2, 403), "other": (2, 404, 404)}
    manager_only = {"assigned": (2, 2, 403), "unassigned": (2, 2, 403), "other": (2, 404, 404)}
    for scope in ("assigned", "unassigned", "other"):
        n = lambda w, s=scope: w.tickets[s]  # noqa: E731
        yield f"list notes / {scope}", allowed[scope], lambda api, w, n=n: api.get(f"/tickets/{n(w)}/notes")
        yield f"add note / {scope}", allowed[scope], lambda api, w, n=n: api.post(f"/tickets/{n(w)}/notes",
                                                                                 {"body": "not"})
        yield (f"edit someone else's note / {scope}", note_of_others[scope],
               lambda api, w, n=n, s=scope: api.patch(f"/tickets/{n(w)}/notes/{w.note(s)}", {"body": "x"}))
        yield (f"delete someone else's note / {scope}", note_of_others[scope],
               lambda api, w, n=n, s=scope: api.delete(f"/tickets/{n(w)}/notes/{w.note(s)}"))
        yield f"list calls / {scope}", allowed[scope], lambda api, w, n=n: api.get(f"/tickets/{n(w)}/calls")
        yield (f"record call / {scope}", allowed[scope],
               lambda api, w, n=n: api.post(f"/tickets/{n(w)}/calls", {"outcome": "failed"}))
        yield f"read call / {scope}", allowed[scope], lambda api, w, s=scope: api.get(f"/calls/{w.call(s)}")
        yield (f"link a loose call / {scope}", {"assigned": (2, 2, 403), "unassigned": (2, 2, 403),
                                                "other": (2, 404, 403)}[scope],
               lambda api, w, n=n: api.post(f"/calls/{w.call(None)}/link", {"ticket_number": n(w)}))
        yield (f"unlink call / {scope}", allowed[scope],
               lambda api, w, s=scope: api.post(f"/calls/{w.call(s)}/unlink"))
        yield (f"delete call / {scope}", manager_only[scope],
               lambda api, w, s=scope: api.delete(f"/calls/{w.call(s)}"))


def customer_cases():
    """(name, expected per role, request) for customers, per customer scope."""
    seen = {"own": (2, 2, 2), "other": (2, 404, 404), "new": (2, 2, 2)}
    for scope in ("own", "other", "new"):
        c = lambda w, s=scope: w.customers[s]  # noqa: E731
        yield f"read customer / {scope}", seen[scope], lambda api, w, c=c: api.get(f"/customers/{c(w)}")
        yield (f"edit customer / {scope}", seen[scope],
               lambda api, w, c=c: api.patch(f"/customers/{c(w)}", {"name": "Yeni Ad"}))
        yield (f"customer's tickets / {scope}", seen[scope],
               lambda api, w, c=c: api.get(f"/customers/{c(w)}/tickets"))
    yield ("delete customer with tickets / own", (409, 409, 403),
           lambda api, w: api.delete(f"/customers/{w.customers['own']}"))
    yield ("delete customer with tickets / other", (409, 404, 403),
           lambda api, w: api.delete(f"/customers/{w.customers['other']}"))
    yield ("delete customer without tickets / new", (2, 2, 403),
           lambda api, w: api.delete(f"/customers/{w.new_customer()}"))
    yield ("merge two new customers", (2, 2, 403),
           lambda api, w: api.post(f"/customers/{w.new_customer()}/merge", {"into": w.new_customer()}))
    yield "list customers", (2, 2, 2), lambda api, w: api.get("/customers")
    yield ("create customer", (2, 2, 2),
           lambda api, w: api.post("/customers", {"email": f"c{next(_serial)}@example.org"}))


def admin_cases():
    """(name, expected per role, request) for calls lists, users, departments and the audit trail."""
    owner_only = (2, 403, 403)
    new_user = lambda: {"email": f"u{next(_serial)}@example.com", "name": "Yeni",  # noqa: E731
                        "password": "mavi kedi bisiklet sürer"}
    new_department = lambda: {"name": f"Birim {next(_serial)}",  # noqa: E731
                              "email": f"birim{next(_serial)}@example.com"}

    def made(api, w, path, body):
        return w.api["owner"].post(path, body).json()["id"]
    yield "list all calls", (2, 2, 403), lambda api, w: api.get("/calls")
    yield "record a loose call", (2, 2, 403), lambda api, w: api.post("/calls", {"outcome": "success"})
    yield "read a loose call", (2, 2, 403), lambda api, w: api.get(f"/calls/{w.call(None)}")
    yield "list users", owner_only, lambda api, w: api.get("/users")
    yield "create user", owner_only, lambda api, w: api.post("/users", new_user())
    yield "read user", owner_only, lambda api, w: api.get(f"/users/{made(api, w, '/users', new_user())}")
    yield ("edit user", owner_only,
           lambda api, w: api.patch(f"/users/{made(api, w, '/users', new_user())}", {"name": "Başka"}))
    yield ("delete user", owner_only,
           lambda api, w: api.delete(f"/users/{made(api, w, '/users', new_user())}"))
    yield "list departments", (2, 2, 2), lambda api, w: api.get("/departments")
    yield "read department", (2, 2, 2), lambda api, w: api.get("/departments/1")
    yield "create department", owner_only, lambda api, w: api.post("/departments", new_department())
    yield ("edit department", owner_only, lambda api, w: api.patch(
        f"/departments/{made(api, w, '/departments', new_department())}", {"send_acknowledgement": False}))
    yield ("delete department", owner_only, lambda api, w: api.delete(
        f"/departments/{made(api, w, '/departments', new_department())}"))
    yield "read the audit trail", owner_only, lambda api, w: api.get("/audit")


CASES = [*ticket_cases(), *customer_cases(), *admin_cases()]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, expected, act", CASES, ids=[c[0] for c in CASES])
def test_the_answer_depends_on_role_department_and_assignment(world, role, name, expected, act):
    status = act(world.api[role], world).status_code
    wanted = expected[ROLES.index(role)]
    assert (200 <= status < 300) if wanted == 2 else status == wanted, f"{role}: {name} → {status}"


ANONYMOUS = [("GET", "/customers"), ("POST", "/customers"), ("GET", "/customers/1"), ("PATCH", "/customers/1"),
             ("DELETE", "/customers/1"), ("POST", "/customers/1/merge"), ("GET", "/customers/1/tickets"),
             ("GET", "/tickets/2026-000001/notes"), ("POST", "/tickets/2026-000001/notes"),
             ("PATCH", "/tickets/2026-000001/notes/1"), ("DELETE", "/tickets/2026-000001/notes/1"),
             ("GET", "/tickets/2026-000001/calls"), ("POST", "/tickets/2026-000001/calls"), ("GET", "/calls"),
             ("POST", "/calls"), ("GET", "/calls/1"), ("DELETE", "/calls/1"), ("POST", "/calls/1/link"),
             ("POST", "/calls/1/unlink"), ("GET", "/users"), ("POST", "/users"), ("GET", "/users/1"),
             ("PATCH", "/users/1"), ("DELETE", "/users/1"), ("GET", "/departments"), ("POST", "/departments"),
             ("GET", "/departments/1"), ("PATCH", "/departments/1"), ("DELETE", "/departments/1"),
             ("GET", "/audit")]


@pytest.mark.parametrize("method, path", ANONYMOUS, ids=[f"{m} {p}" for m, p in ANONYMOUS])
def test_nothing_is_answered_without_logging_in(world, method, path):
    assert world.anonymous.request(method, path, {} if method in ("POST", "PATCH") else None).status_code == 401
