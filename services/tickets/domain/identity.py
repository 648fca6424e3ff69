"""Customer identities: e-mail addresses and phone numbers in one canonical form each.

Two ways of writing the same address or number must give the same string,
because customers are found and merged by it.
"""
from __future__ import annotations

import re
import unicodedata

import phonenumbers

MAX_EMAIL = 254  # RFC 5321: the longest address a mail server has to accept
MAX_LOCAL_PART = 64
# No quoted local parts or comments: they are legal but only ever seen in typos and abuse,
# and the characters refused here are the ones that break address headers (",;<>").
LOCAL_PART_RE = re.compile(r"[^\s@\"(),:;<>\[\]\\]+")
# Letters of any script (internationalised domains such as örnek.com.tr), digits and inner hyphens.
DOMAIN_LABEL_RE = re.compile(r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?")


class InvalidContact(ValueError):
    """An e-mail address or phone number that cannot be used; ``field`` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def turkish_safe_lower(text: str) -> str:
    """Lower-case without turning ``İ`` into ``i`` plus a combining dot (Python's ``"İ".lower()``)."""
    return text.replace("İ", "i").lower()


def normalise_email(value: str) -> str:
    """``" Ayse@Example.COM "`` → ``"ayse@example.com"``; refuses what is not an address."""
    # NFC first: "ö" typed as "o" plus a combining mark (macOS, some phones) is the same address.
    email = turkish_safe_lower(unicodedata.normalize("NFC", (value or "").strip()))
    if not _looks_like_address(email):
        raise InvalidContact("email", f"{value!r} is not a valid e-mail address")
    return email


def normalise_phone(value: str, default_region: str = "TR") -> str:
    """Any common way of writing a number → E.164 (``"0555 123 45 67"`` → ``"+905551234567"``)."""
    try:
        number = phonenumbers.parse((value or "").strip(), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidContact("phone", f"{value!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("phone", f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_name_or_email(name: str, email: str) -> str:
    """The name to show for a contact: their name when they gave one, else their address."""
    return " ".join((name or "").split()) or (email or "").strip()


def _looks_like_address(email: str) -> bool:
    if len(email) > MAX_EMAIL or email.count("@") != 1:
        return False
    local, domain = email.split("@")
    if not (0 < len(local) <= MAX_LOCAL_PART and LOCAL_PART_RE.fullmatch(local)):
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(DOMAIN_LABEL_RE.fullmatch(label) for label in labels)
