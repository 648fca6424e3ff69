"""Ticket lists over the real service: filters, Turkish-aware search, sorting and keyset pages."""
from __future__ import annotations

import pytest

from services.shared.errors import InvalidInput
from services.tickets.tests.core_support import demo, new_ticket, tickets  # noqa: F401 (fixtures)


def numbers(page: dict) -> list[str]:
    return [item["number"] for item in page["items"]]


@pytest.fixture
def some_tickets(tickets, demo):
    """Four tickets of different customers, priorities and departments, oldest first."""
    made = [
        new_ticket(tickets, demo, subject="İSTANBUL şubesine teslimat", priority=2,
                   customer={"name": "Ilgın Işık", "email": "ilgin@firma.com.tr", "phone": "+90 555 123 45 67"}),
        new_ticket(tickets, demo, subject="ISPANAK siparişi eksik", priority=1,
                   customer={"name": "Şükrü Çağlar", "email": "sukru@ornek.org"}),
        new_ticket(tickets, demo, subject="Fatura kopyası", priority=4, department_id=demo.satis,
                   customer={"name": "Deniz Ak", "phone": "0532 000 11 22"}),
        new_ticket(tickets, demo, subject="Kargo takip numarası", priority=3, assignee_id=demo.agent,
                   customer={"name": "Ayşe Yılmaz", "email": "ayse@musteri.com.tr"}),
    ]
    return [t["number"] for t in made]


def test_turkish_letters_match_whatever_way_they_are_typed(tickets, demo, some_tickets):
    first, second, *_ = some_tickets
    for q in ("istanbul", "İstanbul", "ISTANBUL", "teslimat", "subesine"):
        assert numbers(tickets.list_tickets(demo.owner, {"q": q})) == [first], q
    for q in ("ıspanak", "ispanak", "Ispanak siparis", "sukru", "ŞÜKRÜ", "caglar"):
        assert numbers(tickets.list_tickets(demo.owner, {"q": q})) == [second], q


def test_search_finds_tracking_numbers_emails_phones_in_any_format_and_name_fragments(tickets, demo, some_tickets):
    first, second, third, fourth = some_tickets
    assert numbers(tickets.list_tickets(demo.owner, {"q": f"#{third}"})) == [third]
    assert numbers(tickets.list_tickets(demo.owner, {"q": "SUKRU@ornek.org"})) == [second]
    for phone in ("05551234567", "+905551234567", "0 (555) 123 45 67", "555 123 4567", "1234567"):
        assert numbers(tickets.list_tickets(demo.owner, {"q": phone})) == [first], phone
    assert numbers(tickets.list_tickets(demo.owner, {"q": "lmaz"})) == [fourth]
    assert numbers(tickets.list_tickets(demo.owner, {"q": "firma.com"})) == [first]
    assert tickets.list_tickets(demo.owner, {"q": "bulunmayan kelime"})["items"] == []


def test_editing_a_customer_refreshes_what_finds_their_tickets(tickets, demo, some_tickets):
    fourth = some_tickets[3]
    customer_id = tickets.get_ticket(demo.owner, fourth)["customer"]["id"]
    demo.execute("UPDATE tickets.customers SET name = 'Ayşe Öztürk' WHERE id = :i", i=customer_id)
    assert numbers(tickets.list_tickets(demo.owner, {"q": "ozturk"})) == [fourth]
    assert tickets.list_tickets(demo.owner, {"q": "yilmaz"})["items"] == []


def test_filters_narrow_the_list(tickets, demo, some_tickets):
    first, second, third, fourth = some_tickets
    owner = demo.owner
    assert numbers(tickets.list_tickets(owner, {"priority": "1,2", "sort": "priority"})) == [second, first]
    assert numbers(tickets.list_tickets(owner, {"department_id": str(demo.satis)})) == [third]
    assert numbers(tickets.list_tickets(demo.agent, {"assignee": "mine"})) == [fourth]
    assert set(numbers(tickets.list_tickets(owner, {"assignee": "unassigned"}))) == {first, second, third}
    tickets.update_ticket(demo.manager, first, {"status": "in_progress"})
    assert numbers(tickets.list_tickets(owner, {"status": "in_progress"})) == [first]
    assert numbers(tickets.list_tickets(owner, {"updated_from": "2000-01-01", "created_to": "2999-01-01",
                                                "status": "in_progress"})) == [first]
    assert tickets.list_tickets(owner, {"created_from": "2999-01-01"})["items"] == []
    customer_id = tickets.get_ticket(owner, second)["customer"]["id"]
    assert numbers(tickets.list_tickets(owner, {"customer_id": customer_id})) == [second]


def test_agents_list_their_departments_tickets_only(tickets, demo, some_tickets):
    listed = tickets.list_tickets(demo.agent)
    assert set(numbers(listed)) == set(some_tickets) - {some_tickets[2]} and listed["total"] == 3


def test_pages_follow_the_cursor_without_gaps_or_repeats(tickets, demo, some_tickets):
    seen, cursor = [], None
    for _ in range(5):
        page = tickets.list_tickets(demo.owner, {"limit": 3, "sort": "created", **({"cursor": cursor} if cursor else {})})
        seen += numbers(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == some_tickets
    first_page = tickets.list_tickets(demo.owner, {"limit": 3, "sort": "created"})
    assert first_page["total"] == 4 and first_page["total_is_exact"] is True


def test_every_sort_order_is_accepted_and_time_in_stage_sorts_by_stage_entry(tickets, demo, some_tickets):
    first = some_tickets[0]
    service = {p["name"]: p for p in tickets.list_pipelines(demo.owner)}["Servis"]
    tickets.move_ticket(demo.manager, first, service["stages"][1]["id"])  # first now has the shortest time in stage
    assert numbers(tickets.list_tickets(demo.owner, {"sort": "time_in_stage"}))[0] == first
    assert numbers(tickets.list_tickets(demo.owner, {"sort": "-time_in_stage"}))[-1] == first
    for sort in ("created", "-created", "updated", "-updated", "priority", "-priority"):
        assert len(tickets.list_tickets(demo.owner, {"sort": sort})["items"]) == 4


def test_a_wrong_filter_is_refused_by_name(tickets, demo):
    for filters, field in (({"status": "x"}, "status"), ({"limit": "1000"}, "limit"), ({"foo": "1"}, "foo"),
                           ({"created_to": "22/11/2026"}, "created_to"), ({"cursor": "abc"}, "cursor")):
        with pytest.raises(InvalidInput) as refused:
            tickets.list_tickets(demo.owner, filters)
        assert refused.value.field == field


def test_refreshing_a_customers_search_text_repairs_what_finds_their_tickets(tickets, demo, some_tickets):
    from sqlalchemy.orm import Session

    from services.tickets.search import refresh_search_text
    second = some_tickets[1]
    customer_id = tickets.get_ticket(demo.owner, second)["customer"]["id"]
    demo.execute("UPDATE tickets.tickets SET search_text = 'bozuk' WHERE customer_id = :i", i=customer_id)
    assert tickets.list_tickets(demo.owner, {"q": "sukru"})["items"] == []
    with Session(demo.engine) as session, session.begin():
        refresh_search_text(session, customer_id)
    assert numbers(tickets.list_tickets(demo.owner, {"q": "sukru"})) == [second]
