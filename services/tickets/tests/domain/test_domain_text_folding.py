"""Turkish-aware folding: what people type finds what customers wrote, in Python and in PostgreSQL alike."""
from __future__ import annotations

import re

import pytest

from services.tickets.domain.text_folding import FOLD_FROM, FOLD_TO, sql_fold_expression, turkish_fold

SAMPLES = [
    "İSTANBUL", "istanbul", "Istanbul", "ıstanbul", "ISPANAK", "ıspanak", "Işık", "IŞIK", "ışık",
    "Şikayet", "ŞİKAYET", "şikâyet", "Siparişim hâlâ gelmedi", "SİPARİŞİM HÂLÂ GELMEDİ", "Ağustos",
    "ÇÖĞÜŞİI çöğüşiı", "Kâğıt İade", "Îmar", "Ûmit", "Ayşe Yılmaz <ayse@musteri.com.tr>", "#2026-000123",
    "0555 123 45 67", "Öğrenci İşleri Dairesi Başkanlığı", "", "DİYARBAKIR", "Iğdır", "IĞDIR",
]


def pg_translate(text: str, source: str, target: str) -> str:
    """PostgreSQL's translate(): each character of ``source`` becomes its partner in ``target``."""
    table = {}
    for index, char in enumerate(source):
        table.setdefault(char, target[index] if index < len(target) else None)  # first occurrence wins
    return "".join(table.get(char, char) or "" for char in text)


# lower() as PostgreSQL does it under the three kinds of locale a server may run with.
PG_LOWER = {
    "C": lambda text: re.sub("[A-Z]", lambda m: m.group().lower(), text),  # ASCII only
    "en_US.UTF-8": str.lower,
    "tr_TR.UTF-8": lambda text: text.replace("I", "ı").replace("İ", "i").lower(),
}


def emulate_sql_fold(text: str, lower=str.lower) -> str:
    """Run the SQL of sql_fold_expression() on ``text``, in Python, by reading the SQL itself."""
    sql = sql_fold_expression("value")
    match = re.fullmatch(r"lower\(translate\(value, '([^']*)', '([^']*)'\)\)", sql)
    assert match, f"unexpected SQL shape: {sql}"
    return lower(pg_translate(text, match.group(1), match.group(2)))


def test_the_sql_table_maps_letter_for_letter():
    assert len(FOLD_FROM) == len(FOLD_TO)
    assert "'" not in FOLD_FROM + FOLD_TO


@pytest.mark.parametrize("locale", PG_LOWER)
@pytest.mark.parametrize("text", SAMPLES)
def test_the_database_folds_turkish_text_exactly_like_python_whatever_its_locale(text, locale):
    assert emulate_sql_fold(text, PG_LOWER[locale]) == turkish_fold(text)


def test_istanbul_finds_istanbul_in_capitals():
    assert turkish_fold("istanbul") in turkish_fold("İSTANBUL'DAN SİPARİŞ")


def test_ispanak_with_a_dotless_i_finds_it_in_capitals():
    assert turkish_fold("ıspanak") == turkish_fold("ISPANAK") == turkish_fold("Ispanak")


def test_a_keyboard_without_turkish_letters_still_finds_them():
    assert turkish_fold("sikayet") == turkish_fold("Şikâyet")
    assert turkish_fold("siparisim gelmedi") == turkish_fold("Siparişim GELMEDİ")
    assert turkish_fold("igdir") == turkish_fold("IĞDIR")


def test_folding_never_leaves_a_combining_dot_behind():
    assert "\u0307" not in turkish_fold("İSTANBUL İZMİR")


def test_folding_twice_is_folding_once():
    for text in SAMPLES:
        assert turkish_fold(turkish_fold(text)) == turkish_fold(text)


def test_folding_keeps_the_length_so_matches_can_be_highlighted_in_the_original():
    for text in SAMPLES:
        assert len(turkish_fold(text)) == len(text)
