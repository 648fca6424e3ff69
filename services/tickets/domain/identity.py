"""Customer identities: e-mail addresses and phone numbers in one canonical form each.

Two ways of writing the same address or number must give the same string,
because customers are found and merged by it.

An address is checked by ``email-validator`` (syntax only: no DNS) and kept
lower-case with its domain in Unicode: ``ayse@xn--rnek-4qa.com.tr`` and
``Ayse@ÖRNEK.com.tr`` are both ``ayse@örnek.com.tr``. Unicode, not the
punycode a mail header carries, because it is what people type, read and
search for (``örnek`` finds it; ``xn--rnek-4qa`` nobody types), and what
typed addresses were always kept as; the ASCII form is derived when a mail
needs it.
"""
from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.shared.errors import InvalidInput

MAX_EMAIL = 254  # RFC 5321: the longest address a mail server has to accept


def turkish_safe_lower(text: str) -> str:
    """Lower-case without turning ``İ`` into ``i`` plus a combining dot (Python's ``"İ".lower()``)."""
    return text.replace("İ", "i").lower()


def normalise_email(value: str, field: str = "email") -> str:
    """``" Ayse@Example.COM "`` → ``"ayse@example.com"``, punycode domains in Unicode; else InvalidInput."""
    # NFC first: "ö" typed as "o" plus a combining mark (macOS, some phones) is the same address;
    # lower-cased before IDNA, which would turn a Turkish "İ" into "i" plus a combining dot.
    email = turkish_safe_lower(unicodedata.normalize("NFC", (value or "").strip()))
    try:
        checked = validate_email(email, check_deliverability=False, strict=True)  # strict: local part ≤ 64
    except EmailNotValidError:
        raise InvalidInput(f"{value!r} is not a valid e-mail address", field) from None
    return f"{checked.local_part}@{checked.domain}"


def normalise_phone(value: str, field: str = "phone", default_region: str = "TR") -> str:
    """Any common way of writing a number → E.164 (``"0555 123 45 67"`` → ``"+905551234567"``)."""
    try:
        number = phonenumbers.parse((value or "").strip(), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{value!r} is not a phone number", field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{value!r} is not a valid phone number", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_name_or_email(name: str, email: str) -> str:
    """The name to show for a contact: their name when they gave one, else their address."""
    return " ".join((name or "").split()) or (email or "").strip()
