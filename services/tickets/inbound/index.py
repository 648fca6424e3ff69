"""What a batch of inbound messages needs to know of the database, read in a few queries.

Threading a mail asks: was it received before (a duplicate)? Does a ticket
hold a Message-ID it answers? Does a ticket hold an answer to it (the answer
came first)? Does a ticket hold another answer to the mail it answers (two
replies to an original we have not received yet belong together)? Which ticket
has the tracking number in its subject, and who writes to it? Which customer
is the sender? Did we send the mail a bounce reports on? Asked one mail at a
time that is ten round trips per mail; here each question is asked once for
the whole batch, and the answers are kept up to date as the batch's own
messages are placed, so a reply later in the batch finds the ticket an
earlier mail opened.

Tickets and customers are plain values here (:mod:`rows`), not ORM
objects: the batch writes what changed in a few set-based statements.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BigInteger, or_, select
from sqlalchemy.orm import Session

from services.shared.contracts.inbound import DeliveryReport, InboundMessage
from services.tickets.inbound.bounces import reported_message_ids, reports_on
from services.tickets.inbound.rows import KnownCustomer, KnownTicket, TicketState
from services.tickets.models import Customer, CustomerContact, Message, MessageCitation, Ticket
from services.tickets.repository import among


@dataclass
class InboundIndex:
    """Lookups of one batch; new tickets and customers of the batch join them as they are placed."""

    received: dict[tuple[int, str], TicketState] = field(default_factory=dict)  # (department, Message-ID)
    holder: dict[str, tuple[datetime, TicketState]] = field(default_factory=dict)  # Message-ID → latest
    answered_by: dict[str, tuple[datetime, TicketState]] = field(default_factory=dict)  # cited id → earliest
    by_number: dict[str, TicketState] = field(default_factory=dict)
    participants: dict[int, set[str]] = field(default_factory=dict)  # id(ticket) → addresses that wrote
    customers: dict[str, object] = field(default_factory=dict)  # sender address → KnownCustomer | NewCustomer
    sent: set[str] = field(default_factory=set)  # Message-IDs of our outbound mail that bounces report on

    @classmethod
    def load(cls, session: Session, messages: list[InboundMessage], senders: set[str]) -> InboundIndex:
        index = cls()
        own_ids = {m.message_id for m in messages}
        cited = {mid for m in messages for mid in _cited(m)}
        reported = reported_message_ids(messages)
        known = session.execute(select(Message.rfc_message_id, Message.department_id, Message.ticket_id,
                                       Message.created_at, Message.direction)
                                .where(among(Message.rfc_message_id, own_ids | cited | reported))).all()
        answers = session.execute(select(MessageCitation.cited_id, MessageCitation.ticket_id,
                                         MessageCitation.created_at)
                                  .where(among(MessageCitation.cited_id, own_ids | cited))).all()
        numbers = {m.tracking_number for m in messages if m.tracking_number}
        tickets_by_id = index._load_tickets(session, {row.ticket_id for row in known} |
                                            {row.ticket_id for row in answers}, numbers)
        for row in known:
            ticket = tickets_by_id[row.ticket_id]
            index.received[(row.department_id, row.rfc_message_id)] = ticket
            index._hold(row.rfc_message_id, row.created_at, ticket)
            if row.direction == "outbound" and row.rfc_message_id in reported:
                index.sent.add(row.rfc_message_id)
        for row in answers:
            index._answer(row.cited_id, row.created_at, tickets_by_id[row.ticket_id])
        index._load_participants(session, tickets_by_id)
        index._load_customers(session, senders)
        return index

    def bounced_mail(self, message: InboundMessage) -> tuple[TicketState, list[DeliveryReport]] | None:
        """The ticket of the mail we sent that this bounce is about, and the reports about our mail; else None."""
        ours = reports_on(message, self.sent)
        if not ours:
            return None
        return self.ticket_holding(ours[0].original_message_id), ours

    def ticket_by_headers(self, message: InboundMessage) -> TicketState | None:
        """The ticket holding the latest of the Message-IDs this mail answers, else one that answers it,
        else one that answers the same mail (the conversation's root first)."""
        cited = _cited(message)
        held = [self.holder[mid] for mid in cited if mid in self.holder]
        if held:
            return max(held, key=lambda pair: pair[0])[1]
        answer = self.answered_by.get(message.message_id)
        if answer is None:
            answer = next((self.answered_by[mid] for mid in _root_first(message) if mid in self.answered_by), None)
        return answer[1] if answer else None

    def ticket_holding(self, message_id: str) -> TicketState | None:
        """The ticket a Message-ID is on (the latest one, should two departments hold it)."""
        held = self.holder.get(message_id)
        return held[1] if held else None

    def customer_emails(self, ticket: TicketState) -> frozenset[str]:
        return frozenset(self.participants.get(id(ticket), ()))

    def remember(self, ticket: TicketState, department_id: int, message: InboundMessage, sender: str,
                 at: datetime) -> None:
        """A message of this batch is placed in ``ticket``: later ones must see it as if committed."""
        self.received[(department_id, message.message_id)] = ticket
        self._hold(message.message_id, at, ticket)
        for answered in _cited(message):
            self._answer(answered, at, ticket)
        self.participants.setdefault(id(ticket), set()).add(sender)

    def remember_ticket(self, ticket: TicketState, customer) -> None:
        self.participants.setdefault(id(ticket), set()).update([customer.email] if customer.email else [])

    def _hold(self, message_id: str, at: datetime, ticket: TicketState) -> None:
        current = self.holder.get(message_id)
        if current is None or at >= current[0]:
            self.holder[message_id] = (at, ticket)

    def _answer(self, message_id: str, at: datetime, ticket: TicketState) -> None:
        current = self.answered_by.get(message_id)
        if current is None or at < current[0]:
            self.answered_by[message_id] = (at, ticket)

    def _load_tickets(self, session: Session, ids: set[int], numbers: set[str]) -> dict[int, KnownTicket]:
        if not ids and not numbers:
            return {}
        rows = session.execute(select(Ticket.id, Ticket.number, Ticket.status, Ticket.department_id,
                                      Ticket.closed_at, Ticket.resolved_at, Ticket.updated_at,
                                      Ticket.assignee_id)
                               .where(or_(among(Ticket.id, ids, BigInteger), among(Ticket.number, numbers))))
        tickets = {row.id: KnownTicket(**row._asdict()) for row in rows}
        for ticket in tickets.values():
            self.by_number[ticket.number] = ticket
            self.participants[id(ticket)] = set()
        return tickets

    def _load_participants(self, session: Session, tickets_by_id: dict[int, KnownTicket]) -> None:
        if not tickets_by_id:
            return
        writers = select(Message.ticket_id, Message.from_email).where(
            among(Message.ticket_id, tickets_by_id, BigInteger), Message.direction == "inbound")
        owners = select(Ticket.id, Customer.email).join(Customer, Customer.id == Ticket.customer_id).where(
            among(Ticket.id, tickets_by_id, BigInteger), Customer.email.is_not(None))
        for ticket_id, email in session.execute(writers.union(owners)):
            self.participants[id(tickets_by_id[ticket_id])].add(email)

    def _load_customers(self, session: Session, senders: set[str]) -> None:
        senders = {s for s in senders if s}
        if not senders:
            return
        columns = (Customer.id, Customer.name, Customer.email, Customer.merged_into_id)
        found = {row.email: row for row in session.execute(select(*columns).where(among(Customer.email, senders)))}
        rest = senders - set(found)
        if rest:
            found.update((row.value, row) for row in session.execute(
                select(CustomerContact.value, *columns).join(Customer, Customer.id == CustomerContact.customer_id)
                .where(CustomerContact.kind == "email", among(CustomerContact.value, rest))))
        merged_into = {row.merged_into_id for row in found.values() if row.merged_into_id is not None}
        targets = {row.id: row for row in session.execute(
            select(*columns).where(among(Customer.id, merged_into, BigInteger)))} if merged_into else {}
        by_id: dict[int, KnownCustomer] = {}
        for email, row in found.items():
            row = targets.get(row.merged_into_id, row)  # merges keep this one step deep
            self.customers[email] = by_id.setdefault(row.id, KnownCustomer(id=row.id, name=row.name, email=row.email))


def _root_first(message: InboundMessage) -> list[str]:
    """The Message-IDs a mail answers, from its conversation's first mail (References) to its parent."""
    return [mid for mid in (*message.references, *message.in_reply_to) if mid]


def _cited(message: InboundMessage) -> list[str]:
    """The Message-IDs a mail answers: In-Reply-To, then References."""
    return [mid for mid in (*message.in_reply_to, *message.references) if mid]
