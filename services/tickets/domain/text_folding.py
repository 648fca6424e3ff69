"""Turkish-aware folding for search: one form for ``İSTANBUL``, ``istanbul``, ``Istanbul`` and ``ıstanbul``.

Turkish has two i's (``İ/i`` and ``I/ı``) and people type either, often on
keyboards without ``ş ğ ç ö ü``; search therefore folds every i to ``i`` and
the other Turkish letters to their plain Latin base, then lower-cases. The
SQL twin (``tickets.turkish_fold`` in the migration) translates with the
same table *before* ``lower()``: PostgreSQL's ``lower('İ')`` depends on the
server's locale and may keep the dot.
"""
from __future__ import annotations

import re

FOLD_FROM = "İIıŞşĞğÇçÖöÜüÂâÎîÛû"
FOLD_TO = "iiissggccoouuaaiiuu"
_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)
_WORD_RE = re.compile(r"[^\W_]+")
_PHONE_CHARS_RE = re.compile(r"[\d\s+()./-]+")
MIN_SUBSTRING = 3


def turkish_fold(text: str) -> str:
    """``"İSTANBUL Işık"`` → ``"istanbul isik"``: the form search compares."""
    return (text or "").translate(_TABLE).lower()


def sql_fold_expression(column: str) -> str:
    """The SQL that folds ``column`` exactly like :func:`turkish_fold` (used by the migration)."""
    return f"lower(translate({column}, '{FOLD_FROM}', '{FOLD_TO}'))"


# The generated ``customers.search_text`` column folds like turkish_fold (immutable functions only),
# so that "istanbul" finds "İSTANBUL" and "ıspanak" finds "ISPANAK".
CUSTOMER_SEARCH_TEXT_SQL = sql_fold_expression(
    "coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '')")


def search_words(text: str) -> list[str]:
    """The folded words of a query, as the search index splits them (letters and digits)."""
    return _WORD_RE.findall(turkish_fold(text))


def prefix_tsquery(words: list[str]) -> str:
    """``["siparis", "kargo"]`` → ``"'siparis':* & 'kargo':*"``: every word, as a word prefix."""
    return " & ".join(f"'{word}':*" for word in words)


def phone_digits_in(text: str) -> str | None:
    """The digits of a query written like (part of) a phone number: ``"0555 123"`` → ``"0555123"``."""
    text = (text or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_SUBSTRING and _PHONE_CHARS_RE.fullmatch(text):
        return digits
    return None


def like_pattern(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, with LIKE's own wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The indexed word vector of a ticket: its folded search text split on anything not a letter or digit,
# the same way search_words() splits a query, so that "2026-000123" and "ayse@x.com" are found by parts.
SEARCH_VECTOR_SQL = ("to_tsvector('simple'::regconfig, "
                     "regexp_replace(coalesce(search_text, ''), '[^[:alnum:]]+', ' ', 'g'))")
