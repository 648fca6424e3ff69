"""Shared pieces of the ticket core's service tests: the demo people and a quick way to open tickets."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from services.tickets.service import TicketsService


@dataclass
class Demo:
    """The demo organisation's ids, read from the database rather than assumed."""
    owner: int
    manager: int
    agent: int
    destek: int
    satis: int
    engine: object

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def execute(self, sql: str, **params):
        with self.engine.begin() as conn:
            return conn.execute(text(sql), params)


@pytest.fixture
def demo(demo_org) -> Demo:
    with demo_org.connect() as conn:
        users = dict(conn.execute(text("SELECT email, id FROM tickets.users")).all())
        departments = dict(conn.execute(text("SELECT name, id FROM tickets.departments")).all())
    return Demo(owner=users["owner@example.com"], manager=users["manager@example.com"],
                agent=users["agent@example.com"], destek=departments["Destek"], satis=departments["Satış"],
                engine=demo_org)


@pytest.fixture
def tickets(start_service, demo, rpc):
    start_service(TicketsService)
    return rpc.tickets


def new_ticket(tickets, demo: Demo, as_user: int | None = None, **fields) -> dict:
    """A ticket opened (by the manager unless ``as_user``) in Destek, with sensible defaults."""
    body = {"subject": "Kargom gelmedi", "priority": 3, "department_id": demo.destek,
            "customer": {"name": "Ayşe Yılmaz", "email": "ayse@musteri.com.tr"}, **fields}
    return tickets.create_ticket(as_user or demo.manager, body)
