"""The Kanban board of a pipeline: a column per stage with its cards, most urgent and longest waiting first.

Each column shows one page of cards (``limit``) and a bounded count; the next
cards of one column come from ``stage_id`` plus that column's ``next_cursor``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.shared.errors import InvalidInput, NotFound
from services.tickets import payload
from services.tickets.access import Viewer
from services.tickets.counts import bounded_count
from services.tickets.domain.list_filters import (decode_card_cursor, encode_card_cursor,
                                                  whole_number)
from services.tickets.models import Customer, Stage, Ticket
from services.tickets.pipelines.pipelines import find_pipeline, stages_of
from services.tickets.pipelines.rules import whole_days_between
from services.tickets.schemas import iso

KNOWN = ("stage_id", "cursor", "limit", "department_id")
MAX_CARDS = 100
CARD_COLUMNS = (Ticket.id, Ticket.number, Ticket.subject, Ticket.priority, Ticket.status, Ticket.assignee_id,
                Ticket.assignee_ai_agent, Ticket.stage_entered_at, Ticket.call_count, Ticket.last_call_at,
                Customer.name)


def get_board(session: Session, viewer: Viewer, pipeline_id, filters: dict, now: datetime) -> dict:
    """``{"pipeline", "columns": [{"stage", "count", "count_is_exact", "cards", "next_cursor"}]}``."""
    pipeline = find_pipeline(session, pipeline_id)
    options = _options(filters or {})
    stages = stages_of(session, pipeline.id)
    if options["stage_id"] is not None:
        stages = [s for s in stages if s.id == options["stage_id"]]
        if not stages:
            raise NotFound(f"stage {options['stage_id']} is not a stage of pipeline {pipeline.id}", "stage_id")
    return {"pipeline": {"id": pipeline.id, "name": pipeline.name, "type": pipeline.type},
            "columns": [_column(session, viewer, stage, options, now) for stage in stages]}


def _options(filters: dict) -> dict:
    for name in filters:
        if name not in KNOWN:
            raise InvalidInput(f"unknown parameter {str(name)[:50]!r}; known: {', '.join(KNOWN)}", str(name)[:100])
    given = {k: v for k, v in filters.items() if v not in (None, "")}
    options = {
        "stage_id": whole_number(given["stage_id"], "stage_id", 1, payload.MAX_INT) if "stage_id" in given else None,
        "department_id": whole_number(given["department_id"], "department_id", 1, payload.MAX_INT)
        if "department_id" in given else None,
        "limit": whole_number(given["limit"], "limit", 1, MAX_CARDS) if "limit" in given else 20,
        "after": decode_card_cursor(given["cursor"]) if "cursor" in given else None,
    }
    if options["after"] is not None and options["stage_id"] is None:
        raise InvalidInput("a cursor pages one column: send its stage_id too", "cursor")
    return options


def _column(session: Session, viewer: Viewer, stage: Stage, options: dict, now: datetime) -> dict:
    conditions = [Ticket.stage_id == stage.id]
    departments = viewer.listable_department_ids()
    if departments is not None:
        conditions.append(Ticket.department_id.in_(departments))
    if options["department_id"] is not None:
        conditions.append(Ticket.department_id == options["department_id"])
    query = select(*CARD_COLUMNS).join(Customer, Customer.id == Ticket.customer_id).where(*conditions)
    if options["after"] is not None:
        query = query.where(tuple_(Ticket.priority, Ticket.stage_entered_at, Ticket.id) > options["after"])
    rows = session.execute(query.order_by(Ticket.priority, Ticket.stage_entered_at, Ticket.id)
                           .limit(options["limit"] + 1)).all()
    more, rows = len(rows) > options["limit"], rows[:options["limit"]]
    count, exact = (None, None) if options["after"] else bounded_count(session, select(Ticket.id).where(*conditions))
    last = rows[-1] if rows else None
    return {"stage": {"id": stage.id, "name": stage.name, "position": stage.position},
            "count": count, "count_is_exact": exact, "cards": [_card(row, now) for row in rows],
            "next_cursor": encode_card_cursor(last.priority, last.stage_entered_at, last.id) if more else None}


def _card(row, now: datetime) -> dict:
    return {"number": row.number, "subject": row.subject, "customer_name": row.name, "priority": row.priority,
            "status": row.status, "assignee_id": row.assignee_id, "assignee_ai_agent": row.assignee_ai_agent,
            "stage_entered_at": iso(row.stage_entered_at),
            "days_in_stage": whole_days_between(row.stage_entered_at, now),
            "days_since_last_call": whole_days_between(row.last_call_at, now),
            "call_count": row.call_count or 0}
