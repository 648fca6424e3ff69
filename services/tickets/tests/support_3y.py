"""Helpers for the tickets service tests of customers, notes, calls and administration."""
from __future__ import annotations

import itertools

_ids = itertools.count(1)


def inbound(from_email: str, from_name: str = "Ali Veli", recipient: str = "destek@example.com", **fields) -> dict:
    """A normalised inbound mail, as ingest hands it over, with a fresh Message-ID."""
    message = {"channel": "email", "recipients": [recipient], "message_id": f"m{next(_ids)}@example.org",
               "in_reply_to": [], "references": [], "subject": "Fatura sorusu", "from_name": from_name,
               "from_email": from_email, "to": [recipient], "body_text": "Merhaba", "body_html": None,
               "reply_text": "Merhaba", "is_auto_submitted": False, "tracking_number": None}
    message.update(fields)
    return message


class Org:
    """The demo organisation's people, as user ids, over one RPC client."""

    def __init__(self, tickets):
        self.tickets = tickets
        self.owner = tickets.authenticate("owner@example.com", "destek-demo")["id"]
        self.manager = tickets.authenticate("manager@example.com", "destek-demo")["id"]
        self.agent = tickets.authenticate("agent@example.com", "destek-demo")["id"]

    def ticket_from(self, email: str, name: str = "Ali Veli", recipient: str = "destek@example.com") -> str:
        """A new ticket opened by a mail from ``email``; returns its number."""
        [result] = self.tickets.receive_messages([inbound(email, name, recipient)])
        return result["ticket_number"]
