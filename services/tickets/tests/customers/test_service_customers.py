"""Customers over the real bus and database: dedup, validation, search, merge, history, access."""
from __future__ import annotations

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from services.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.tickets.service import TicketsService
from services.tickets.tests.support_3y import Org


@pytest.fixture
def org(start_service, demo_org, rpc):
    start_service(TicketsService)
    return Org(rpc.tickets)


def test_a_customer_entered_by_hand_is_stored_with_normalised_contacts(org):
    customer = org.tickets.create_customer(org.agent, {"name": "Ayşe Yılmaz", "email": " Ayse@Musteri.COM.tr ",
                                                       "phone": "0555 123 45 67"})
    assert (customer["email"], customer["phone"]) == ("ayse@musteri.com.tr", "+905551234567")
    assert customer["ticket_count"] == 0 and customer["merged_into_id"] is None


def test_an_invalid_email_or_phone_is_refused_naming_the_field(org):
    with pytest.raises(InvalidInput) as bad_email:
        org.tickets.create_customer(org.agent, {"name": "X", "email": "not-an-address"})
    with pytest.raises(InvalidInput) as bad_phone:
        org.tickets.create_customer(org.agent, {"name": "X", "phone": "12"})
    assert (bad_email.value.field, bad_phone.value.field) == ("email", "phone")


def test_a_contact_with_more_than_kind_and_value_is_refused_naming_the_stray_field(org):
    customer = org.tickets.create_customer(org.agent, {"name": "Ayşe"})["id"]
    with pytest.raises(InvalidInput) as stray:
        org.tickets.update_customer(org.agent, customer, {"contacts": [
            {"kind": "email", "value": "ayse@example.org"}, {"kind": "phone", "value": "05551234567", "note": "iş"}]})
    assert stray.value.field == "contacts[1].note"
    assert org.tickets.get_customer(org.agent, customer)["contacts"] == []


def test_list_pages_are_whole_numbers_written_plainly(org):
    for written in (" 5", "1_0", "５", "+5", "5.0"):
        with pytest.raises(InvalidInput) as bad:
            org.tickets.list_customers(org.agent, {"limit": written})
        assert bad.value.field == "limit", written
    assert org.tickets.list_customers(org.agent, {"limit": "5", "offset": "0"})["total"] == 0


def test_the_same_email_in_another_case_or_the_same_phone_in_another_format_is_a_duplicate(org):
    org.tickets.create_customer(org.agent, {"email": "ali@example.org", "phone": "+90 555 123 45 67"})
    with pytest.raises(Conflict) as same_email:
        org.tickets.create_customer(org.agent, {"email": "ALI@Example.org"})
    with pytest.raises(Conflict) as same_phone:
        org.tickets.create_customer(org.agent, {"phone": "05551234567"})
    assert (same_email.value.field, same_phone.value.field) == ("email", "phone")


def test_a_first_mail_creates_the_customer_and_later_mails_find_them(org):
    org.ticket_from("ali@example.org")
    org.ticket_from("ALI@example.org")
    [customer] = org.tickets.list_customers(org.owner, {"q": "ali@example.org"})["items"]
    assert customer["ticket_count"] == 2 and customer["last_contact_at"]


def test_an_address_typed_with_a_turkish_domain_and_in_punycode_is_one_customer(org):
    typed = org.tickets.create_customer(org.agent, {"name": "Ayşe", "email": "Ayse@Örnek.com.tr"})
    assert typed["email"] == "ayse@örnek.com.tr"
    with pytest.raises(Conflict) as same_email:
        org.tickets.create_customer(org.agent, {"email": "ayse@xn--rnek-4qa.com.tr"})
    assert same_email.value.field == "email"


def test_a_mail_from_the_punycode_spelling_lands_with_the_customer_typed_in_turkish(org):
    typed = org.tickets.create_customer(org.agent, {"name": "Ayşe", "email": "ayse@örnek.com.tr"})
    org.ticket_from("ayse@xn--rnek-4qa.com.tr")
    [customer] = org.tickets.list_customers(org.owner, {"q": "ayse@örnek.com.tr"})["items"]
    assert customer["id"] == typed["id"] and customer["ticket_count"] == 1


def test_a_sender_no_typed_address_could_be_still_opens_a_ticket(org):
    number = org.ticket_from("ali@localhost")
    assert org.tickets.get_ticket(org.owner, number)["customer"]["email"] == "ali@localhost"


def test_customers_are_found_by_folded_name_any_phone_format_or_email(org):
    org.tickets.create_customer(org.owner, {"name": "IŞIL İNCE", "phone": "+905321112233"})
    org.tickets.create_customer(org.owner, {"name": "Ahmet Kaya", "email": "ahmet@kaya.com"})
    found = lambda q: [c["name"] for c in org.tickets.list_customers(org.owner, {"q": q})["items"]]  # noqa: E731
    assert found("ışıl ince") == found("isil") == found("0532 111 22 33") == found("111 22") == ["IŞIL İNCE"]
    assert found("AHMET@kaya.com") == found("kaya") == ["Ahmet Kaya"]
    assert found("nobody") == []


def test_editing_a_customer_changes_them_everywhere_and_is_audited(org):
    number = org.ticket_from("ali@example.org")
    customer = org.tickets.get_ticket(org.manager, number)["customer"]
    edited = org.tickets.update_customer(org.manager, customer["id"], {"name": "Ali Veli Yıldız",
                                                                       "phone": "0555 000 11 22"})
    assert edited["name"] == "Ali Veli Yıldız" and edited["phone"] == "+905550001122"
    assert org.tickets.get_ticket(org.manager, number)["customer"]["name"] == "Ali Veli Yıldız"
    [entry] = org.tickets.list_audit(org.owner, {"object_type": "customer", "action": "updated"})["items"]
    assert entry["details"]["changes"]["name"] == ["Ali Veli", "Ali Veli Yıldız"]
    assert entry["actor_user_id"] == org.manager


def test_editing_a_customer_while_a_colleague_changes_one_of_their_tickets_deadlocks_neither(
        org, demo_org, rabbit_config):
    number = org.ticket_from("ali@example.org")
    customer = org.tickets.get_ticket(org.owner, number)["customer"]["id"]

    def edit_customer():
        with ClusterRpcProxy(rabbit_config, timeout=30) as own:
            return own.tickets.update_customer(org.manager, customer, {"name": "Ali Veli Yıldız"})
    # The colleague's change writes the ticket row twice, as a PATCH of several fields does; the second
    # write checks the ticket's customer again. The customer edit comes in between: it waits for the
    # ticket row, while holding the customer row.
    with demo_org.begin() as colleague:
        colleague.execute(text("UPDATE tickets.tickets SET priority = 2 WHERE number = :n"), {"n": number})
        edit = eventlet.spawn(edit_customer)
        wait_until_a_query_waits_for_a_lock(demo_org)
        colleague.execute(text("UPDATE tickets.tickets SET updated_at = now() WHERE number = :n"), {"n": number})
    assert edit.wait()["name"] == "Ali Veli Yıldız"
    assert org.tickets.get_ticket(org.owner, number)["priority"] == 2


def wait_until_a_query_waits_for_a_lock(engine, timeout: float = 10) -> None:
    with engine.connect() as conn:
        for _ in range(int(timeout / 0.05)):
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalar():
                return
            conn.rollback()
            eventlet.sleep(0.05)
    raise AssertionError(f"no query waited for a lock within {timeout}s")


def test_a_customer_with_tickets_cannot_be_deleted_but_one_without_can(org):
    number = org.ticket_from("ali@example.org")
    with_tickets = org.tickets.get_ticket(org.owner, number)["customer"]["id"]
    with pytest.raises(Conflict):
        org.tickets.delete_customer(org.manager, with_tickets)
    lonely = org.tickets.create_customer(org.agent, {"name": "Yalnız"})["id"]
    with pytest.raises(Forbidden):
        org.tickets.delete_customer(org.agent, lonely)
    org.tickets.delete_customer(org.manager, lonely)
    with pytest.raises(NotFound):
        org.tickets.get_customer(org.owner, lonely)


def test_merging_moves_tickets_calls_and_contacts_and_records_the_merge(org, demo_org):
    first = org.ticket_from("old@example.org", "Ayşe")
    second = org.ticket_from("new@example.org", "Ayşe Yılmaz")
    source = org.tickets.get_ticket(org.owner, first)["customer"]["id"]
    target = org.tickets.get_ticket(org.owner, second)["customer"]["id"]
    org.tickets.update_customer(org.owner, source, {"phone": "0555 123 45 67"})
    org.tickets.record_call(org.manager, {"outcome": "success", "phone": "05551234567", "provider_call_id": "p1"})
    merged = org.tickets.merge_customers(org.manager, source, target)
    assert merged["ticket_count"] == 2 and merged["phone"] == "+905551234567"
    assert merged["contacts"] == [{"kind": "email", "value": "old@example.org"}]
    assert org.tickets.get_ticket(org.owner, first)["customer"]["id"] == target
    assert org.tickets.get_customer(org.owner, source)["merged_into_id"] == target
    assert [c["id"] for c in org.tickets.list_customers(org.owner, {})["items"]] == [target]
    assert org.tickets.list_customers(org.owner, {"q": "old@example.org"})["items"][0]["id"] == target
    assert org.tickets.list_calls(org.owner, {"customer_id": str(target)})["total"] == 1
    with demo_org.connect() as conn:
        row = conn.execute(text("SELECT source_id, target_id, merged_by_user_id, details "
                                "FROM tickets.customer_merges")).one()
    assert (row.source_id, row.target_id, row.merged_by_user_id) == (source, target, org.manager)
    assert row.details["source"]["email"] == "old@example.org" and row.details["tickets"] == [first]


def test_a_later_mail_from_a_merged_address_lands_with_the_surviving_customer(org):
    source = org.tickets.create_customer(org.owner, {"email": "old@example.org"})["id"]
    target = org.tickets.create_customer(org.owner, {"email": "new@example.org"})["id"]
    org.tickets.merge_customers(org.owner, source, target)
    number = org.ticket_from("old@example.org")
    assert org.tickets.get_ticket(org.owner, number)["customer"]["id"] == target


def test_only_managers_and_owners_merge_and_never_a_customer_into_itself(org):
    one = org.tickets.create_customer(org.agent, {"email": "one@example.org"})["id"]
    two = org.tickets.create_customer(org.agent, {"email": "two@example.org"})["id"]
    with pytest.raises(Forbidden):
        org.tickets.merge_customers(org.agent, one, two)
    with pytest.raises(InvalidInput) as itself:
        org.tickets.merge_customers(org.owner, one, one)
    assert itself.value.field == "into"


def test_a_customers_history_lists_their_tickets_newest_first_within_the_viewers_departments(org):
    in_destek = org.ticket_from("ali@example.org")
    in_sales = org.ticket_from("ali@example.org", recipient="satis@example.com")
    customer = org.tickets.get_ticket(org.owner, in_destek)["customer"]["id"]
    everything = org.tickets.list_customer_tickets(org.owner, customer)
    assert [t["number"] for t in everything["items"]] == [in_sales, in_destek] and everything["total"] == 2
    assert [t["number"] for t in org.tickets.list_customer_tickets(org.agent, customer)["items"]] == [in_destek]
    assert org.tickets.get_customer(org.agent, customer)["ticket_count"] == 2


def test_agents_do_not_see_customers_who_only_wrote_to_other_departments(org):
    number = org.ticket_from("satis-only@example.org", recipient="satis@example.com")
    customer = org.tickets.get_ticket(org.owner, number)["customer"]["id"]
    with pytest.raises(NotFound):
        org.tickets.get_customer(org.agent, customer)
    assert org.tickets.list_customers(org.agent, {"q": "satis-only@example.org"})["items"] == []
    assert org.tickets.get_customer(org.manager, customer)["id"] == customer
