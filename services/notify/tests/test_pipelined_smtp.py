"""Mail through an SMTP server that offers PIPELINING: commands sent together, failures still told apart."""
from __future__ import annotations

import pytest
from nameko.standalone.events import event_dispatcher

from services.notify.mail import PermanentFailure, SmtpConnection, SmtpSettings, TemporaryFailure
from services.notify.service import NotifyService
from services.notify.tests.pipelining_smtp import pipelined_count, pipelining_server
from services.notify.tests.test_service_automatic_mail import ticket_created
from services.notify.wire import automatic_mail


@pytest.fixture
def pipelining(tmp_path):
    """``(settings, recorder, directory)`` of a pipelining server of this test's own."""
    directory = tmp_path / "pipelining"
    with pipelining_server(directory) as (port, recorder):
        yield SmtpSettings("127.0.0.1", port, "", "", "none"), recorder, directory


def acknowledgement(number: str, to_email: str = "ayse@musteri.com.tr") -> bytes:
    return automatic_mail(
        from_email="destek@firma.com.tr", from_name="Müşteri Hizmetleri", to_email=to_email, to_name="Ayşe Yılmaz",
        subject=f"Talebiniz alındı / Request received: Siparişim gelmedi [#{number}]",
        body=".\nTalebinizi aldık.\n..\n", message_id=f"ack.{number}@firma.com.tr", in_reply_to=[], references=[],
        ticket_number=number)


def test_mail_to_a_pipelining_server_goes_in_one_burst_of_commands_and_arrives_byte_for_byte(pipelining):
    settings, recorder, directory = pipelining
    sent = [acknowledgement(f"2026-00070{n}", f"m{n}@example.org") for n in range(3)]
    with SmtpConnection(settings) as connection:
        assert connection.pipelining
        for n, raw in enumerate(sent):
            connection.send(raw, "destek@firma.com.tr", f"m{n}@example.org")
    received = recorder.wait_for(3)
    assert [mail.raw for mail in received] == sent and pipelined_count(directory) == 3
    assert [mail.rcpt_tos for mail in received] == [[f"m{n}@example.org"] for n in range(3)]
    assert received[0].message.get_content() == ".\nTalebinizi aldık.\n..\n"
    assert received[0].message["Subject"] == "Talebiniz alındı / Request received: Siparişim gelmedi [#2026-000700]"


def test_a_refused_recipient_fails_only_its_own_mail_in_a_pipelined_conversation(pipelining):
    settings, recorder, _ = pipelining
    recorder.set_failure(550, "5.1.1 no such mailbox", recipient="yok@example.org")
    with SmtpConnection(settings) as connection:
        with pytest.raises(PermanentFailure, match="550 5.1.1 no such mailbox"):
            connection.send(acknowledgement("2026-000710", "yok@example.org"), "destek@firma.com.tr",
                            "yok@example.org")
        connection.send(acknowledgement("2026-000711", "var@example.org"), "destek@firma.com.tr", "var@example.org")
        recorder.set_failure(451, "4.7.1 greylisted")
        with pytest.raises(TemporaryFailure, match="451"):
            connection.send(acknowledgement("2026-000712"), "destek@firma.com.tr", "ayse@musteri.com.tr")
    [arrived] = recorder.wait_for(1)
    assert arrived.rcpt_tos == ["var@example.org"] and len(recorder.messages) == 1


def test_a_refusal_after_the_content_is_told_apart_and_the_conversation_goes_on(pipelining):
    settings, recorder, _ = pipelining
    recorder.set_failure(554, "5.7.1 content refused", stage="data")
    with SmtpConnection(settings) as connection:
        with pytest.raises(PermanentFailure, match="554"):
            connection.send(acknowledgement("2026-000720"), "destek@firma.com.tr", "ayse@musteri.com.tr")
        recorder.set_failure(None)
        connection.send(acknowledgement("2026-000721"), "destek@firma.com.tr", "ayse@musteri.com.tr")
    [arrived] = recorder.wait_for(1)
    assert arrived.message["X-Destek-Ticket"] == "2026-000721"


def test_a_burst_of_acknowledgements_through_a_pipelining_server_is_sent_once_each(
        start_service, rabbit_config, clean_db, pipelining, monkeypatch, event_tap):
    settings, recorder, directory = pipelining
    monkeypatch.setenv("SMTP_HOST", settings.host)
    monkeypatch.setenv("SMTP_PORT", str(settings.port))
    tap = event_tap("notify")
    start_service(NotifyService)
    recorder.set_failure(550, "5.1.1 no such mailbox", recipient="yok@example.org")
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", ticket_created("2026-000799", customer_email="yok@example.org"))
    numbers = [f"2026-0007{index:02d}" for index in range(30)]
    for number in numbers:
        dispatch("tickets", "ticket_created", ticket_created(number, customer_email=f"m{number[-2:]}@example.org"))
    received = recorder.wait_for(len(numbers), timeout=20)
    assert sorted(mail.message["X-Destek-Ticket"] for mail in received) == numbers
    assert pipelined_count(directory) >= len(numbers)
    events = tap.wait_for("acknowledgement_sent", len(numbers))
    assert sorted(event["ticket_number"] for event in events) == numbers
    assert {event["subject"] for event in events} == {mail.message["Subject"] for mail in received}
