"""Customers' pure rules: what a search box entry means, and where a merge puts each identity."""
from __future__ import annotations

from services.tickets.customers.rules import Contacts, CustomerQuery, plan_merge, read_customer_query
from services.tickets.domain.text_folding import CUSTOMER_SEARCH_TEXT_SQL


def test_a_phone_in_any_format_is_searched_as_its_e164_form():
    for written in ("0555 123 45 67", "+90 (555) 123-45-67", "5551234567", "0090 555 123 45 67"):
        assert read_customer_query(written) == CustomerQuery("phone", "+905551234567")


def test_part_of_a_national_number_is_searched_as_digits_without_the_leading_zero():
    assert read_customer_query("0555 123") == CustomerQuery("digits", "555123")


def test_an_address_is_searched_exactly_whatever_its_case():
    assert read_customer_query(" Ayse@Musteri.COM.tr ") == CustomerQuery("email", "ayse@musteri.com.tr")


def test_names_are_folded_the_turkish_way():
    assert read_customer_query("İSTANBUL Işık") == CustomerQuery("text", "istanbul isik")
    assert read_customer_query("ISPANAK") == read_customer_query("ıspanak")


def test_an_empty_query_means_no_search():
    assert read_customer_query("   ") is None


def test_the_generated_search_column_folds_like_the_migration_says():
    from services.tickets.migrations.versions import tickets_0003_customers_notes_calls as migration
    assert migration.CUSTOMER_SEARCH_TEXT_SQL == CUSTOMER_SEARCH_TEXT_SQL


def test_a_merge_fills_the_targets_empty_slots_with_the_sources_identities():
    plan = plan_merge(Contacts("a@x.com", "+905551234567"), Contacts(None, None))
    assert (plan.email, plan.phone, plan.extra_to_add) == ("a@x.com", "+905551234567", ())


def test_a_merge_keeps_the_targets_identities_and_adds_the_sources_as_further_contacts():
    plan = plan_merge(Contacts("a@x.com", "+905551234567", (("email", "old@x.com"),)),
                      Contacts("b@x.com", "+905559999999"))
    assert (plan.email, plan.phone) == ("b@x.com", "+905559999999")
    assert set(plan.extra_to_add) == {("email", "a@x.com"), ("phone", "+905551234567"), ("email", "old@x.com")}


def test_a_merge_never_lists_an_identity_twice():
    plan = plan_merge(Contacts("a@x.com", None, (("phone", "+905551234567"),)),
                      Contacts(None, "+905551234567", (("email", "a@x.com"),)))
    assert plan.extra_to_add == () and (plan.email, plan.phone) == (None, "+905551234567")
