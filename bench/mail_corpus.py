"""A reproducible corpus of realistic mails for benchmarks: Turkish and English, attachments, replies."""
from __future__ import annotations

import random
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timedelta, timezone

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
DEPARTMENTS = ["destek@example.com", "satis@example.com"]


@dataclass
class BenchMail:
    raw: bytes
    message_id: str
    root_id: str  # the Message-ID of the first mail of its conversation


def build_corpus(count: int, *, seed: int = 2026, reply_share: float = 0.3,
                 attachment_share: float = 0.2) -> list[BenchMail]:
    """``count`` mails; ``reply_share`` of them answer an earlier mail of the corpus."""
    rng = random.Random(seed)
    mails: list[BenchMail] = []
    conversations: list[tuple[str, str, str, str]] = []  # root id, last id, subject, sender
    start = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    for index in range(count):
        when = start + timedelta(seconds=index * 7)
        if conversations and rng.random() < reply_share:
            root, last, subject, sender = rng.choice(conversations)
            mail = _mail(rng, sender, f"Re: {subject}", "Tekrar yazıyorum, hâlâ cevap bekliyorum.\n\n> önceki mesaj",
                         when, attachment_share)
            mail["In-Reply-To"] = f"<{last}>"
            mail["References"] = f"<{root}>" + (f" <{last}>" if last != root else "")
        else:
            subject, body = rng.choice(TURKISH if rng.random() < 0.7 else ENGLISH)
            sender = f"musteri{index}@example.org"
            mail = _mail(rng, sender, subject, body, when, attachment_share)
            root = None
        message_id = mail["Message-ID"].strip("<>")
        root = root or message_id
        conversations.append((root, message_id, mail["Subject"].removeprefix("Re: "), sender))
        mails.append(BenchMail(raw=mail.as_bytes(), message_id=message_id, root_id=root))
    return mails


def _mail(rng, sender, subject, body, when, attachment_share) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Müşteri {sender.split('@')[0]} <{sender}>"
    mail["To"] = rng.choice(DEPARTMENTS)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = make_msgid(domain="example.org")
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
