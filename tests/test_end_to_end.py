"""A customer writes, an agent answers by mail, the customer answers back: all through HTTP and SMTP."""
from __future__ import annotations

import re
import time

import pytest
import requests

from deploy.run_all import PortsInUse, System

pytestmark = pytest.mark.e2e

FIRST_MAIL = """\
From: =?utf-8?q?Ay=C5=9Fe_Y=C4=B1lmaz?= <Ayse.Yilmaz@Musteri.com.tr>
To: Destek <destek@example.com>
Subject: =?utf-8?q?Sipari=C5=9Fim_gelmedi?=
Message-ID: <ilk-mesaj-1@musteri.com.tr>
Date: Sun, 22 Nov 2026 10:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1254
Content-Transfer-Encoding: 8bit

Merhaba, 3 gün önce verdiğim sipariş hâlâ gelmedi. Işıl'a teslim edilecekti.
""".encode("cp1254")


def customer_reply(subject: str, headers: str, text: str, message_id: str) -> bytes:
    return (f"From: Ayse.Yilmaz@musteri.com.tr\nTo: destek@example.com\nSubject: {subject}\n"
            f"Message-ID: <{message_id}>\n{headers}MIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{text}\n").encode()


def post_mail(system, raw: bytes, recipient: str | None = None) -> requests.Response:
    params = {"recipient": recipient} if recipient else None
    return requests.post(f"http://127.0.0.1:{system.port('ingest')}/ingest/email", data=raw, params=params,
                         headers={"Content-Type": "message/rfc822"}, timeout=30)


class Api:
    def __init__(self, system, email: str, password: str = "destek-demo"):
        self.base = f"http://127.0.0.1:{system.port('gateway')}/api/v1"
        answer = requests.post(f"{self.base}/auth/login", json={"email": email, "password": password}, timeout=30)
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers, params=params, timeout=30)

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(self.base + path, headers=self.headers, json=body, timeout=30)


def eventually(check, timeout: float = 20.0):
    """Poll until ``check()`` returns something truthy; events take a moment to flow."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_mail_reply_and_answer_walk_through_every_service(system, smtp_server):
    created = post_mail(system, FIRST_MAIL)
    assert created.status_code == 202, created.text
    number = created.json()["ticket_number"]
    assert re.fullmatch(r"\d{4}-\d{6}", number) and created.json()["status"] == "created"

    again = post_mail(system, FIRST_MAIL)
    assert again.status_code == 202 and again.json() == {**created.json(), "status": "duplicate"}

    [ack] = smtp_server.wait_for(1, timeout=20)  # the customer is told the tracking number, once
    assert f"[#{number}]" in ack.message["Subject"] and ack.message["Auto-Submitted"] == "auto-replied"
    assert ack.message["In-Reply-To"] == "<ilk-mesaj-1@musteri.com.tr>"

    agent = Api(system, "agent@example.com")
    listed = agent.get("/tickets").json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == number
    assert agent.get(f"/tickets/{number}").status_code == 403  # agents open only tickets assigned to them

    manager = Api(system, "manager@example.com")
    ticket = manager.get(f"/tickets/{number}").json()
    assert ticket["subject"] == "Siparişim gelmedi" and ticket["status"] == "new" and ticket["priority"] == 3
    assert ticket["department"]["name"] == "Destek"
    assert ticket["customer"] == {**ticket["customer"], "name": "Ayşe Yılmaz", "email": "ayse.yilmaz@musteri.com.tr"}
    first = ticket["messages"][0]
    assert first["direction"] == "inbound" and "Işıl'a teslim" in first["body_text"] and first["created_at"]

    reply = manager.post(f"/tickets/{number}/replies", {"body": "Kargonuz yarın teslim edilecek."})
    assert reply.status_code == 201, reply.text

    sent = smtp_server.wait_for(2, timeout=20)[1]
    mail = sent.message
    assert sent.rcpt_tos == ["ayse.yilmaz@musteri.com.tr"]
    assert "destek@example.com" in mail["From"] and f"[#{number}]" in mail["Subject"]
    assert mail["In-Reply-To"] == "<ilk-mesaj-1@musteri.com.tr>"
    assert "<ilk-mesaj-1@musteri.com.tr>" in mail["References"]
    reply_id = mail["Message-ID"].strip("<>")
    assert reply_id and reply_id != "ilk-mesaj-1@musteri.com.tr"
    assert "Kargonuz yarın teslim edilecek." in mail.get_content()

    thread = eventually(lambda: [m for m in manager.get(f"/tickets/{number}").json()["messages"]
                                 if m["direction"] == "outbound" and m["delivery_status"] == "sent"
                                 and not m["is_auto_submitted"]])
    assert thread and thread[0]["body_text"] == "Kargonuz yarın teslim edilecek."

    by_headers = post_mail(system, customer_reply(f"Re: {mail['Subject']}", f"In-Reply-To: <{reply_id}>\n",
                                                  "Teşekkürler!", "cevap-2@musteri.com.tr"))
    assert by_headers.json() == {"status": "appended", "ticket_number": number,
                                 "message_id": "cevap-2@musteri.com.tr"}
    by_subject = post_mail(system, customer_reply(f"Ynt: Siparişim gelmedi [#{number}]", "",
                                                  "Bir sorum daha var.", "cevap-3@musteri.com.tr"))
    assert by_subject.json()["status"] == "appended" and by_subject.json()["ticket_number"] == number
    def whole_thread():  # the acknowledgement joins the thread once notify has sent it
        messages = manager.get(f"/tickets/{number}").json()["messages"]
        return messages if len(messages) == 5 else None
    messages = eventually(whole_thread)
    assert [m["direction"] for m in messages if not m["is_auto_submitted"]] == [
        "inbound", "outbound", "inbound", "inbound"]
    assert [m["message_id"] for m in messages if m["is_auto_submitted"]] == [ack.message["Message-ID"].strip("<>")]

    def first_response_met():
        clocks = manager.get(f"/tickets/{number}/sla").json()["clocks"]
        return [c for c in clocks if c["kind"] == "first_response" and c["state"] == "met"]
    assert eventually(first_response_met)

    def summary_counts_the_reply():
        figures = manager.get("/reports/summary").json()
        return figures if figures["responded_tickets"] == 1 else None
    figures = eventually(summary_counts_the_reply)
    assert figures and figures["total_tickets"] == 1 and figures["avg_first_response_seconds"] >= 0
    assert agent.get("/reports/summary").status_code == 403


def test_a_second_installation_on_the_same_ports_refuses_to_start_and_says_why(system):
    # Started anyway, its health checks would be answered by the first one and it would say "up".
    second = System(dict(system.env), quiet=True)
    with pytest.raises(PortsInUse) as refused:
        second.start()
    assert f"gateway {system.port('gateway')}" in str(refused.value)
    assert "already running" in str(refused.value) and second.processes == []
