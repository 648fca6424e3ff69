"""Finding tickets by what people type: a tracking number, a phone or email, or words and fragments.

``q`` is read in this order: a whole tracking number finds that ticket; an
e-mail address or a valid phone number (any format) finds the tickets of the
customers who have it; digits written like a phone number find tickets whose
customer's number contains them; anything else finds tickets where every word
starts a word of the number, subject or customer (full-text, prefix), or
where the whole text appears anywhere (trigram). Both sides are folded with
:func:`turkish_fold`, so ``istanbul`` finds ``İSTANBUL``.
"""
from __future__ import annotations

from sqlalchemy import false, func, or_, select, text
from sqlalchemy.orm import Session

from services.shared.contracts.tickets import read_tracking_number
from services.shared.errors import InvalidInput
from services.tickets.counts import estimated_rows
from services.tickets.domain.identity import normalise_email, normalise_phone
from services.tickets.domain.text_folding import (MIN_SUBSTRING, like_pattern, phone_digits_in,
                                                   prefix_tsquery, search_words, turkish_fold)
from services.tickets.models import Customer, CustomerContact, Ticket

FEW = 5000
COMMON = 20_000  # matches the planner can be trusted to see coming


def refresh_search_text(session: Session, customer_id: int) -> None:
    """Recompute the search text of a customer's tickets after the customer's name, email or phone changed."""
    # A trigger on customers already does this for updates of those columns; this covers
    # changes it cannot see, and makes the intent explicit where customers are edited.
    session.flush()
    session.execute(text("UPDATE tickets.tickets SET search_text = "
                         "tickets.ticket_search_text(number, subject, customer_id) WHERE customer_id = :id"),
                    {"id": customer_id})


def search_condition(session: Session, q: str):
    """The condition on ``Ticket`` that a search for ``q`` means, narrowed to ids when few tickets match."""
    number = read_tracking_number(q)
    if number:
        return Ticket.number == number
    if "@" in q:
        try:
            return _customers_with(session, "email", normalise_email(q))
        except InvalidInput:
            pass  # a fragment such as "@musteri.com": look for the text
    digits = phone_digits_in(q)
    if digits:
        try:
            return _customers_with(session, "phone", normalise_phone(q))
        except InvalidInput:
            return _narrowed(session, Ticket.search_text.like(like_pattern(digits)))
    return _narrowed(session, _text_condition(q))


def _narrowed(session: Session, condition):
    """``id IN (...)`` when at most ``FEW`` tickets match, else the condition itself."""
    # The planner knows common words from its statistics, but takes any other word prefix
    # for 0.5% of the table; guessing wrong means walking a million rows in date order for
    # one match. So unless the planner is sure there are many, the text indexes answer
    # first, alone: few hits are fetched by id and sorted; many hits are dense enough for
    # the date-ordered walk to meet a page of them soon.
    if estimated_rows(session, select(Ticket.id).where(condition)) > COMMON:
        return condition
    session.execute(text("SET LOCAL enable_seqscan = off"))  # only the GIN indexes, through a bitmap
    session.execute(text("SET LOCAL enable_indexscan = off"))
    ids = session.scalars(select(Ticket.id).where(condition).limit(FEW + 1)).all()
    session.execute(text("RESET enable_seqscan"))
    session.execute(text("RESET enable_indexscan"))
    return Ticket.id.in_(ids) if len(ids) <= FEW else condition


def _customers_with(session: Session, kind: str, value: str):
    # Looked up first: an OR of two subqueries would make PostgreSQL read every ticket.
    column = Customer.email if kind == "email" else Customer.phone
    ids = set(session.scalars(select(Customer.id).where(column == value)))
    ids |= set(session.scalars(select(CustomerContact.customer_id).where(
        CustomerContact.kind == kind, CustomerContact.value == value)))
    return Ticket.customer_id.in_(sorted(ids))


def _text_condition(q: str):
    words = search_words(q)
    if not words:
        return false()
    conditions = [Ticket.search_vector.op("@@")(func.to_tsquery("simple", prefix_tsquery(words)))]
    folded = turkish_fold(q).strip()
    if len(folded) >= MIN_SUBSTRING:
        conditions.append(Ticket.search_text.like(like_pattern(folded)))
    return or_(*conditions)
