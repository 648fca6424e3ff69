"""Reading a ticket list request: filters, search text, sort order, page size and cursor.

Everything arrives as query-string text (or plain values over RPC); anything
that cannot be read is refused with the parameter's name, never passed on.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.shared.contracts.tickets import STATUSES
from services.shared.errors import InvalidInput
from services.tickets.domain.status import PRIORITIES

ISTANBUL = ZoneInfo("Europe/Istanbul")
MAX_ID = 2**31 - 1
MAX_PAGE = 200
MAX_OFFSET = 10_000  # deeper pages: follow next_cursor, which costs the same at any depth
MAX_QUERY = 200
WHOLE_NUMBER_RE = re.compile(r"-?[0-9]{1,4000}")  # int() reads at most 4300 digits
ID_FILTERS = ("department_id", "pipeline_id", "stage_id", "category_id", "customer_id")
TIME_FILTERS = ("created_from", "created_to", "updated_from", "updated_to")
KNOWN = ("status", "priority", "assignee", "q", "sort", "limit", "cursor", "offset", *ID_FILTERS, *TIME_FILTERS)


@dataclass(frozen=True)
class SortOrder:
    name: str
    column: str  # the Ticket attribute that orders the list; ties broken by id in the same direction
    descending: bool


SORTS = {
    "created": SortOrder("created", "created_at", False), "-created": SortOrder("-created", "created_at", True),
    "updated": SortOrder("updated", "updated_at", False), "-updated": SortOrder("-updated", "updated_at", True),
    "priority": SortOrder("priority", "priority", False), "-priority": SortOrder("-priority", "priority", True),
    # Shortest time in stage first means the latest stage entry first, and the other way round.
    "time_in_stage": SortOrder("time_in_stage", "stage_entered_at", True),
    "-time_in_stage": SortOrder("-time_in_stage", "stage_entered_at", False),
}
DEFAULT_SORT = "-updated"


@dataclass(frozen=True)
class ListRequest:
    statuses: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    ids: dict = field(default_factory=dict)  # department_id, pipeline_id, ... → int
    assignee: str | int | None = None  # user id, "mine", "unassigned" or "ai"
    times: dict = field(default_factory=dict)  # created_from, ... → datetime (the *_to ones exclusive)
    q: str = ""
    sort: SortOrder = SORTS[DEFAULT_SORT]
    limit: int = 50
    offset: int = 0
    after: tuple | None = None  # (sort value, id) of the last row of the previous page


def read_list_request(raw: dict) -> ListRequest:
    """Check every parameter of a list request; unknown parameters are refused by name."""
    for name in raw:
        if name not in KNOWN:
            raise InvalidInput(f"unknown parameter {str(name)[:50]!r}; known: {', '.join(KNOWN)}", str(name)[:100])
    sort = _sort(raw.get("sort"))
    return ListRequest(
        statuses=tuple(_choice(v, "status", STATUSES) for v in _listed(raw.get("status"))),
        priorities=tuple(_priority(v) for v in _listed(raw.get("priority"))),
        ids={n: whole_number(raw[n], n, 1, MAX_ID) for n in ID_FILTERS if _given(raw.get(n))},
        assignee=_assignee(raw.get("assignee")),
        times={n: time_bound(raw[n], n, upper=n.endswith("_to")) for n in TIME_FILTERS if _given(raw.get(n))},
        q=_query(raw.get("q")), sort=sort,
        limit=whole_number(raw.get("limit", 50), "limit", 1, MAX_PAGE) if _given(raw.get("limit")) else 50,
        offset=whole_number(raw["offset"], "offset", 0, MAX_OFFSET) if _given(raw.get("offset")) else 0,
        after=decode_cursor(raw["cursor"], sort) if _given(raw.get("cursor")) else None)


def read_whole_number(value) -> int | None:
    """An int, or text of ASCII digits with an optional minus sign, as a number; None for anything else.

    Stricter than ``int()``, which also takes spaces, underscores, a plus sign and other scripts'
    digits (``" 1_0"``, ``"５"``): a query parameter documented as an integer must look like one.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and WHOLE_NUMBER_RE.fullmatch(value):
        return int(value)
    return None


def whole_number(value, name: str, low: int, high: int) -> int:
    number = read_whole_number(value)
    if number is None:
        raise InvalidInput(f"{name} must be a whole number", name)
    if not low <= number <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", name)
    return number


def time_bound(value, name: str, *, upper: bool) -> datetime:
    """``2026-11-22`` (a whole Istanbul day) or an ISO 8601 time; upper bounds come back exclusive."""
    text = value.strip() if isinstance(value, str) else None
    try:
        if text and len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(0), ISTANBUL)
            return start + timedelta(days=1) if upper else start
        moment = datetime.fromisoformat(text or "")
    except (ValueError, TypeError, OverflowError):
        raise InvalidInput(f"{name} must be a date (2026-11-22) or an ISO 8601 time "
                           f"(2026-11-22T10:00:00+03:00)", name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ISTANBUL)
    if not 1970 <= moment.year <= 9998:
        raise InvalidInput(f"{name} is out of range", name)
    # Stored times have microsecond resolution: one microsecond past makes "up to and including" exact.
    return moment + timedelta(microseconds=1) if upper else moment


def encode_cursor(sort: SortOrder, value, row_id: int) -> str:
    """An opaque token for the page after the row with this sort value and id."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort.name, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token, sort: SortOrder) -> tuple:
    """The (sort value, id) a cursor carries; refused if it is malformed or made for another sort."""
    try:
        raw = base64.urlsafe_b64decode(str(token) + "=" * (-len(str(token)) % 4))
        name, value, row_id = json.loads(raw)
        if sort.column != "priority" and value is not None:
            value = datetime.fromisoformat(value)
        elif value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ValueError
        if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id < 2**63:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidInput("cursor is not one this API handed out; start again without it", "cursor") from None
    if name != sort.name:
        raise InvalidInput(f"this cursor belongs to sort={name}; send the same sort or start again", "cursor")
    return value, row_id


def _given(value) -> bool:
    return value is not None and value != ""


def _listed(value) -> list[str]:
    if not _given(value):
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _choice(value: str, name: str, allowed) -> str:
    if value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}", name)
    return value


def _priority(value: str) -> int:
    if value not in {str(p) for p in PRIORITIES}:
        raise InvalidInput("priority must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)", "priority")
    return int(value)


def _assignee(value):
    if not _given(value):
        return None
    if str(value) in ("mine", "unassigned", "ai"):
        return str(value)
    try:
        return whole_number(value, "assignee", 1, MAX_ID)
    except InvalidInput:
        raise InvalidInput("assignee must be a user id, mine, unassigned or ai", "assignee") from None


def _sort(value) -> SortOrder:
    if not _given(value):
        return SORTS[DEFAULT_SORT]
    if value not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", "sort")
    return SORTS[value]


def _query(value) -> str:
    if not _given(value):
        return ""
    text = str(value).strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("q is not valid Unicode text", "q") from None
    if "\x00" in text or len(text) > MAX_QUERY:
        raise InvalidInput(f"q must be text of at most {MAX_QUERY} characters", "q")
    return text


def encode_card_cursor(priority: int, entered_at: datetime, row_id: int) -> str:
    """The place after a Kanban card, which columns order by priority, then longest in stage."""
    raw = json.dumps(["card", priority, entered_at.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_card_cursor(token) -> tuple[int, datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(str(token) + "=" * (-len(str(token)) % 4))
        tag, priority, entered_at, row_id = json.loads(raw)
        if tag != "card" or not all(isinstance(v, int) and not isinstance(v, bool) for v in (priority, row_id)):
            raise ValueError
        if not (0 < priority < 100 and 0 < row_id < 2**63):
            raise ValueError
        return priority, datetime.fromisoformat(entered_at), row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidInput("cursor is not one this API handed out; start again without it", "cursor") from None
