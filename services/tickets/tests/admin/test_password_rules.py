"""The password policy, as a person choosing a password meets it."""
from __future__ import annotations

import pytest

from services.shared.errors import InvalidInput
from services.tickets.admin.passwords import check_password, common_passwords


def test_a_long_phrase_of_unrelated_words_is_accepted():
    check_password("mavi kedi bisiklet sürer", "ayse@firma.com")


def test_a_password_shorter_than_ten_characters_is_refused():
    with pytest.raises(InvalidInput, match="at least 10"):
        check_password("Kx9!pQ2z", "ayse@firma.com")


def test_a_password_containing_the_name_part_of_the_email_is_refused():
    with pytest.raises(InvalidInput, match="email"):
        check_password("AyseYilmaz-2026-guclu", "ayseyilmaz@firma.com")


def test_a_common_password_is_refused_whatever_its_case():
    with pytest.raises(InvalidInput, match="too common"):
        check_password("QWERTYUIOP", "ayse@firma.com")


def test_a_common_word_with_digits_tacked_on_is_still_common():
    with pytest.raises(InvalidInput, match="too common"):
        check_password("galatasaray1905!", "ayse@firma.com")


def test_a_repeated_character_is_not_a_password():
    with pytest.raises(InvalidInput, match="too few"):
        check_password("ababababababab", "ayse@firma.com")


def test_the_shipped_list_holds_about_two_thousand_common_passwords():
    common = common_passwords()
    assert 1000 <= len(common) <= 5000
    assert {"123456", "password", "1234567890", "qwertyuiop", "sifre123"} <= common
