"""An agent's reply with files, through the HTTP API, tickets and notify to a real SMTP server."""
from __future__ import annotations

import base64
import hashlib

import pytest

from services.gateway.app import create_app
from services.notify.service import NotifyService
from services.shared.config import Settings, load_settings
from services.tickets.service import TicketsService
from services.tickets.tests.inbound.test_service_inbound import inbound
from tests.support.waiting import eventually

PDF = b"%PDF-1.4 fatura " + bytes(range(256)) * 8


@pytest.fixture
def api(start_service, demo_org, rabbit_config, smtp, attachment_store, rpc):
    """A gateway client logged in as the manager, and a ticket from a customer's mail."""
    start_service(TicketsService)
    start_service(NotifyService)
    [created] = rpc.tickets.receive_messages([inbound("ekli@musteri.com.tr")])
    app = create_app(Settings(amqp_uri=rabbit_config["AMQP_URI"], database_url=load_settings().database_url,
                              host="127.0.0.1", max_workers=2))
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "manager@example.com", "password": "destek-demo"})
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login.json['token']}"
    smtp.wait_for(1)  # the acknowledgement of the new ticket, on the thread a moment after it went out
    owner = rpc.tickets.authenticate("owner@example.com", "destek-demo")["id"]
    assert eventually(lambda: len(rpc.tickets.get_ticket(owner, created["ticket_number"])["messages"]) == 2)
    smtp.clear()
    yield client, created["ticket_number"]
    app.extensions["destek.rpc"].close()


def attachment(filename: str, content_type: str, content: bytes) -> dict:
    return {"filename": filename, "content_type": content_type,
            "content_base64": base64.b64encode(content).decode()}


def test_a_reply_with_attachments_reaches_the_customer_as_one_multipart_mail(api, smtp, attachment_store):
    client, number = api
    answer = client.post(f"/api/v1/tickets/{number}/replies", json={"body": "Faturanız ekte.", "attachments": [
        attachment("fatura-şubat.pdf", "application/pdf", PDF),
        attachment("not.txt", "text/plain", "Ödeme 3 gün içinde.".encode())]})
    assert answer.status_code == 201, answer.json
    assert [(a["filename"], a["size"], a["kept"]) for a in answer.json["attachments"]] == [
        ("fatura-şubat.pdf", len(PDF), True), ("not.txt", len("Ödeme 3 gün içinde.".encode()), True)]
    digest = hashlib.sha256(PDF).hexdigest()
    assert (attachment_store / digest[:2] / digest).read_bytes() == PDF
    [sent] = smtp.wait_for(1)
    assert sent.message.get_body(("plain",)).get_content().strip() == "Faturanız ekte."
    files = {part.get_filename(): part.get_payload(decode=True) for part in sent.message.iter_attachments()}
    assert files == {"fatura-şubat.pdf": PDF, "not.txt": "Ödeme 3 gün içinde.".encode()}


@pytest.mark.service_env(MAX_ATTACHMENT_BYTES="1000")
def test_attachments_over_the_limit_or_not_in_base64_are_refused_and_nothing_is_sent(api, smtp, rpc):
    client, number = api
    too_big = client.post(f"/api/v1/tickets/{number}/replies", json={
        "body": "Ekte.", "attachments": [attachment("a.bin", "application/octet-stream", b"x" * 600),
                                         attachment("b.bin", "application/octet-stream", b"y" * 600)]})
    not_base64 = client.post(f"/api/v1/tickets/{number}/replies", json={
        "body": "Ekte.", "attachments": [{"filename": "c.pdf", "content_type": "application/pdf",
                                          "content_base64": "bu base64 değil!"}]})
    for refused in (too_big, not_base64):
        assert refused.status_code == 422 and refused.json["error"]["field"] == "attachments", refused.json
    owner = rpc.tickets.authenticate("owner@example.com", "destek-demo")["id"]
    assert [m["direction"] for m in rpc.tickets.get_ticket(owner, number)["messages"]] == ["inbound", "outbound"]
    assert len(smtp.messages) == 0
