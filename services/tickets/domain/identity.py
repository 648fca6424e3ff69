"""Customer identities: e-mail addresses and phone numbers in one canonical form each."""
from __future__ import annotations

import re

import phonenumbers

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidContact(ValueError):
    """An e-mail address or phone number that cannot be used; ``field`` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def turkish_safe_lower(text: str) -> str:
    """Lower-case without turning ``İ`` into ``i`` plus a combining dot."""
    return text.replace("İ", "i").lower()


def normalise_email(value: str) -> str:
    """``" Ayse@Example.COM "`` → ``"ayse@example.com"``; refuses what is not an address."""
    email = turkish_safe_lower((value or "").strip())
    if not EMAIL_RE.match(email):
        raise InvalidContact("email", f"{value!r} is not a valid e-mail address")
    return email


def normalise_phone(value: str, default_region: str = "TR") -> str:
    """Any common way of writing a number → E.164 (``+905551234567``)."""
    try:
        number = phonenumbers.parse((value or "").strip(), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidContact("phone", f"{value!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("phone", f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_name_or_email(name: str, email: str) -> str:
    return (name or "").strip() or email
