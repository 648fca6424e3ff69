"""A reproducible corpus of realistic mails for benchmarks: Turkish and English, attachments, replies.

Every mail carries the run id twice, so that a benchmark can find its own mail
among everything else in the system: in the subject (``[bench <run> c<n>]``,
``n`` the conversation) and in the Message-ID's domain (``…@<run>.bench.example.org``).
Senders are unique to the run too: a second run within the sender rate-limit
window (``SENDER_RATE_LIMIT``) would otherwise have its mail held.
"""
from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

TURKISH = [
    ("Siparişim hâlâ gelmedi", "Merhaba, 3 gün önce verdiğim sipariş hâlâ elime ulaşmadı. Kargo takip numarası çalışmıyor."),
    ("Fatura bilgisi yanlış", "İyi günler, faturada şirket ünvanımız yanlış yazılmış. Düzeltilmiş faturayı gönderebilir misiniz?"),
    ("İade talebi", "Ürün kırık geldi, iade etmek istiyorum. Işıklı modelin kutusu da hasarlı."),
    ("Şifremi unuttum", "Hesabıma giriş yapamıyorum, şifre sıfırlama e-postası gelmiyor."),
    ("Ödeme iki kez çekildi", "Kredi kartımdan aynı sipariş için iki kez ödeme çekilmiş, lütfen kontrol edin."),
]
ENGLISH = [
    ("Order not delivered", "Hello, my order from last week has not arrived yet. Could you check the status?"),
    ("Invoice question", "Hi, could you send me a copy of the invoice for my last purchase?"),
    ("Cannot log in", "I cannot log into my account since yesterday; the reset link expires immediately."),
]
DEPARTMENTS = ("destek@example.com", "satis@example.com")
SUBJECT_TAG = re.compile(r"\[bench ([0-9a-f]+) c(\d+)\]")


@dataclass(frozen=True)
class BenchMail:
    raw: bytes
    message_id: str  # without <>
    parent_id: str | None  # the Message-ID this mail answers (In-Reply-To); None for a conversation's first
    conversation: int  # number of the conversation, as in the subject tag
    department: str  # the address it is sent to


def new_run_id() -> str:
    return secrets.token_hex(4)


def subject_tag(run_id: str, conversation: int) -> str:
    return f"[bench {run_id} c{conversation}]"


def build_corpus(count: int, *, run_id: str, seed: int = 2026, reply_share: float = 0.3,
                 attachment_share: float = 0.2, departments: tuple[str, ...] = DEPARTMENTS) -> list[BenchMail]:
    """``count`` mails; ``reply_share`` of them answer an earlier mail of the corpus (same department)."""
    rng = random.Random(seed)
    mails: list[BenchMail] = []
    threads: list[tuple[int, str, str, str, str, str]] = []  # conversation, first id, last id, subject, ...
    start = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    for index in range(count):
        when = start + timedelta(seconds=index * 7)
        message_id = f"{index:05d}.{rng.getrandbits(40):010x}@{run_id}.bench.example.org"
        if threads and rng.random() < reply_share:
            conversation, root, parent, subject, sender, department = rng.choice(threads)
            mail = _mail(rng, sender, department, f"Re: {subject}",
                         "Tekrar yazıyorum, hâlâ cevap bekliyorum.\n\n> önceki mesaj", when, attachment_share)
            mail["In-Reply-To"] = f"<{parent}>"
            mail["References"] = f"<{root}>" + (f" <{parent}>" if parent != root else "")
        else:
            conversation, root, parent = index, message_id, None
            text, body = rng.choice(TURKISH if rng.random() < 0.7 else ENGLISH)
            subject = f"{text} {subject_tag(run_id, conversation)}"
            sender, department = f"musteri{index}.{run_id}@example.org", rng.choice(departments)
            mail = _mail(rng, sender, department, subject, body, when, attachment_share)
        mail["Message-ID"] = f"<{message_id}>"
        threads.append((conversation, root, message_id, subject, sender, department))
        mails.append(BenchMail(mail.as_bytes(), message_id, parent, conversation, department))
    return mails


def _mail(rng, sender, department, subject, body, when, attachment_share) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Müşteri {sender.split('.')[0]} <{sender}>"
    mail["To"] = department
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    mail.set_content(body + "\n\nSaygılarımla", charset="utf-8")
    if rng.random() < attachment_share:
        size = rng.randint(2_000, 60_000)
        mail.add_attachment(rng.randbytes(size), maintype="application", subtype="pdf",
                            filename=f"belge-{rng.randint(1, 999)}.pdf")
    return mail


def delivery_order(mails: list[BenchMail], *, seed: int = 7, window: int = 20) -> list[BenchMail]:
    """Shuffle within small windows: some replies arrive before the mail they answer."""
    rng = random.Random(seed)
    ordered = []
    for offset in range(0, len(mails), window):
        chunk = mails[offset:offset + window]
        rng.shuffle(chunk)
        ordered.extend(chunk)
    return ordered
