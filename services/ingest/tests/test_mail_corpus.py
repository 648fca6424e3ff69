"""Every corpus mail parses into something readable; random bytes never raise."""
import random
import re
from pathlib import Path

import pytest

from services.ingest.domain.mail_parsing import ParsedMail, parse_email

CORPUS = Path(__file__).parent / "corpus"
NOT_MAIL = {"README.md", "LICENSE.txt", "NOTICE.txt"}
# The folder's own samples, mail-parser's real-world ones (spam, malware carriers, malformed MIME) and
# talon's replies from a dozen mail clients (``*_reply_text``: the new part of a reply, not a mail).
FILES = sorted(p for p in CORPUS.rglob("*")
               if p.is_file() and p.name not in NOT_MAIL and not p.name.endswith("_reply_text"))

# These CPython samples have no Subject header at all (checked by hand).
NO_SUBJECT = {
    "msg_18.txt", "msg_19.txt", "msg_22.txt", "msg_23.txt", "msg_28.txt", "msg_30.txt",
    "msg_31.txt", "msg_34.txt", "msg_37.txt", "msg_38.txt", "msg_39.txt", "msg_40.txt",
    "msg_42.txt", "msg_47.txt",
    "mail_outlook_1",  # an Outlook .msg file, not an internet mail: kept whole as an attachment
}
# No usable sender address: no From header (11, 18, 19, 37-40), "From: foo"
# without a domain (05), or the null address "MAILER DAEMON <>" (43).
NO_SENDER = {
    "msg_05.txt", "msg_11.txt", "msg_18.txt", "msg_19.txt", "msg_37.txt", "msg_38.txt",
    "msg_39.txt", "msg_40.txt", "msg_43.txt", "mail_outlook_1",
}
# No text anywhere: 08/09/12/12a have only empty parts, 18 is headers only,
# 24 has one empty part, 06 forwards a mail whose body is empty.
NO_BODY = {"msg_06.txt", "msg_08.txt", "msg_09.txt", "msg_12.txt", "msg_12a.txt",
           "msg_18.txt", "msg_24.txt", "mail_outlook_1"}


def test_corpus_holds_the_python_turkish_mail_parser_and_talon_samples():
    names = {p.name for p in FILES}
    assert len(names) == len(FILES)  # the tests below tell the samples apart by name
    assert sum(name.startswith("msg_") for name in names) == 48
    assert sum(name.startswith("tr_") for name in names) >= 15
    assert sum(name.startswith("mail_") for name in names) == 21
    assert sum(p.parent.name == "talon" for p in FILES) == 12
    assert NO_SUBJECT | NO_SENDER | NO_BODY <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_mail_has_subject_sender_and_readable_body(path):
    parsed = parse_email(path.read_bytes())
    assert isinstance(parsed, ParsedMail)
    assert (parsed.subject == "") == (path.name in NO_SUBJECT)
    assert (parsed.from_email == "") == (path.name in NO_SENDER)
    if parsed.from_email:
        assert "@" in parsed.from_email and parsed.from_email == parsed.from_email.lower()
    has_text = any(ch.isalnum() for ch in parsed.body_text)
    assert has_text == (path.name not in NO_BODY)
    assert parsed.message_id and parsed.size == path.stat().st_size


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_mail_strings_are_storable_in_postgresql(path):
    parsed = parse_email(path.read_bytes())
    texts = [parsed.subject, parsed.from_name, parsed.body_text, parsed.reply_text,
             parsed.quoted_text, parsed.body_html or "", *parsed.parse_notes,
             *(a.filename for a in parsed.attachments)]
    for text in texts:
        assert "\x00" not in text
        text.encode("utf-8")  # raises on lone surrogates


# What must never reach an agent's browser from a mail's HTML: code, and requests to the sender's servers.
UNSAFE_HTML = {
    "script": re.compile(r"<\s*script", re.IGNORECASE),
    "event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: link": re.compile(r"javascript\s*:", re.IGNORECASE),
    "remote image": re.compile(r"<img[^>]*\ssrc\s*=\s*[\"']?(https?:)?//", re.IGNORECASE),
    "remote CSS": re.compile(r"url\(\s*[\"']?(https?:)?//", re.IGNORECASE),
    "embedding tag": re.compile(r"<\s*(iframe|object|embed|form|link|meta|base)\b", re.IGNORECASE),
}
HTML_MAILS = [p for p in FILES if b"text/html" in p.read_bytes().lower()]


def test_the_corpus_holds_plenty_of_real_html():
    assert len(HTML_MAILS) >= 25


@pytest.mark.parametrize("path", HTML_MAILS, ids=lambda p: p.name)
def test_html_of_real_spam_newsletters_and_phishing_is_safe_to_show(path):
    html = parse_email(path.read_bytes()).body_html or ""
    assert [name for name, pattern in UNSAFE_HTML.items() if pattern.search(html)] == []


REPLIES = sorted((CORPUS / "talon").glob("*.eml"))


@pytest.mark.parametrize("path", REPLIES, ids=lambda p: p.name)
def test_each_mail_clients_reply_is_split_from_the_history_it_quotes(path):
    """Gmail, Outlook, Apple Mail, Thunderbird, Yahoo, AOL, Android (in Russian) ...: top-posted,
    bottom-posted, wrapped attributions; the new part is "Hello" (and the client's signature, where
    talon's ``*_reply_text`` says so), the rest is kept as the quoted history."""
    expected_file = path.with_name(path.stem + "_reply_text")
    expected = expected_file.read_text().strip() if expected_file.exists() else "Hello"
    parsed = parse_email(path.read_bytes())
    assert [line.rstrip() for line in parsed.reply_text.splitlines()] == [
        line.rstrip() for line in expected.splitlines()]
    assert parsed.quoted_text and "Hello" not in parsed.quoted_text.splitlines()[0]


def _mutations(seed: int, count: int):
    """Truncated, bit-flipped, spliced corpus mails and pure noise."""
    rng = random.Random(seed)
    samples = [p.read_bytes() for p in FILES]
    for i in range(count):
        sample = rng.choice(samples)
        kind = i % 4
        if kind == 0:
            yield sample[: rng.randrange(len(sample) + 1)]
        elif kind == 1:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(600)))
        elif kind == 2:
            data = bytearray(sample)
            for _ in range(rng.randrange(1, 40)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
        else:
            other = rng.choice(samples)
            yield sample[: rng.randrange(len(sample) + 1)] + other[rng.randrange(len(other) + 1):]


def test_four_hundred_mangled_mails_never_raise():
    for raw in _mutations(seed=20260105, count=400):
        parsed = parse_email(raw)
        assert parsed.size == len(raw)
        assert parsed.message_id
        assert "\x00" not in parsed.body_text


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 50,
        b"\r\n\r\n\r\n",
        b":::\n: :\n\n",
        b"Content-Type: multipart/mixed\n\nno boundary at all",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x\n--x--",
        b"Content-Type: message/rfc822\n\n",
        b"Subject: =?utf-8?B?!!!?= =?nonsense?Q?=ZZ?=\nFrom: <<<>>>\nDate: yesterday\n\nx",
        b"Content-Type: text/plain; charset=\"rot13\"\n\nabc",
        b"Content-Type: text/plain; charset=utf-\xff\n\n\xff\xfe",
        b"Content-Transfer-Encoding: base64\n\n====!!!!",
        b"Content-Disposition: attachment; filename*=bogus''%FF%00..%2F..%2Fx\n\nx",
    ],
)
def test_pathological_inputs_never_raise(raw):
    parsed = parse_email(raw)
    assert parsed.size == len(raw)


def test_mime_nested_thousands_of_levels_deep_still_parses():
    raw = b"Content-Type: multipart/mixed; boundary=0\n\n" + b"".join(
        b"--%d\nContent-Type: multipart/mixed; boundary=%d\n\n" % (i, i + 1) for i in range(3000)
    )
    parsed = parse_email(raw)
    assert parsed.size == len(raw)
    assert parsed.parse_notes  # the fallback is reported, not silent
