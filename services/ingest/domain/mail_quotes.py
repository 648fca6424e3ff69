"""Splitting the new part of a reply from the quoted history below it."""
from __future__ import annotations

import re

_FLAGS = re.IGNORECASE
# "On Mon, 1 Jan 2024 at 10:00, Ayşe <a@x.com> wrote:" (Gmail, Apple, Thunderbird)
_ATTRIBUTION = [
    re.compile(r"^\s*On\b.{0,400}\bwrote\s*:\s*$", _FLAGS),
    # Gmail in Turkish: "1 Oca 2024 Pzt, 10:00 tarihinde Ayşe <a@x> şunu yazdı:"
    re.compile(r"^.{0,400}\btarihinde\b.{0,400}\byazdı\s*:\s*$", _FLAGS),
    re.compile(r"^\s*Le\b.{0,400}\ba écrit\s*:\s*$", _FLAGS),
    re.compile(r"^\s*Am\b.{0,400}\bschrieb\b.{0,400}:\s*$", _FLAGS),
]
# "Ayşe yazdı:" alone could be prose, so it only counts above a ">" quote.
_WEAK_ATTRIBUTION = [
    re.compile(r"^.{0,400}\b(wrote|yazdı|a écrit|schrieb)\s*:\s*$", _FLAGS),
]
# Any language, but only right above a ">" quote: an attribution whose first line names an address,
# a date or a time ("02.04.2012 14:20 пользователь "bob@x.org" <bob@x.org> написал:").
_NAMES_SENDER_OR_TIME = re.compile(r"@|\b\d{1,2}:\d{2}\b|\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b")
# Lines that start a header-style history block no matter what follows.
_SEPARATORS = [
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Orijinal İleti|Özgün İleti|Özgün Mesaj"
        r"|Orijinal Mesaj|Forwarded message|İletilen ileti|Message d'origine"
        r"|Ursprüngliche Nachricht)\s*-{2,}\s*$",
        _FLAGS,
    ),
]
# Outlook without a separator: "From: …" followed closely by "Sent: …".
_FROM_LINE = re.compile(r"^\s*\*?(From|Kimden|De|Von)\s*:\*?\s*\S", _FLAGS)
_SENT_LINE = re.compile(
    r"^\s*\*?(Sent|Date|Gönderildi|Gönderilme Tarihi|Gönderme Tarihi|Tarih"
    r"|Envoyé|Gesendet)\s*:", _FLAGS,
)
# Cheap substring test first: regexes per line would be slow on huge bodies.
_KEYWORDS = ("wrote", "yazdı", "écrit", "schrieb")
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE = re.compile(r"^-- ?$")


def split_reply(text: str) -> tuple[str, str]:
    """Split text into (new reply, quoted history); the history is never lost."""
    lines = text.splitlines()
    start, quoted_style = _find_history_start(lines)
    if start is None:
        return text.strip(), ""
    reply = "\n".join(lines[:start]).strip()
    quoted = "\n".join(lines[start:]).strip()
    if quoted_style and _has_text_after_quote(lines, start):
        answer_at = _bottom_posted_answer(lines, start) if not reply else None
        if answer_at is not None:  # history on top, the answer below it
            return "\n".join(lines[answer_at:]).strip(), "\n".join(lines[start:answer_at]).strip()
        # Interleaved answers: cutting would hide them.
        return text.strip(), ""
    if not reply:
        # A bare forward or quote: the history is all the sender gave us.
        return text.strip(), ""
    return reply, quoted


def _find_history_start(lines: list[str]) -> tuple[int | None, bool]:
    """Index of the first history line, and whether it is ">"-quoted style."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            return i, True
        if any(p.match(line) for p in _SEPARATORS):
            return i, False
        if _is_outlook_header(lines, i):
            return i, False
        end = _attribution_end(lines, i, _ATTRIBUTION)
        if end is not None:
            return i, _next_text_is_quoted(lines, end + 1)
        end = _attribution_end(lines, i, _WEAK_ATTRIBUTION)
        if end is None and _NAMES_SENDER_OR_TIME.search(line):
            end = _attribution_end(lines, i, None)
        if end is not None and _next_text_is_quoted(lines, end + 1):
            return i, True
    return None, False


def _attribution_end(lines: list[str], i: int, patterns: list[re.Pattern] | None) -> int | None:
    """Last line index of an attribution starting at i (Gmail wraps them); ``patterns`` None: any words."""
    if not lines[i].strip():
        return None
    for span in range(3):
        if i + span >= len(lines) or (span and not lines[i + span].strip()):
            return None
        if span and lines[i + span].lstrip().startswith(">"):
            return None  # a quote begins: the attribution, if any, was above it
        joined = " ".join(line.strip() for line in lines[i:i + span + 1])
        if len(joined) > 500:
            return None
        if not joined.endswith(":"):  # every attribution ends with a colon
            continue
        if patterns is None:
            return i + span
        lowered = joined.lower()
        if any(k in lowered for k in _KEYWORDS) and any(p.match(joined) for p in patterns):
            return i + span
    return None


def _is_outlook_header(lines: list[str], i: int) -> bool:
    """True at "From:"/"Kimden:" (or a ____ rule) followed by a "Sent:" line."""
    line = lines[i]
    if _UNDERSCORES.match(line):
        following = [candidate for candidate in lines[i + 1:i + 3] if candidate.strip()]
        return bool(following) and bool(_FROM_LINE.match(following[0]))
    if not _FROM_LINE.match(line):
        return False
    return any(_SENT_LINE.match(candidate) for candidate in lines[i + 1:i + 6])


def _next_text_is_quoted(lines: list[str], i: int) -> bool:
    """Whether the first non-blank line from i on is a ">" quote."""
    for line in lines[i:]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def _bottom_posted_answer(lines: list[str], start: int) -> int | None:
    """Where the answer begins below one block of history, or None when quotes and answers interleave."""
    answer_at, seen_quote = None, False
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(">"):
            if answer_at is not None:
                return None  # a second quote below the answer: interleaved
            seen_quote = True
        elif stripped and seen_quote and answer_at is None:
            answer_at = index
    return answer_at


def _has_text_after_quote(lines: list[str], start: int) -> bool:
    """True when unquoted text (not a signature) follows the quoted block."""
    seen_quote = False
    for line in lines[start:]:
        stripped = line.strip()
        if stripped.startswith(">"):
            seen_quote = True
        elif _SIGNATURE.match(line.rstrip()):
            return False
        elif stripped and seen_quote:
            return True
    return False
