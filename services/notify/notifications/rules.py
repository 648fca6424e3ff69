"""Telling staff what happened on their tickets: who is told what, how they chose to be told, and the words.

Pure rules: the handlers give the facts (the ticket as notify knows it, the
department's staff) and store what these functions return.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.shared.errors import InvalidInput

# The kinds of this first slice, and how each is delivered unless the user chose otherwise.
CONSOLE, CONSOLE_AND_EMAIL, OFF = "console", "console_and_email", "off"
CHOICES = (CONSOLE, CONSOLE_AND_EMAIL, OFF)
DEFAULTS = {
    "ticket_assigned": CONSOLE_AND_EMAIL,
    "customer_wrote": CONSOLE_AND_EMAIL,
    "new_unassigned": CONSOLE,  # a whole department hears of it: mail would be noise
    "sla_breached": CONSOLE_AND_EMAIL,
}
KINDS = tuple(DEFAULTS)
ALWAYS_ON = ("sla_breached",)  # managers hear of breaches whatever they chose: off is refused
STAFF_ROLES = ("agent", "manager")


@dataclass(frozen=True, kw_only=True)
class TicketCopy:
    """What notify keeps of a ticket, from tickets' events."""
    number: str
    department_id: int
    assignee_id: int | None
    subject: str


@dataclass(frozen=True, kw_only=True)
class Addressee:
    """One notification to store: who, of what, and what its texts need."""
    user_id: int
    kind: str
    data: dict


def choice_of(kind: str, chosen: dict[str, str]) -> str:
    """How a user is told of ``kind``: their choice, or the default; never off for an always-on kind."""
    choice = chosen.get(kind, DEFAULTS[kind])
    return CONSOLE if choice == OFF and kind in ALWAYS_ON else choice


def read_choices(body) -> dict[str, str]:
    """A settings update ``{"ticket_assigned": "console", ...}``, checked; raises InvalidInput naming the kind."""
    if not isinstance(body, dict):
        raise InvalidInput("ayarlar tür: seçim biçiminde bir JSON nesnesi olmalı / "
                           "the settings must be a JSON object of kind: choice", "body")
    for kind, choice in body.items():
        if kind not in DEFAULTS:
            raise InvalidInput(f"bilinmeyen bildirim türü / unknown notification kind {str(kind)[:100]!r}; "
                               f"known: {', '.join(KINDS)}", str(kind)[:100])
        if choice not in CHOICES:
            raise InvalidInput(f"{kind}: şunlardan biri olmalı / must be one of {', '.join(CHOICES)}", kind)
        if choice == OFF and kind in ALWAYS_ON:
            raise InvalidInput(f"{kind} kapatılamaz: yöneticiler SLA aşımlarından her zaman haberdar edilir / "
                               f"cannot be turned off: managers are always told of breaches", kind)
    return dict(body)


def assigned(ticket: TicketCopy, *, by_user_id: int | None) -> list[Addressee]:
    """The new assignee hears of it, unless they took the ticket themselves."""
    if ticket.assignee_id is None or ticket.assignee_id == by_user_id:
        return []
    return [Addressee(user_id=ticket.assignee_id, kind="ticket_assigned", data={"subject": ticket.subject})]


def customer_wrote(ticket: TicketCopy, *, sender_kind: str | None, is_auto_submitted: bool,
                   from_email: str) -> list[Addressee]:
    """The assignee hears of a customer's mail on their ticket; robots and staff writing in are not news."""
    if ticket.assignee_id is None or is_auto_submitted or sender_kind == "agent":
        return []
    return [Addressee(user_id=ticket.assignee_id, kind="customer_wrote",
                      data={"subject": ticket.subject, "from_email": from_email})]


def new_unassigned(ticket: TicketCopy, staff: list[dict]) -> list[Addressee]:
    """Every active member of the department hears of a ticket nobody holds."""
    if ticket.assignee_id is not None:
        return []
    return [Addressee(user_id=member["id"], kind="new_unassigned", data={"subject": ticket.subject})
            for member in staff if member.get("role") in STAFF_ROLES and member.get("is_active", True)]


def breached(ticket: TicketCopy, staff: list[dict], *, sla_kind: str, due_at: str) -> list[Addressee]:
    """The department's managers hear of a breach."""
    return [Addressee(user_id=member["id"], kind="sla_breached",
                      data={"subject": ticket.subject, "sla_kind": sla_kind, "due_at": due_at})
            for member in staff if member.get("role") == "manager" and member.get("is_active", True)]


def title(kind: str, ticket_number: str, data: dict) -> dict[str, str]:
    """What a notification says, in Turkish and English: ``{"tr": ..., "en": ...}``."""
    subject = data.get("subject") or ""
    about = f"{ticket_number} {subject}".strip()
    if kind == "ticket_assigned":
        return {"tr": f"Talep size atandı: {about}", "en": f"Ticket assigned to you: {about}"}
    if kind == "customer_wrote":
        sender = data.get("from_email") or ""
        return {"tr": f"Müşteri yazdı ({sender}): {about}", "en": f"The customer wrote ({sender}): {about}"}
    if kind == "new_unassigned":
        return {"tr": f"Bölümünüzde atanmamış yeni talep: {about}",
                "en": f"New unassigned ticket in your department: {about}"}
    if kind == "sla_breached":
        first = data.get("sla_kind") == "first_response"
        return {"tr": f"SLA aşıldı ({'ilk yanıt' if first else 'çözüm'}): {about}",
                "en": f"SLA breached ({'first response' if first else 'resolution'}): {about}"}
    return {"tr": about, "en": about}


def link(ticket_number: str) -> str:
    """Where the console shows the ticket."""
    return f"/tickets/{ticket_number}"


@dataclass(frozen=True, kw_only=True)
class StaffMailText:
    subject: str
    body: str


def staff_mail_text(items: list[dict], *, name: str, console_url: str) -> StaffMailText:
    """One mail for what a person is told by mail: a single notification, or a digest of a burst.

    ``items`` are ``{"kind", "ticket_number", "data"}``. The ticket's tracking tag is never in the
    subject: an answer to this mail must not thread into the customer's conversation.
    """
    lines = [title(item["kind"], item["ticket_number"], item["data"]) for item in items]
    base = console_url.rstrip("/")
    if len(items) == 1:
        [one], [item] = lines, items
        subject = f"{one['tr']} / {one['en']}"
        body_tr = f"{one['tr']}\n{base}{link(item['ticket_number'])}"
        body_en = f"{one['en']}\n{base}{link(item['ticket_number'])}"
    else:
        subject = f"Destek: {len(items)} yeni bildirim / {len(items)} new notifications"
        body_tr = "\n".join(f"- {line['tr']}\n  {base}{link(item['ticket_number'])}"
                            for line, item in zip(lines, items))
        body_en = "\n".join(f"- {line['en']}" for line in lines)
    greeting = f"Merhaba {name},\n\n" if name else ""
    footer = ("\n\n-- \nBu bildirimleri Destek'te Ayarlar > Bildirimler'den değiştirebilirsiniz.\n"
              "You can change these notifications in Destek under Settings > Notifications.\n")
    return StaffMailText(subject=subject, body=f"{greeting}{body_tr}\n\n---\n\n{body_en}{footer}")
