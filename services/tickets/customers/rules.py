"""Customers' rules: reading a search query, what a merge keeps."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.shared.errors import InvalidInput
from services.tickets.domain.identity import normalise_email, normalise_phone
from services.tickets.domain.text_folding import turkish_fold

PHONE_QUERY_RE = re.compile(r"^\+?[\d\s().\-/]+$")


@dataclass(frozen=True)
class CustomerQuery:
    """What a search box entry means: an exact email, an exact phone, or text to look for."""
    kind: str  # email | phone | digits | text
    value: str


def read_customer_query(query: str) -> CustomerQuery | None:
    """``"0555 123 45 67"`` → the E.164 phone; ``"Ali@X.com"`` → the address; else folded text."""
    text = (query or "").strip()
    if not text:
        return None
    if "@" in text:
        try:
            return CustomerQuery("email", normalise_email(text))
        except InvalidInput:
            return CustomerQuery("text", turkish_fold(text))
    if PHONE_QUERY_RE.match(text):
        digits = re.sub(r"\D", "", text)
        try:
            return CustomerQuery("phone", normalise_phone(text))
        except InvalidInput:
            # "0555 123" is written nationally; the stored number is "+90555123...".
            digits = digits.lstrip("0")
            return CustomerQuery("digits", digits) if len(digits) >= 3 else None
    return CustomerQuery("text", turkish_fold(text))


@dataclass(frozen=True)
class Contacts:
    """A customer's identities: the main email and phone, and further ones."""
    email: str | None
    phone: str | None
    extra: tuple[tuple[str, str], ...] = ()  # (kind, value)


@dataclass(frozen=True)
class MergePlan:
    """Where each of the source's identities goes: the target's empty slots first, then its extras."""
    email: str | None
    phone: str | None
    extra_to_add: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def plan_merge(source: Contacts, target: Contacts) -> MergePlan:
    """Nothing is lost: every identity of the source ends up on the target, none twice."""
    email, phone = target.email, target.phone
    known = {("email", email), ("phone", phone), *target.extra}
    extra: list[tuple[str, str]] = []
    for kind, value in (("email", source.email), ("phone", source.phone), *source.extra):
        if not value or (kind, value) in known:
            continue
        if kind == "email" and email is None:
            email = value
        elif kind == "phone" and phone is None:
            phone = value
        else:
            extra.append((kind, value))
        known.add((kind, value))
    return MergePlan(email=email, phone=phone, extra_to_add=tuple(extra))
