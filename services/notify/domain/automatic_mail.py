"""What Destek writes on its own — the creation acknowledgement and the attachments notice — and when not."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from services.shared.contracts.events import TicketCreated
from services.shared.contracts.inbound import SkippedAttachment
from services.shared.contracts.tickets import tracking_tag

# Mail to these local parts bounces or lands nowhere; answering them only adds noise.
NO_REPLY_LOCAL_PARTS = ("noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster")


@dataclass(frozen=True)
class AutomaticText:
    subject: str
    body: str


def acknowledgement_skip_reason(event: TicketCreated, department_email: str, *,
                                department_sends: bool = True) -> str | None:
    """Why a new ticket gets no acknowledgement, or None when its customer should get one.

    ``department_sends`` decides for an event published before ``send_acknowledgement`` existed (None).
    """
    if event.channel != "email":
        return "the ticket did not come in by email"
    if (department_sends if event.send_acknowledgement is None else event.send_acknowledgement) is False:
        return "the department does not send acknowledgements"
    if event.is_auto_submitted:
        return "the sender is an automatic or bulk sender"
    return recipient_skip_reason(event.customer_email or "", department_email)


def recipient_skip_reason(address: str, department_email: str) -> str | None:
    """Why an automatic mail must not go to this address (loops, no-reply senders), or None."""
    address = address.strip().lower()
    if "@" not in address:
        return "there is no address to write to"
    if address == (department_email or "").strip().lower():
        return "the sender is the department itself"
    local = address.split("@", 1)[0]
    if local in NO_REPLY_LOCAL_PARTS or local.startswith(("noreply", "no-reply", "no_reply")):
        return "the sender does not take replies"
    return None


def tagged_subject(text: str, ticket_number: str) -> str:
    """A subject carrying the ticket's ``[#YYYY-NNNNNN]`` tag once, so answers find their ticket."""
    tag = tracking_tag(ticket_number)
    text = " ".join((text or "").split())
    return text if tag in text else f"{text} {tag}".strip()


def acknowledgement_text(*, ticket_number: str, subject: str, customer_name: str,
                         department_name: str) -> AutomaticText:
    """The Turkish and English acknowledgement of a new ticket."""
    name = _addressable_name(customer_name)
    body = (
        f"Merhaba{' ' + name if name else ''},\n\n"
        f"Talebinizi aldık; takip numaranız #{ticket_number}. Ekibimiz en kısa sürede size dönecek.\n"
        "Bu konuda yazarken bu e-postayı yanıtlayın ya da konu satırındaki numarayı koruyun.\n\n"
        f"Hello{' ' + name if name else ''},\n\n"
        f"We have received your request; its tracking number is #{ticket_number}. "
        "Our team will get back to you as soon as possible.\n"
        "When you write about it, reply to this email or keep the number in the subject line.\n\n"
        f"Konu / Subject: {subject}\n\n"
        f"{department_name}\n"
        "-- \nBu otomatik bir yanıttır. / This is an automatic reply.\n")
    return AutomaticText(tagged_subject(f"Talebiniz alındı / Request received: {subject}", ticket_number), body)


def attachments_notice_text(*, ticket_number: str, skipped: tuple[SkippedAttachment, ...],
                            department_name: str) -> AutomaticText:
    """The Turkish and English notice listing the attachments of a mail that were not kept."""
    listing = "\n".join(f"  - {item.filename or '(adsız / unnamed)'} ({human_size(item.size)})"
                        + (f": {item.reason}" if item.reason else "") for item in skipped)
    body = (
        "Merhaba,\n\n"
        f"#{ticket_number} numaralı talebiniz için gönderdiğiniz e-postayı aldık, ancak şu ekleri "
        "saklayamadık:\n\n"
        f"{listing}\n\n"
        "Bu dosyaları daha küçük parçalar halinde ya da bir paylaşım bağlantısıyla yeniden gönderebilirsiniz.\n\n"
        "Hello,\n\n"
        f"We received your email about request #{ticket_number}, but could not keep these attachments:\n\n"
        f"{listing}\n\n"
        "You may send them again in smaller parts or as a sharing link.\n\n"
        f"{department_name}\n"
        "-- \nBu otomatik bir yanıttır. / This is an automatic reply.\n")
    return AutomaticText(tagged_subject("Ekleriniz alınamadı / Attachments not kept", ticket_number), body)


def human_size(size) -> str:
    """``31457280`` → ``"30.0 MB"``; unknown sizes say so."""
    if not isinstance(size, int) or size < 0:
        return "? MB"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def stable_message_id(kind: str, key: str, sender_email: str) -> str:
    """A Message-ID that is the same every time for the same automatic mail, so it is queued once."""
    domain = (sender_email or "").rsplit("@", 1)[-1] or "destek.invalid"
    digest = hashlib.sha256(f"{kind}\0{key}".encode()).hexdigest()[:24]
    return f"{kind}.{digest}@{domain}"


def _addressable_name(name: str) -> str:
    name = " ".join((name or "").split())
    return "" if "@" in name else name
