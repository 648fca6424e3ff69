"""The gateway's mail endpoints against a real tickets service: mailbox settings and attachment downloads."""
from __future__ import annotations

import hashlib

import pytest

from services.gateway.app import create_app
from services.shared.config import Settings, load_settings
from services.shared.mail_archive import MailArchive
from services.tickets.service import TicketsService
from services.tickets.tests.inbound.test_service_inbound import inbound


@pytest.fixture
def api(start_service, demo_org, rabbit_config, tmp_path, monkeypatch):
    """A Flask test client of the gateway on the test's vhost; ``api.login(email)`` → auth headers."""
    monkeypatch.setenv("ATTACHMENT_STORE_DIR", str(tmp_path / "store"))
    start_service(TicketsService)
    settings = Settings(amqp_uri=rabbit_config["AMQP_URI"], database_url=load_settings().database_url,
                        host="127.0.0.1", max_workers=2)
    app = create_app(settings)
    client = app.test_client()

    def login(email: str) -> dict:
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": "destek-demo"})
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}
    client.login = login
    yield client
    app.extensions["destek.rpc"].close()


def test_an_owner_sets_mail_settings_and_never_sees_a_password_again(api):
    owner = api.login("owner@example.com")
    changed = api.put("/api/v1/departments/1/mail-settings", headers=owner, json={
        "imap": {"enabled": True, "host": "imap.firma.com", "user": "destek@example.com", "password": "gizli"},
        "smtp": {"host": "smtp.firma.com", "username": "destek@example.com", "password": "gizli"}})
    assert changed.status_code == 200
    shown = api.get("/api/v1/departments/1/mail-settings", headers=owner)
    body = shown.get_json()
    assert body["imap"]["password_set"] is True and body["smtp"]["password_set"] is True
    assert b"gizli" not in shown.data and b"gizli" not in changed.data


def test_mail_settings_refuse_non_owners_and_bad_values_in_the_one_error_format(api):
    manager = api.login("manager@example.com")
    assert api.get("/api/v1/departments/1/mail-settings", headers=manager).status_code == 403
    owner = api.login("owner@example.com")
    bad = api.put("/api/v1/departments/1/mail-settings", headers=owner, json={"imap": {"port": 0}})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "imap.port"
    assert api.put("/api/v1/departments/1/mail-settings", headers=owner, json=[1]).status_code == 422
    assert api.get("/api/v1/departments/1/mail-settings").status_code == 401


def stored(store, content: bytes) -> str:
    """Put ``content`` in the attachment store as ingest would; its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    (store / digest[:2]).mkdir(parents=True)
    (store / digest[:2] / digest).write_bytes(content)
    return digest


def test_an_attachment_downloads_for_those_who_may_open_its_ticket(api, rpc, tmp_path):
    content = b"%PDF-1.4 fatura"
    digest = stored(tmp_path / "store", content)
    [result] = rpc.tickets.receive_messages([inbound("gw-att@example.org", attachments=[
        {"sha256": digest, "filename": "fatura.pdf", "content_type": "application/pdf", "size": len(content),
         "inline": False, "content_id": None}], skipped_attachments=[
        {"filename": "video.mp4", "content_type": "video/mp4", "size": 9, "reason": "too big"}])])
    number, owner = result["ticket_number"], api.login("owner@example.com")
    kept, dropped = api.get(f"/api/v1/tickets/{number}", headers=owner).get_json()["messages"][0]["attachments"]
    download = api.get(f"/api/v1/tickets/{number}/attachments/{kept['id']}", headers=owner)
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"] and "fatura.pdf" in download.headers[
        "Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    missing = api.get(f"/api/v1/tickets/{number}/attachments/{dropped['id']}", headers=owner)
    assert missing.status_code == 404 and "too big" in missing.get_json()["error"]["message"]
    agent = api.login("agent@example.com")
    assert api.get(f"/api/v1/tickets/{number}/attachments/{kept['id']}", headers=agent).status_code == 403
    assert api.get(f"/api/v1/tickets/{number}/attachments/{kept['id']}").status_code == 401


def test_a_store_named_relative_to_the_working_directory_serves_its_files(api, rpc, tmp_path, monkeypatch):
    # make run leaves ATTACHMENT_STORE_DIR at its default, var/attachments, relative to where it runs.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATTACHMENT_STORE_DIR", "var/attachments")
    content = "Kasım faturası".encode()
    digest = stored(tmp_path / "var" / "attachments", content)
    [result] = rpc.tickets.receive_messages([inbound("gw-relative@example.org", attachments=[
        {"sha256": digest, "filename": "fatura.txt", "content_type": "text/plain", "size": len(content),
         "inline": False, "content_id": None}])])
    owner = api.login("owner@example.com")
    [file] = api.get(f"/api/v1/tickets/{result['ticket_number']}", headers=owner).get_json()["messages"][0][
        "attachments"]
    download = api.get(f"/api/v1/tickets/{result['ticket_number']}/attachments/{file['id']}", headers=owner)
    assert download.status_code == 200 and download.data == content


def test_an_inbound_mail_downloads_exactly_as_it_arrived_with_what_reading_it_guessed(api, rpc, tmp_path):
    raw = b"From: ayse@example.org\r\nSubject: Sipari\xfe\r\n\r\nSipari\xfeim nerede?\r\n"
    [place] = MailArchive(tmp_path / "store" / "originals").write([raw])
    notes = ["Subject header: 8-bit text without a usable charset; decoded as cp1254"]
    [result] = rpc.tickets.receive_messages([inbound("gw-original@example.org", parse_notes=notes, original=place)])
    number, owner = result["ticket_number"], api.login("owner@example.com")
    [mail] = api.get(f"/api/v1/tickets/{number}", headers=owner).get_json()["messages"]
    assert mail["original"] == {"size": len(raw)} and mail["parse_notes"] == notes
    download = api.get(f"/api/v1/tickets/{number}/messages/{mail['id']}/original", headers=owner)
    assert download.status_code == 200 and download.data == raw
    assert download.headers["Content-Type"] == "message/rfc822"
    assert f'filename={number}-{mail["id"]}.eml' in download.headers["Content-Disposition"]
    agent = api.login("agent@example.com")
    assert api.get(f"/api/v1/tickets/{number}/messages/{mail['id']}/original", headers=agent).status_code == 403
    reply = api.post(f"/api/v1/tickets/{number}/replies", headers=owner, json={"body": "Kargoda."}).get_json()
    assert reply["original"] is None and reply["parse_notes"] == []
    none = api.get(f"/api/v1/tickets/{number}/messages/{reply['id']}/original", headers=owner)
    assert none.status_code == 404 and none.get_json()["error"]["field"] == "message_id"
    assert api.get(f"/api/v1/tickets/{number}/messages/{2**70}/original", headers=owner).status_code == 404


def test_a_mail_naming_an_original_that_is_no_hash_is_held_and_the_rest_of_its_batch_goes_in(api, rpc):
    good, bad = rpc.tickets.receive_messages([
        inbound("gw-good-original@example.org"),
        inbound("gw-bad-original@example.org", from_email="veli@example.org",
                original={"archive": "../../etc/passwd", "offset": 0, "size": 1})])
    assert good["status"] == "created" and bad["status"] == "held"
    [held] = api.get("/api/v1/held-mail", headers=api.login("owner@example.com")).get_json()["items"]
    assert held["message_id"] == "gw-bad-original@example.org"
    assert "original.archive must name a mail archive" in held["error"]  # the field at fault, named


def test_the_openapi_document_describes_the_mail_endpoints():
    from services.gateway.openapi import build_document
    paths = build_document()["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/departments/{department_id}/mail-settings"])
    assert "get" in paths["/api/v1/tickets/{number}/attachments/{attachment_id}"]
    assert "get" in paths["/api/v1/tickets/{number}/messages/{message_id}/original"]


@pytest.fixture
def rate_limit_of_one(monkeypatch):
    """SENDER_RATE_LIMIT=1 before ``api`` starts tickets: tickets reads its settings when it starts."""
    monkeypatch.setenv("SENDER_RATE_LIMIT", "1")


def test_managers_see_and_release_held_mail_through_the_api(rate_limit_of_one, api, rpc):
    rpc.tickets.receive_messages([inbound(f"gw-storm-{i}@example.org", from_email="bot@example.org")
                                  for i in range(2)])
    manager = api.login("manager@example.com")
    [held] = api.get("/api/v1/held-mail", headers=manager).get_json()["items"]
    assert held["reason"] == "rate_limited" and held["message_id"] == "gw-storm-1@example.org"
    released = api.post(f"/api/v1/held-mail/{held['id']}/release", headers=manager)
    assert released.status_code == 200 and released.get_json()["status"] == "created"
    again = api.post(f"/api/v1/held-mail/{held['id']}/release", headers=manager)
    assert again.status_code == 409
    agent = api.login("agent@example.com")
    assert api.get("/api/v1/held-mail", headers=agent).get_json()["items"] == []


def test_ids_too_large_for_any_row_are_a_404_not_a_server_error(api, rpc):
    owner = api.login("owner@example.com")
    [result] = rpc.tickets.receive_messages([inbound("gw-huge@example.org")])
    for path in ("/api/v1/departments/140737488355329/mail-settings",
                 f"/api/v1/tickets/{result['ticket_number']}/attachments/34167334541085038870528"):
        answer = api.get(path, headers=owner)
        assert answer.status_code == 404, (path, answer.get_json())
        assert set(answer.get_json()["error"]) == {"code", "message", "field"}
    assert api.put("/api/v1/departments/140737488355329/mail-settings", headers=owner,
                   json={"send_acknowledgement": True}).status_code == 404
    assert api.post(f"/api/v1/held-mail/{2**70}/release", headers=owner).status_code == 404


def test_held_mail_is_listed_by_held_or_released_and_nothing_else(api):
    owner = api.login("owner@example.com")
    assert api.get("/api/v1/held-mail?status=released", headers=owner).get_json() == {"items": []}
    for query in ("status=", "status=null", "status=held&status=held"):
        answer = api.get(f"/api/v1/held-mail?{query}", headers=owner)
        assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "status", query
