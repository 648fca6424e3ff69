"""Customers, notes, calls, users, departments, audit and sessions through the gateway, as a client sees them.

Every answer is also held to the OpenAPI document (tests/support/checked_api.py).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import create_engine, text

from services.shared.config import sqlalchemy_url
from tests.support.checked_api import CheckedApi
from tests.test_end_to_end import post_mail

pytestmark = pytest.mark.e2e
GOOD_PASSWORD = "mavi kedi bisiklet sürer"


def mail(sender: str, subject: str, message_id: str, to: str = "destek@example.com") -> bytes:
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nMessage-ID: <{message_id}>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=utf-8\n\nMerhaba\n").encode()


@pytest.fixture(scope="module")
def base(system) -> str:
    return f"http://127.0.0.1:{system.port('gateway')}/api/v1"


@pytest.fixture(scope="module")
def db(system):
    engine = create_engine(sqlalchemy_url(system.env["DATABASE_URL"]))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def owner(base):
    return CheckedApi.login(base, "owner@example.com")


@pytest.fixture(scope="module")
def manager(base):
    return CheckedApi.login(base, "manager@example.com")


def test_a_customer_is_created_found_edited_and_shows_their_history(system, owner, manager):
    number = post_mail(system, mail("Işıl İnce <isil@musteri.com.tr>", "Fatura", "h1@musteri.com.tr")) \
        .json()["ticket_number"]
    [found] = manager.get("/customers", q="ISIL").json()["items"]
    assert found["email"] == "isil@musteri.com.tr" and found["ticket_count"] == 1
    edited = manager.patch(f"/customers/{found['id']}", {"phone": "0532 111 22 33"})
    assert edited.status_code == 200 and edited.json()["phone"] == "+905321112233"
    assert manager.get("/customers", q="+90 532 111 2233").json()["items"][0]["id"] == found["id"]
    history = manager.get(f"/customers/{found['id']}/tickets").json()
    assert [t["number"] for t in history["items"]] == [number] and history["last_contact_at"]
    refused = manager.post("/customers", {"name": "Aynı", "email": "ISIL@musteri.com.tr"})
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "email"


def test_invalid_contacts_are_a_422_naming_the_field(manager):
    for body, field in (({"email": "isil@"}, "email"), ({"phone": "123"}, "phone"),
                        ({"name": 5}, "name"), ({"colour": "mavi"}, "colour")):
        answer = manager.post("/customers", body)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field


def test_bad_input_is_never_a_server_error(manager, owner):
    nasty = [{"name": "a\x00b"}, {"email": ["x"]}, {"phone": 10**30}, {"contacts": [{"kind": "fax"}]},
             {"contacts": "x"}, {"contacts": [{"kind": {}, "value": ""}]}, {"name": "\ud800"}]
    for body in nasty:
        assert manager.post("/customers", body).status_code == 422
    assert manager.get("/customers", q="a\x00b").status_code == 422
    assert manager.get("/customers", limit="many").status_code == 422
    assert manager.get(f"/customers/{2**40}").status_code == 404
    assert manager.post("/calls", {"outcome": "success", "duration_seconds": 10**20}).status_code == 422
    assert manager.post("/calls", {"outcome": "success", "direction": {}}).status_code == 422
    assert manager.get("/customers", limit="").status_code == 422
    assert manager.get("/tickets/%00/notes").status_code == 404
    assert owner.get("/audit", to="yarın").status_code == 422
    assert requests.post(manager.base + "/customers", data="{", headers={**manager.headers,
                         "Content-Type": "application/json"}, timeout=10).status_code == 422


def test_list_parameters_outside_the_document_are_a_422_naming_them(manager, owner):
    refused = [
        (manager, "/customers", {"limit": ["5", "5"]}, "limit"),  # given twice: not half-read
        (manager, "/customers", {"q": ["ayşe", "ali"]}, "q"),
        (manager, "/customers", {"offset": "1_0"}, "offset"),  # int() reads it; an integer it is not
        (manager, "/calls", {"customer_id": " 3"}, "customer_id"),
        (manager, "/calls", {"linked": ["true", "false"]}, "linked"),
        (owner, "/audit", {"actor": "５"}, "actor"),
        (owner, "/audit", {"action": ["deleted", "created"]}, "action"),
        (manager, "/held-mail", {"status": "everything"}, "status"),
    ]
    for api, path, params, field in refused:
        answer = api.get(path, **params)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field, (path, params, answer.text)


def test_notes_are_encrypted_at_rest_and_listed_newest_first(system, manager, db):
    number = post_mail(system, mail("not@musteri.com.tr", "Not", "n1@musteri.com.tr")).json()["ticket_number"]
    first = manager.post(f"/tickets/{number}/notes", {"body": "Gizli: IBAN TR12 0006 1005"})
    assert first.status_code == 201
    manager.post(f"/tickets/{number}/notes", {"body": "İkinci not"})
    assert [n["body"] for n in manager.get(f"/tickets/{number}/notes").json()["items"]] == [
        "İkinci not", "Gizli: IBAN TR12 0006 1005"]
    with db.connect() as conn:
        raw = bytes(conn.execute(text("SELECT body_sealed FROM tickets.notes WHERE id = :id"),
                                 {"id": first.json()["id"]}).scalar_one())
    assert b"IBAN" not in raw and b"Gizli" not in raw
    edited = manager.patch(f"/tickets/{number}/notes/{first.json()['id']}", {"body": "Düzeltildi"})
    assert edited.json()["edited"] is True
    assert manager.delete(f"/tickets/{number}/notes/{first.json()['id']}").status_code == 204


def test_calls_are_recorded_once_linked_and_counted_on_the_ticket(system, manager):
    number = post_mail(system, mail("ara@musteri.com.tr", "Arama", "c1@musteri.com.tr")).json()["ticket_number"]
    body = {"provider_call_id": "prov-42", "phone": "0555 444 33 22", "outcome": "success",
            "duration_seconds": 120, "summary": "Kargo soruldu.", "started_at": "2026-11-22T10:00:00+03:00"}
    created = manager.post("/calls", body)
    assert created.status_code == 201 and created.json()["ticket_number"] is None
    assert manager.post("/calls", body).status_code == 200  # the same provider call: the first record
    call_id = created.json()["id"]
    assert manager.post(f"/calls/{call_id}/link", {"ticket_number": number}).json()["ticket_number"] == number
    on_ticket = manager.post(f"/tickets/{number}/calls", {"outcome": "no_answer"})
    assert on_ticket.status_code == 201
    listed = manager.get(f"/tickets/{number}/calls").json()
    assert listed["call_count"] == 2 and len(listed["items"]) == 2
    assert manager.post(f"/calls/{call_id}/unlink").json()["ticket_number"] is None
    assert manager.get(f"/tickets/{number}/calls").json()["call_count"] == 1


def test_merging_customers_through_the_api_moves_their_tickets(system, manager, owner):
    post_mail(system, mail("eski@musteri.com.tr", "Bir", "g1@musteri.com.tr"))
    post_mail(system, mail("yeni@musteri.com.tr", "İki", "g2@musteri.com.tr"))
    [old] = manager.get("/customers", q="eski@musteri.com.tr").json()["items"]
    [new] = manager.get("/customers", q="yeni@musteri.com.tr").json()["items"]
    merged = manager.post(f"/customers/{old['id']}/merge", {"into": new["id"]})
    assert merged.status_code == 200 and merged.json()["ticket_count"] == 2
    assert manager.get(f"/customers/{old['id']}").json()["merged_into_id"] == new["id"]
    again = manager.post(f"/customers/{old['id']}/merge", {"into": new["id"]})
    assert again.status_code == 409
    trail = owner.get("/audit", action="merged", object_type="customer").json()["items"]
    assert trail[0]["object_id"] == str(old["id"]) and trail[0]["details"]["into"] == new["id"]


def test_owners_create_users_with_a_password_policy_and_departments(owner):
    weak = owner.post("/users", {"email": "zayif@example.com", "name": "Zayıf", "password": "zayif12345"})
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "password"
    department = owner.post("/departments", {"name": "Muhasebe", "email": "muhasebe@example.com"})
    assert department.status_code == 201
    user = owner.post("/users", {"email": "muhasebeci@example.com", "name": "Muhasebeci",
                                 "password": GOOD_PASSWORD, "departments": {str(department.json()["id"]): "manager"}})
    assert user.status_code == 201 and user.json()["departments"] == {str(department.json()["id"]): "manager"}
    assert owner.patch(f"/users/{user.json()['id']}", {"is_active": False}).json()["is_active"] is False
    login = requests.post(owner.base + "/auth/login", json={"email": "muhasebeci@example.com",
                                                            "password": GOOD_PASSWORD}, timeout=10)
    assert login.status_code == 401


def test_repeated_failed_logins_lock_the_account_with_a_clear_time(owner, base):
    owner.post("/users", {"email": "kilit@example.com", "name": "Kilit", "password": GOOD_PASSWORD})
    attempt = lambda password: requests.post(f"{base}/auth/login", timeout=10,  # noqa: E731
                                             json={"email": "kilit@example.com", "password": password})
    assert [attempt("yanlış").status_code for _ in range(5)] == [401] * 5
    locked = attempt(GOOD_PASSWORD)
    assert locked.status_code == 423
    error = locked.json()["error"]
    assert error["code"] == "account_locked" and "try again after" in error["message"]
    assert datetime.fromisoformat(error["message"].rsplit(" ", 1)[-1]) > datetime.now(timezone.utc)
    failures = owner.get("/audit", action="login_failed").json()["items"]
    assert {f["details"]["reason"] for f in failures if f["details"]["email"] == "kilit@example.com"} == {
        "wrong_password", "locked"}


def test_a_session_idle_too_long_ends(base, db):
    api = CheckedApi.login(base, "agent@example.com")
    assert requests.get(f"{base}/auth/me", headers=api.headers, timeout=10).status_code == 200
    token_hash = hashlib.sha256(api.headers["Authorization"].split()[1].encode()).hexdigest()
    with db.begin() as conn:
        conn.execute(text("UPDATE gateway.sessions SET last_seen_at = :then WHERE token_hash = :hash"),
                     {"then": datetime.now(timezone.utc) - timedelta(hours=2), "hash": token_hash})
    assert api.get("/customers").status_code == 401


def test_logout_revokes_the_token_and_is_audited(base, owner):
    api = CheckedApi.login(base, "agent@example.com")
    assert requests.post(f"{base}/auth/logout", headers=api.headers, timeout=10).status_code == 204
    assert api.get("/departments").status_code == 401
    [entry] = owner.get("/audit", action="logout", limit="1").json()["items"]
    assert entry["actor_email"] == "agent@example.com"
