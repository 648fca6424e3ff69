"""Counting the rows of a list without counting a million of them.

The planner's estimate comes first (planning only, no rows read). When it
says "many", that estimate is the answer, marked as such — what a person
paging through "about 240,000 tickets" needs. Otherwise up to ``CAP`` rows
are counted exactly, which stays cheap because there are few of them.
"""
from __future__ import annotations

import json

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

CAP = 1000


def bounded_count(session: Session, query: Select, cap: int = CAP) -> tuple[int, bool]:
    """``(count, exact)``: exact up to ``cap``, the planner's estimate (never below ``cap + 1``) beyond."""
    estimate = estimated_rows(session, query)
    if estimate > 2 * cap:  # the estimate may be off by some, not by that much
        return estimate, False
    # A constant, not a column: an index that holds the filtered columns answers on its own.
    capped = query.with_only_columns(literal_column("1"), maintain_column_froms=True).limit(cap + 1)
    counted = session.scalar(select(func.count()).select_from(capped.subquery()))
    if counted <= cap:
        return counted, True
    return max(estimate, cap + 1), False


def estimated_rows(session: Session, query: Select) -> int:
    """The planner's estimate of how many rows ``query`` returns."""
    compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
