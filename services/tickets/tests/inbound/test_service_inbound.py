"""The tickets service over the real bus and database: inbound messages become tickets."""
from __future__ import annotations

import re
import secrets

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.tickets.service import TicketsService


def inbound(message_id: str, **fields) -> dict:
    message = {"channel": "email", "recipients": ["destek@example.com"], "message_id": message_id,
               "in_reply_to": [], "references": [], "subject": "Fatura sorusu", "from_name": "Ali Veli",
               "from_email": "ali@example.org", "to": ["destek@example.com"], "body_text": "Merhaba",
               "body_html": None, "reply_text": "Merhaba", "is_auto_submitted": False,
               "tracking_number": None}
    message.update(fields)
    return message


@pytest.fixture
def tickets(start_service, demo_org, rpc):
    start_service(TicketsService)
    return rpc.tickets


def test_a_new_mail_opens_a_numbered_ticket_in_the_addressed_department(tickets):
    [result] = tickets.receive_messages([inbound("a1@example.org", recipients=["satis@example.com"])])
    assert result["status"] == "created" and re.fullmatch(r"\d{4}-\d{6}", result["ticket_number"])
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    ticket = tickets.get_ticket(owner["id"], result["ticket_number"])
    assert ticket["department"]["name"] == "Satış"
    assert ticket["customer"]["email"] == "ali@example.org" and ticket["customer"]["name"] == "Ali Veli"


def test_mail_for_an_unknown_address_goes_to_the_default_department(tickets):
    [result] = tickets.receive_messages([inbound("a2@example.org", recipients=["nobody@elsewhere.com"])])
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    assert tickets.get_ticket(owner["id"], result["ticket_number"])["department"]["name"] == "Destek"


def test_the_same_mail_twice_is_one_message(tickets):
    first, second = tickets.receive_messages([inbound("dup@example.org"), inbound("dup@example.org")])
    [third] = tickets.receive_messages([inbound("dup@example.org")])
    assert first["status"] == "created"
    assert second == third == {**first, "status": "duplicate"}
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    assert tickets.list_tickets(owner["id"])["total"] == 1
    assert len(tickets.get_ticket(owner["id"], first["ticket_number"])["messages"]) == 1


def test_a_reply_that_arrives_before_its_original_joins_the_same_ticket(tickets):
    [reply] = tickets.receive_messages([inbound("late-2@example.org", in_reply_to=["early-1@example.org"],
                                                references=["early-1@example.org"])])
    [original] = tickets.receive_messages([inbound("early-1@example.org")])
    assert original == {"status": "appended", "ticket_number": reply["ticket_number"],
                        "message_id": "early-1@example.org"}


def test_replies_to_an_original_not_received_yet_share_one_ticket_which_the_original_joins(tickets):
    def reply(message_id, *cited):
        return inbound(message_id, subject="Re: Fatura sorusu", in_reply_to=[cited[-1]], references=list(cited))
    [first] = tickets.receive_messages([reply("re-a@example.org", "root@example.org")])
    # The next batch holds a second answer to the same original, an answer to that one, and the original.
    later = tickets.receive_messages([reply("re-b@example.org", "root@example.org"),
                                      reply("re-c@example.org", "root@example.org", "re-b@example.org"),
                                      inbound("root@example.org")])
    assert [r["status"] for r in later] == ["appended"] * 3
    assert {r["ticket_number"] for r in later} == {first["ticket_number"]}


def test_a_reply_in_the_same_batch_joins_the_ticket_its_original_opened(tickets, caplog):
    first, second, third, fourth = tickets.receive_messages([
        inbound("b1@example.org"), inbound("b2@example.org", in_reply_to=["b1@example.org"]),
        inbound("b3@example.org", from_email="x@example.org", references=["b4@example.org"]),
        inbound("b4@example.org", from_email="y@example.org")])
    assert second["status"] == "appended" and second["ticket_number"] == first["ticket_number"]
    assert fourth["status"] == "appended" and fourth["ticket_number"] == third["ticket_number"]
    assert "one by one" not in caplog.text  # placed as one batch, not retried message by message


def test_ticket_numbers_are_unique_across_concurrent_batches(tickets, rabbit_config):
    def send(batch):
        with ClusterRpcProxy(rabbit_config, timeout=30) as own_client:  # one client per caller
            return own_client.tickets.receive_messages(batch)
    batches = [[inbound(f"c{b}-{i}@example.org", from_email=f"c{b}-{i}@example.org") for i in range(10)]
               for b in range(8)]
    numbers = [r["ticket_number"] for results in eventlet.GreenPool(8).imap(send, batches) for r in results]
    assert len(numbers) == 80 and len(set(numbers)) == 80


def test_a_reply_and_its_original_in_concurrent_batches_share_one_ticket(tickets, rabbit_config):
    # Two ingest processes (or IMAP and HTTP) hand over at the same moment: the original in one
    # batch, the reply in the other. Neither may open a ticket of its own.
    count = 100  # the customers exist already: creating them would make the batches collide on their own
    tickets.receive_messages([inbound(f"hello-{i}@example.org", from_email=f"k{i}@example.org")
                              for i in range(count)])
    originals = [inbound(f"root-{i}@example.org", from_email=f"k{i}@example.org") for i in range(count)]
    replies = [inbound(f"re-{i}@example.org", from_email=f"k{i}@example.org", subject="Re: Fatura sorusu",
                       in_reply_to=[f"root-{i}@example.org"], references=[f"root-{i}@example.org"])
               for i in range(count)]
    half = count // 2
    batches = [originals[:half] + replies[half:], replies[:half] + originals[half:]]
    with ClusterRpcProxy(rabbit_config, timeout=30) as one, ClusterRpcProxy(rabbit_config, timeout=30) as other:
        calls = [client.tickets.receive_messages.call_async(batch) for client, batch in zip((one, other), batches)]
        results = {r["message_id"]: r for call in calls for r in call.result()}
    for i in range(count):
        assert results[f"re-{i}@example.org"]["ticket_number"] == results[f"root-{i}@example.org"]["ticket_number"]
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    assert tickets.list_tickets(owner["id"])["total"] == 2 * count


def test_a_message_without_a_message_id_is_held_for_an_operator(tickets):
    ok, missing = tickets.receive_messages([inbound("whole@example.org"), {**inbound("x"), "message_id": None}])
    assert ok["status"] == "created" and missing["status"] == "held"
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    [held] = tickets.list_held_messages(owner["id"])
    assert held["reason"] == "failed" and "message_id" in held["error"]


def test_a_message_too_big_for_the_databases_indexes_is_held_and_its_batch_goes_in(tickets):
    # 5,000 random characters do not fit a B-tree entry (the unique Message-ID index): PostgreSQL refuses
    # the row itself, which is this message's fault, not the database's, so the rest of the batch is kept.
    too_long = secrets.token_hex(2500) + "@example.org"
    ok, refused = tickets.receive_messages([inbound("fits@example.org"), inbound(too_long)])
    assert ok["status"] == "created" and refused["status"] == "held"
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    [held] = tickets.list_held_messages(owner["id"])
    assert held["reason"] == "failed" and "index row" in held["error"]
    assert "INSERT" not in held["error"]  # the operator reads the reason, not the statement and its values


def test_a_sender_longer_than_any_address_opens_a_ticket_with_no_address_to_answer(tickets):
    [result] = tickets.receive_messages([inbound("long-sender@example.org",
                                                 from_email=secrets.token_hex(1500) + "@example.org")])
    assert result["status"] == "created"
    owner = tickets.authenticate("owner@example.com", "destek-demo")
    assert tickets.get_ticket(owner["id"], result["ticket_number"])["customer"]["email"] is None


def test_wrong_password_is_refused_and_repeated_failures_lock_the_account(tickets):
    from services.shared.errors import AccountLocked, Unauthenticated
    for _ in range(5):
        with pytest.raises(Unauthenticated) as refused:
            tickets.authenticate("agent@example.com", "wrong")
        assert refused.value.field == "password"
    with pytest.raises(AccountLocked, match="try again after"):
        tickets.authenticate("agent@example.com", "destek-demo")


def test_an_agents_answer_goes_to_the_reply_to_the_customer_gave(tickets, event_tap):
    tap = event_tap("tickets")
    owner = tickets.authenticate("owner@example.com", "destek-demo")["id"]
    # A shop's contact form mails from its own address, with the customer in Reply-To.
    [form] = tickets.receive_messages([inbound("form-1@magaza.example", from_email="noreply@magaza.example",
                                               from_name="Mağaza iletişim formu", reply_to="Zeynep@Musteri.example")])
    number = form["ticket_number"]
    [mail] = tickets.get_ticket(owner, number)["messages"]
    assert mail["reply_to"] == "zeynep@musteri.example" and mail["cc"] == []
    answer = tickets.post_reply(owner, number, "Siparişiniz yolda.")
    assert answer["to"] == ["zeynep@musteri.example"]
    [posted] = tap.wait_for("reply_posted")
    assert posted["to_email"] == "zeynep@musteri.example" and posted["to_name"] == ""

    # A colleague who joins with a Reply-To of their own does not take the customer's answers away.
    tickets.receive_messages([inbound("form-2@magaza.example", from_email="mudur@magaza.example",
                                      reply_to="baska@magaza.example", subject=f"Re: [#{number}]",
                                      tracking_number=number)])
    assert tickets.post_reply(owner, number, "Bilginize.")["to"] == ["zeynep@musteri.example"]

    # A Reply-To that is no address is not answered to.
    [plain] = tickets.receive_messages([inbound("form-3@musteri.example", from_email="ali@musteri.example",
                                                reply_to="<bozuk adres>", cc=["veli@musteri.example"])])
    assert tickets.get_ticket(owner, plain["ticket_number"])["messages"][0]["cc"] == ["veli@musteri.example"]
    assert tickets.post_reply(owner, plain["ticket_number"], "Merhaba Ali.")["to"] == ["ali@musteri.example"]
