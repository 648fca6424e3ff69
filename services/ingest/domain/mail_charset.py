"""Charset decoding for mail bodies and headers, with Turkish-aware fallbacks."""
from __future__ import annotations

import base64
import binascii
import codecs
import re

# Labels that promise nothing about the bytes: treat as "no charset given".
_UNKNOWN = {"", "x-unknown", "unknown-8bit", "unknown", "x-user-defined", "default", "none"}
# Mailers label windows-125x text as its ISO subset (the WHATWG encoding
# standard does the same mapping); the ISO codec stays as a second try.
_ALIASES = {
    "iso-8859-1": ("cp1252", "latin-1"),
    "iso8859-1": ("cp1252", "latin-1"),
    "latin1": ("cp1252", "latin-1"),
    "latin-1": ("cp1252", "latin-1"),
    "iso-8859-9": ("cp1254", "iso8859-9"),
    "iso8859-9": ("cp1254", "iso8859-9"),
    "latin5": ("cp1254", "iso8859-9"),
    "windows-1254": ("cp1254",),
    "cp1254": ("cp1254",),
    "x-mac-turkish": ("mac-turkish",),
    "ks_c_5601-1987": ("cp949",),
    "gb2312": ("gb18030",),
    "iso-8859-8-i": ("iso8859-8",),
}
_FALLBACKS = ("utf-8", "cp1254")  # then latin-1, which cannot fail
_SINGLE_BYTE = ("cp125", "iso8859", "latin", "ascii", "mac-", "koi8")
# ğ ı ş Ğ İ Ş sit where latin-1/cp1252 have the Icelandic ð ý þ Ð Ý Þ.
_TURKISH_AS_LATIN1 = re.compile("[ðýþÐÝÞ]")


def _codecs_for(label: str | None) -> tuple[str, ...]:
    """Python codec names to try for a declared charset label ("" if unknown)."""
    name = (label or "").strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return ()
    candidates = _ALIASES.get(name, (name,))
    try:
        return tuple(codecs.lookup(c).name for c in candidates)
    except (LookupError, ValueError, TypeError):
        return ()


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except Exception:  # LookupError for non-text codecs, UnicodeError, odd codec errors
        return None


def decode_bytes(data: bytes, declared: str | None, notes: list[str], where: str) -> str:
    """Decode with the declared charset, else utf-8, windows-1254, latin-1; note problems."""
    codec_names = _codecs_for(declared)
    for codec in codec_names:
        text = _try(data, codec)
        if text is not None:
            return _second_guess(text, data, codec, declared, notes, where)
    if data.isascii() and not codec_names:
        return data.decode("ascii")  # nothing to misread, so nothing to report
    if codec_names:
        problem = f"{where}: bytes are not valid {declared}"
    elif declared and declared.strip().strip("\"'").lower() not in _UNKNOWN:
        problem = f"{where}: unknown charset {declared!r}"
    else:
        problem = f"{where}: 8-bit text without a usable charset"
    used, text = _fallback(data)
    notes.append(f"{problem}; decoded as {used}")
    return text


def _fallback(data: bytes) -> tuple[str, str]:
    text = _try(data, "utf-8")
    if text is not None:
        return "utf-8", text
    if _mostly_utf8(data):
        # One broken sequence (a truncated mail) must not turn all of it into mojibake.
        return "utf-8 with invalid bytes replaced", data.decode("utf-8", "replace")
    for codec in _FALLBACKS[1:]:
        text = _try(data, codec)
        if text is not None:
            return codec, text
    return "latin-1", data.decode("latin-1")


def _mostly_utf8(data: bytes) -> bool:
    """Many valid multi-byte UTF-8 characters and only a few invalid bytes."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
    return good >= 2 and bad <= good  # windows-1254 Turkish yields almost no valid sequences


def _second_guess(
    text: str, data: bytes, codec: str, declared: str | None, notes: list[str], where: str
) -> str:
    """Catch the common lies: UTF-8 or Turkish text labelled as a Western charset."""
    if data.isascii() or not codec.startswith(_SINGLE_BYTE):
        return text
    as_utf8 = _try(data, "utf-8")
    if as_utf8 is not None:
        # Non-ASCII bytes that form valid UTF-8 are almost never real latin text.
        notes.append(f"{where}: declared {declared} but the bytes are UTF-8; decoded as utf-8")
        return as_utf8
    if codec in ("cp1252", "iso8859-1", "iso8859-15") and _TURKISH_AS_LATIN1.search(text):
        as_turkish = _try(data, "cp1254")
        if as_turkish is not None:
            notes.append(f"{where}: declared {declared} but the text is Turkish; decoded as cp1254")
            return as_turkish
    return text


def decode_raw_header(value: str, notes: list[str], where: str) -> str:
    """Turn a header read with surrogateescape (raw 8-bit bytes) into real text."""
    if value.isascii():
        return value
    data = value.encode("utf-8", "surrogateescape")
    text = _try(data, "utf-8")  # RFC 6532 allows raw UTF-8 headers: no note
    return text if text is not None else decode_bytes(data, None, notes, where)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")


def decode_header_text(value: str, notes: list[str], where: str = "header") -> str:
    """Decode RFC 2047 encoded words (also mid-word and split multi-byte ones)."""
    chunks: list[tuple[object, str | None]] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos:match.start()]
        # Whitespace between two encoded words is folding, not content.
        if gap and not (chunks and chunks[-1][1] and not gap.strip()):
            chunks.append((gap, None))
        charset = match.group(1).split("*")[0].lower()  # RFC 2231 "*lang" suffix
        data = _word_bytes(match.group(2), match.group(3))
        if chunks and chunks[-1][1] == charset:
            # Mailers split one character's bytes across words; join before decoding.
            chunks[-1] = (chunks[-1][0] + data, charset)
        else:
            chunks.append((data, charset))
        pos = match.end()
    chunks.append((value[pos:], None))
    return "".join(
        chunk if charset is None else decode_bytes(chunk, charset, notes, where)
        for chunk, charset in chunks
    )


def _word_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("utf-8", "surrogateescape")
    try:
        if encoding in "Bb":
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
            cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
            return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
        return binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return raw


def clean_text(text: str) -> str:
    """Drop NUL and lone surrogates, which PostgreSQL text and UTF-8 cannot hold."""
    if text.isascii() and "\x00" not in text:
        return text
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
