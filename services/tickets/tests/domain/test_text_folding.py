"""Turkish-aware folding: what a person types finds what was written, whatever the i's and accents."""
from __future__ import annotations

from services.shared.contracts.tickets import read_tracking_number
from services.tickets.domain.text_folding import (phone_digits_in, prefix_tsquery, search_words,
                                                   turkish_fold, like_pattern)


def test_istanbul_and_its_capital_dotted_form_fold_to_the_same_text():
    assert turkish_fold("İSTANBUL") == turkish_fold("istanbul") == "istanbul"


def test_ispanak_with_a_dotless_i_matches_it_written_in_capitals():
    assert turkish_fold("ıspanak") == turkish_fold("ISPANAK") == turkish_fold("Ispanak")


def test_turkish_letters_fold_to_their_plain_latin_base():
    assert turkish_fold("Şükrü Çağlar Gösteriş Âdem") == "sukru caglar gosteris adem"


def test_a_query_splits_into_folded_words_on_anything_but_letters_and_digits():
    assert search_words("Sipariş #2026-000123, ayşe@x.com.tr") == ["siparis", "2026", "000123", "ayse", "x",
                                                                    "com", "tr"]


def test_every_word_of_a_query_must_start_a_word_of_the_ticket():
    assert prefix_tsquery(["siparis", "kargo"]) == "'siparis':* & 'kargo':*"


def test_a_tracking_number_is_recognised_with_or_without_its_hash():
    assert read_tracking_number("#2026-000123") == read_tracking_number(" 2026-000123 ") == "2026-000123"
    assert read_tracking_number("2026-000123 kargo") is None


def test_digits_written_like_a_phone_number_are_read_as_digits():
    assert phone_digits_in("0 (555) 123-45 67") == "05551234567"
    assert phone_digits_in("kargo 555") is None and phone_digits_in("12") is None


def test_like_wildcards_typed_by_a_person_are_taken_literally():
    assert like_pattern("50%_off") == "%50\\%\\_off%"
