"""A reply bounces: the mail server's report, posted to ingest, marks the reply failed on its thread."""
from __future__ import annotations

import pytest

from tests.support.checked_api import CheckedApi
from tests.support.waiting import eventually
from tests.test_end_to_end import post_mail

pytestmark = pytest.mark.e2e

CUSTOMER_MAIL = b"""\
From: Kemal Aydin <kemal@eski-firma.com.tr>
To: Destek <destek@example.com>
Subject: Fatura adresi
Message-ID: <fatura-1@eski-firma.com.tr>
Date: Mon, 23 Nov 2026 09:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Faturayi yeni adresimize kesebilir misiniz?
"""
REFUSAL = "552 5.2.2 <kemal@eski-firma.com.tr>: Recipient address rejected: Mailbox full"


def postfix_dsn(returned: bytes) -> bytes:
    """What Postfix at the department's relay sends back when the customer's server refuses the mail."""
    return b"""\
Return-Path: <>
Date: Mon, 23 Nov 2026 10:15:02 +0300 (+03)
From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: destek@example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4F1A22C0123.1795417702/mx.example.com"
Message-Id: <20261123071502.4F1A22C0123@mx.example.com>

This is a MIME-encapsulated message.

--4F1A22C0123.1795417702/mx.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<kemal@eski-firma.com.tr>: host mx.eski-firma.com.tr[203.0.113.7] said: 552
    5.2.2 <kemal@eski-firma.com.tr>: Recipient address rejected: Mailbox full
    (in reply to RCPT TO command)

--4F1A22C0123.1795417702/mx.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
X-Postfix-Queue-ID: 4F1A22C0123
X-Postfix-Sender: rfc822; destek@example.com
Arrival-Date: Mon, 23 Nov 2026 10:15:01 +0300 (+03)

Final-Recipient: rfc822; kemal@eski-firma.com.tr
Original-Recipient: rfc822;kemal@eski-firma.com.tr
Action: failed
Status: 5.2.2
Remote-MTA: dns; mx.eski-firma.com.tr
Diagnostic-Code: smtp; 552 5.2.2 <kemal@eski-firma.com.tr>: Recipient address
    rejected: Mailbox full

--4F1A22C0123.1795417702/mx.example.com
Content-Description: Undelivered Message
Content-Type: message/rfc822

""" + returned + b"""
--4F1A22C0123.1795417702/mx.example.com--
"""


def test_a_bounced_reply_shows_failed_on_its_thread_and_the_mailer_daemon_gets_nothing(system, smtp_server):
    created = post_mail(system, CUSTOMER_MAIL)
    assert created.status_code == 202 and created.json()["status"] == "created", created.text
    number = created.json()["ticket_number"]
    smtp_server.wait_for(1, timeout=20)  # the acknowledgement
    manager = CheckedApi.login(f"http://127.0.0.1:{system.port('gateway')}/api/v1", "manager@example.com")
    assert manager.post(f"/tickets/{number}/replies", {"body": "Tabii, yeni adrese kesiyoruz."}).status_code == 201
    reply_mail = smtp_server.wait_for(2, timeout=20)[1]
    reply_id = reply_mail.message["Message-ID"].strip("<>")

    def reply_on_thread(status):
        messages = manager.get(f"/tickets/{number}").json()["messages"]
        return [m for m in messages if m["message_id"] == reply_id and m["delivery_status"] == status]
    assert eventually(lambda: reply_on_thread("sent"), timeout=20)

    bounced = post_mail(system, postfix_dsn(reply_mail.raw.replace(b"\r\n", b"\n")), recipient="destek@example.com")
    assert bounced.status_code == 202, bounced.text
    assert bounced.json()["status"] == "appended" and bounced.json()["ticket_number"] == number

    [failed] = eventually(lambda: reply_on_thread("failed"), timeout=20)
    assert failed["delivery_error"] == f"bounced: 5.2.2 {REFUSAL}"
    thread = manager.get(f"/tickets/{number}").json()["messages"]
    [bounce] = [m for m in thread if m["message_id"] == "20261123071502.4F1A22C0123@mx.example.com"]
    assert bounce["direction"] == "inbound" and bounce["is_auto_submitted"] is True
    assert manager.get("/tickets").json()["total"] == 1  # the bounce opened no ticket of its own
    with pytest.raises(AssertionError):
        smtp_server.wait_for(3, timeout=3)  # and nobody answered the mailer-daemon
    assert [mail.rcpt_tos for mail in smtp_server.messages] == [["kemal@eski-firma.com.tr"]] * 2
