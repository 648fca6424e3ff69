"""Automatic mail written straight in its wire form, without the email package's header machinery.

An acknowledgement goes out for every new ticket. Built as an
``EmailMessage`` under ``policy.default``, each one cost notify milliseconds
of CPU in the header registry and its parser, mostly to re-read headers we
had just written. These mails have a fixed shape — plain text, one sender,
one recipient, threading headers — so they are written here as bytes: RFC
2047 encoded words (Q) where the text is not plain ASCII, quoted-printable
UTF-8 for the body, CRLF line ends, lines folded under 78 characters.
Anything out of the ordinary (an address or Message-ID that is not plain
ASCII) is left to the email package, as before.
"""
from __future__ import annotations

import binascii
import re
import time
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr
from functools import lru_cache

from services.notify import mail

MAX_LINE = 78
# An encoded word may be 75 characters long, "=?utf-8?q?" and "?=" included (RFC 2047, 2).
ENCODED_TEXT_MAX = 75 - len("=?utf-8?q??=")
SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # RFC 5322 specials: not allowed in an atom
# Characters a Q-encoded word may carry as they are, even inside a display name (RFC 2047, 5(3)).
Q_LITERAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def automatic_mail(*, from_email: str, from_name: str, to_email: str, to_name: str, subject: str, body: str,
                   message_id: str, in_reply_to: list[str], references: list[str], ticket_number: str) -> bytes:
    """The wire bytes (CRLF) of a mail Destek writes on its own, marked so that robots do not answer it."""
    tokens = (from_email, to_email, message_id, ticket_number, *in_reply_to, *references)
    if not all(map(mail.PLAIN_TOKEN.fullmatch, tokens)):
        built = mail.build_automatic(
            from_email=from_email, from_name=from_name, to_email=to_email, to_name=to_name, subject=subject,
            body=body, message_id=message_id, in_reply_to=in_reply_to, references=references,
            ticket_number=ticket_number)
        return mail.wire_bytes(built)
    lines = [_mailbox_header("From", from_name, from_email), _mailbox_header("To", to_name, to_email),
             _text_header("Subject", subject), _date_header(int(time.time())),
             f"Message-ID: <{message_id}>"]
    if in_reply_to:
        lines.append(_folded("In-Reply-To:", [f"<{i}>" for i in in_reply_to]))
    if references:
        lines.append(_folded("References:", [f"<{i}>" for i in references]))
    lines += [f"X-Destek-Ticket: {ticket_number}", "Auto-Submitted: auto-replied",
              "X-Auto-Response-Suppress: All",  # Exchange: no out-of-office answers to this
              'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable",
              "MIME-Version: 1.0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + quoted_printable(body)


def quoted_printable(text: str) -> bytes:
    """A text body as quoted-printable UTF-8 with CRLF line ends (trailing spaces and dots kept safe)."""
    return binascii.b2a_qp(b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n")


def _text_header(name: str, value: str) -> str:
    """An unstructured header: readable ASCII words as they are, the stretch between the others encoded.

    The readable ends keep ``[#YYYY-NNNNNN]`` greppable in the raw mail.
    """
    return _folded(f"{name}:", _partly_encoded(value.split(), _needs_encoding))


@lru_cache(maxsize=1)
def _date_header(second: int) -> str:
    return f"Date: {format_datetime(datetime.fromtimestamp(second, UTC))}"


@lru_cache(maxsize=1024)  # a department's From is the same on every mail it sends
def _mailbox_header(name: str, display_name: str, address: str) -> str:
    """``From``/``To`` with the display name quoted or encoded as it needs (and never a line break in it)."""
    words = (display_name or "").split()
    if not any(map(_needs_encoding, words)):
        return f"{name}: {formataddr((' '.join(words), address))}"
    # Plain words beside encoded ones must be atoms: one with quotes or commas is encoded too.
    return _folded(f"{name}:", [*_partly_encoded(words, _not_an_atom), f"<{address}>"])


class Encoded(str):
    """Text that goes out as encoded words, cut where the line it starts on has room."""


def _partly_encoded(words: list[str], needs_encoding) -> list[str]:
    # Whitespace between encoded words is not part of the text (RFC 2047, 6.2), so the
    # encoded stretch is one text, spaces included.
    odd = [index for index, word in enumerate(words) if needs_encoding(word)]
    if not odd:
        return words
    first, last = odd[0], odd[-1] + 1
    return [*words[:first], Encoded(" ".join(words[first:last])), *words[last:]]


def encoded_words(text: str, first_room: int = ENCODED_TEXT_MAX) -> list[str]:
    """``text`` as RFC 2047 Q-encoded UTF-8 words of under 76 characters, cut between words where it can.

    The first word's encoded text takes at most ``first_room`` characters. Cuts
    fall after a space: inside a display name the standard library (and other
    readers) show a space where one encoded word meets the next.
    """
    words, current, room = [], "", first_room
    for word in _spaced_words(text):
        piece = word.translate(Q_TABLE)
        if len(current) + len(piece) > room:
            if current:
                words.append(f"=?utf-8?q?{current}?=")
                current = ""
            room = ENCODED_TEXT_MAX
        if len(piece) <= room:
            current += piece
            continue
        for char in word:  # longer than any encoded word: cut between its characters, never inside one
            if len(current) + len(Q_TABLE[ord(char)]) > room:
                words.append(f"=?utf-8?q?{current}?=")
                current = ""
            current += Q_TABLE[ord(char)]
    words.append(f"=?utf-8?q?{current}?=")
    return words


def _spaced_words(text: str) -> list[str]:
    parts = text.split(" ")
    return [part + " " for part in parts[:-1]] + parts[-1:]


class _QTable(dict):
    """Q encoding of each character, for ``str.translate``: worked out on first use, then looked up."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in Q_LITERAL:
            encoded = char
        elif char == " ":
            encoded = "_"
        else:
            encoded = "".join(f"={byte:02X}" for byte in char.encode("utf-8"))
        self[code] = encoded
        return encoded


Q_TABLE = _QTable()


def _folded(head: str, tokens: list[str]) -> str:
    """``head`` and its tokens on lines of at most 78 characters where tokens allow, continued by a space."""
    if len(head) + sum(map(len, tokens)) + len(tokens) <= MAX_LINE and not any(isinstance(t, Encoded) for t in tokens):
        return " ".join((head, *tokens))
    lines, line = [], head
    for token in tokens:
        words = [token] if not isinstance(token, Encoded) else encoded_words(token, _room_after(line))
        for word in words:
            if len(line) + 1 + len(word) > MAX_LINE and line != head:
                lines.append(line)
                line = ""
            line += " " + word
    lines.append(line)
    return "\r\n".join(lines)


def _room_after(line: str) -> int:
    # What an encoded word's text may take on this line; too little and it starts on the next.
    room = MAX_LINE - len(line) - 1 - len("=?utf-8?q??=")
    return min(room, ENCODED_TEXT_MAX) if room >= 12 else ENCODED_TEXT_MAX


def _needs_encoding(word: str) -> bool:
    # A plain word that looks like an encoded word would be decoded by readers; one longer
    # than a line could not be folded.
    return not (word.isascii() and word.isprintable()) or "=?" in word or len(word) > MAX_LINE - 20


def _not_an_atom(word: str) -> bool:
    return _needs_encoding(word) or SPECIALS.search(word) is not None
