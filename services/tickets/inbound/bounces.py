"""Bounces of mail Destek sent: they join the thread the mail went out from, and say it failed.

ingest lists a bounce's delivery reports on the inbound message
(``delivery_reports``: ``recipient``, ``action``, ``status``, ``diagnostic``,
``original_message_id``). When a report's original is one of our outbound
messages, the bounce is placed on that message's ticket, whatever its subject
says, and each such report becomes a ``bounce_received`` event: notify marks
the delivery failed, and the thread shows it. A bounce of mail we did not
send is threaded like any other automatic mail.
"""
from __future__ import annotations

from datetime import datetime

from services.shared.contracts.events import BounceReceived
from services.shared.contracts.inbound import DeliveryReport, InboundMessage
from services.tickets.models import Ticket


def delivery_reports(message: InboundMessage) -> list[DeliveryReport]:
    """The reports of an inbound message that name the mail they are about ([] for ordinary mail)."""
    return [report for report in message.delivery_reports if report.original_message_id]


def reported_message_ids(messages: list[InboundMessage]) -> set[str]:
    """The Message-IDs the batch's bounces report on: the index looks them up with the threading headers."""
    return {report.original_message_id for message in messages for report in delivery_reports(message)}


def reports_on(message: InboundMessage, sent: set[str]) -> list[DeliveryReport]:
    """The reports of this bounce about mail we sent (``sent``: Message-IDs of our outbound mail)."""
    return [report for report in delivery_reports(message) if report.original_message_id in sent]


def bounce_received_events(ticket: Ticket, message: InboundMessage, reports: list[DeliveryReport],
                           now: datetime) -> list[BounceReceived]:
    """One ``bounce_received`` per report: notify marks the delivery of ``original_message_id`` failed."""
    return [BounceReceived(ticket_number=ticket.number, message_id=message.message_id,
                           department_id=ticket.department_id, original_message_id=report.original_message_id,
                           recipient=report.recipient, action=report.action, status=report.status,
                           diagnostic=report.diagnostic, received_at=now)
            for report in reports]
