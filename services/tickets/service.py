"""The tickets service: the core of Destek. Dependencies, then one entrypoint mixin per feature; no logic here."""
from __future__ import annotations

from services.shared.consumers import EventInbox
from services.shared.database import Database
from services.shared.outbox import OutboxRelay
from services.shared.service_base import ServiceBase
from services.tickets.admin.entrypoints import AdministrationEntrypoints
from services.tickets.assignment.entrypoints import AssignmentEntrypoints
from services.tickets.calls.entrypoints import CallsEntrypoints
from services.tickets.categories.entrypoints import CategoryEntrypoints
from services.tickets.core.entrypoints import TicketCoreEntrypoints
from services.tickets.customers.entrypoints import CustomersEntrypoints
from services.tickets.inbound.entrypoints import InboundEntrypoints
from services.tickets.mail_settings.entrypoints import MailSettingsEntrypoints
from services.tickets.models import outbox, parked_events
from services.tickets.notes.entrypoints import NotesEntrypoints
from services.tickets.pipelines.entrypoints import PipelineEntrypoints
from services.tickets.replies.entrypoints import RepliesEntrypoints
from services.tickets.settings import Settings


class TicketsService(TicketCoreEntrypoints, InboundEntrypoints, RepliesEntrypoints, PipelineEntrypoints,
                     CategoryEntrypoints, CustomersEntrypoints, CallsEntrypoints, NotesEntrypoints,
                     AdministrationEntrypoints, MailSettingsEntrypoints, AssignmentEntrypoints, ServiceBase):
    name = "tickets"

    db = Database()
    inbox = EventInbox(parked_events)
    relay = OutboxRelay(outbox)
    settings = Settings()


SERVICE = TicketsService
