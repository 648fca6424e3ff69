"""Customer identities: each address and number has one canonical spelling."""
from __future__ import annotations

import pytest

from services.shared.errors import InvalidInput
from services.tickets.domain.identity import (display_name_or_email, normalise_email,
                                              normalise_phone, turkish_safe_lower)


def test_emails_are_trimmed_and_lower_cased():
    assert normalise_email(" Ayse.Yilmaz@Example.COM ") == "ayse.yilmaz@example.com"


def test_turkish_capital_i_does_not_gain_a_dot_when_lower_cased():
    assert normalise_email(" İLKER@Örnek.COM ") == "ilker@örnek.com"
    assert turkish_safe_lower("İSTANBUL") == "istanbul"


def test_an_address_typed_with_combining_marks_is_the_same_address():
    assert normalise_email("ali@o\u0308rnek.com") == normalise_email("ali@örnek.com")


def test_plus_addressing_and_subdomains_are_kept():
    assert normalise_email("ali+destek@mail.firma.com.tr") == "ali+destek@mail.firma.com.tr"


@pytest.mark.parametrize("bad", [
    "", None, "not an address", "ali", "ali@", "@firma.com", "ali@firma", "ali@@firma.com", "ali@firma..com",
    "ali@.firma.com", "ali@firma.com.", "ali@-firma.com", "ali@firma_x.com", "ali veli@firma.com",
    "Ali <ali@firma.com>", "ali@firma.com,veli@firma.com", ".ali@firma.com", "ali..veli@firma.com",
    "a" * 65 + "@firma.com", "ali@" + "a" * 250 + ".com",
])
def test_what_is_not_an_address_is_refused_naming_the_email_field(bad):
    with pytest.raises(InvalidInput) as refused:
        normalise_email(bad)
    assert refused.value.field == "email"
    assert isinstance(refused.value, InvalidInput)


@pytest.mark.parametrize("written", [
    "0555 123 45 67", "+90 (555) 123-4567", "905551234567", "5551234567", "0090 555 123 45 67",
    "555-123-45-67", "0 (555) 123 45 67",
])
def test_turkish_mobile_numbers_in_any_format_become_e164(written):
    assert normalise_phone(written) == "+905551234567"


def test_landlines_and_foreign_numbers_become_e164_too():
    assert normalise_phone("0212 555 12 12") == "+902125551212"
    assert normalise_phone("+49 30 901820") == "+4930901820"
    assert normalise_phone("030 901820", default_region="DE") == "+4930901820"


@pytest.mark.parametrize("bad", ["12345", "", None, "telefon", "0555 123 45 6a", "+90 555 123"])
def test_an_invalid_phone_number_is_refused_naming_the_phone_field(bad):
    with pytest.raises(InvalidInput) as refused:
        normalise_phone(bad)
    assert refused.value.field == "phone"


def test_a_contact_is_shown_by_name_or_else_by_address():
    assert display_name_or_email("  Ayşe   Yılmaz ", "ayse@example.com") == "Ayşe Yılmaz"
    assert display_name_or_email("", "ayse@example.com") == "ayse@example.com"
    assert display_name_or_email(None, " ayse@example.com ") == "ayse@example.com"


def test_a_turkish_domain_and_its_punycode_spelling_are_one_address():
    assert normalise_email("ayse@xn--rnek-4qa.com.tr") == normalise_email("Ayse@ÖRNEK.com.tr") == "ayse@örnek.com.tr"


def test_a_capital_dotted_i_in_an_address_is_a_plain_i():
    assert normalise_email("AYŞE@İSTANBUL.com.tr") == "ayşe@istanbul.com.tr"
