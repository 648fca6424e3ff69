"""Charset decoding with Turkish-aware fallbacks, and RFC 2047 words."""
import pytest

from services.ingest.domain.mail_charset import (
    clean_text,
    decode_bytes,
    decode_header_text,
    decode_raw_header,
)

TURKISH = "ğüşıöç ĞÜŞİÖÇ"


@pytest.mark.parametrize("label", ["windows-1254", "cp1254", "CP1254", '"windows-1254"'])
def test_windows_1254_labels_decode_turkish(label):
    notes = []
    assert decode_bytes(TURKISH.encode("cp1254"), label, notes, "body") == TURKISH
    assert notes == []


@pytest.mark.parametrize("label", ["iso-8859-9", "ISO8859-9", "latin5"])
def test_iso_8859_9_labels_decode_turkish(label):
    notes = []
    assert decode_bytes(TURKISH.encode("iso-8859-9"), label, notes, "body") == TURKISH
    assert notes == []


@pytest.mark.parametrize("label", ["x-unknown", "unknown-8bit", None, ""])
def test_unknown_labels_fall_back_to_utf8_then_windows_1254(label):
    notes = []
    assert decode_bytes(TURKISH.encode("utf-8"), label, notes, "body") == TURKISH
    assert decode_bytes(TURKISH.encode("cp1254"), label, notes, "body") == TURKISH
    assert notes == ["body: 8-bit text without a usable charset; decoded as utf-8",
                     "body: 8-bit text without a usable charset; decoded as cp1254"]


def test_made_up_charset_is_reported_by_name():
    notes = []
    assert decode_bytes("şu".encode("utf-8"), "klingon-8", notes, "body") == "şu"
    assert notes == ["body: unknown charset 'klingon-8'; decoded as utf-8"]


def test_bytes_undefined_in_windows_1254_end_in_latin1():
    notes = []
    assert decode_bytes(b"\x81\x8d\xff", None, notes, "body") == "\x81\x8dÿ"
    assert notes[0].endswith("decoded as latin-1")


def test_utf8_labelled_as_latin1_is_read_as_utf8():
    notes = []
    assert decode_bytes("çok güzel".encode("utf-8"), "iso-8859-1", notes, "body") == "çok güzel"
    assert "the bytes are UTF-8" in notes[0]


def test_real_western_latin1_text_is_left_alone():
    notes = []
    assert decode_bytes("café “naïve”".encode("cp1252"), "iso-8859-1", notes, "body") == "café “naïve”"
    assert notes == []


def test_ascii_with_a_bogus_label_is_not_a_problem():
    notes = []
    assert decode_bytes(b"plain", "x-unknown", notes, "body") == "plain"
    assert notes == []


def test_q_and_b_encoded_words_decode_and_join():
    notes = []
    value = "=?utf-8?Q?=C3=87a=C4=9Fr=C4=B1_?= =?utf-8?B?xZ5pbsWf?= bey"
    assert decode_header_text(value, notes) == "Çağrı Şinş bey"


def test_text_between_encoded_words_is_kept():
    assert decode_header_text("Re: =?utf-8?Q?=C5=9Eifre?= (acil)", []) == "Re: Şifre (acil)"


def test_encoded_word_with_language_suffix_decodes():
    assert decode_header_text("=?iso-8859-9*tr?Q?=DEifre?=", []) == "Şifre"


def test_raw_8bit_header_bytes_decode_as_utf8_then_windows_1254():
    as_parsed = lambda b: b.decode("ascii", "surrogateescape")  # what the email parser stores
    assert decode_raw_header(as_parsed("Şikayet".encode("utf-8")), [], "Subject") == "Şikayet"
    assert decode_raw_header(as_parsed("Şikayet".encode("cp1254")), [], "Subject") == "Şikayet"


def test_clean_text_removes_nul_and_lone_surrogates():
    assert clean_text("a\x00b\udcffc") == "ab?c"


def test_utf8_with_one_broken_byte_is_not_turned_into_mojibake():
    notes = []
    data = "Sipariş iptal edildi, ücret iadesi ne zaman?".encode("utf-8") + b"\xc5"
    assert decode_bytes(data, "utf-8", notes, "body") == "Sipariş iptal edildi, ücret iadesi ne zaman?\ufffd"
    assert notes == ["body: bytes are not valid utf-8; decoded as utf-8 with invalid bytes replaced"]
