"""Reading RPC payloads from the gateway: each field checked for type and size, or a 422 naming it.

Whatever PostgreSQL would refuse (NUL characters, unpaired surrogates, numbers
out of range) is refused here first, so that bad input never becomes a 500.
"""
from __future__ import annotations

from datetime import datetime, timezone

from services.shared.errors import InvalidInput, NotFound
from services.tickets.domain.list_filters import read_whole_number

MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1


def body_of(payload) -> dict:
    """The payload itself, if it is an object."""
    if not isinstance(payload, dict):
        raise InvalidInput("the request body must be a JSON object", "body")
    return payload


def only_fields(payload: dict, allowed: tuple[str, ...]) -> None:
    """Refuse a field this operation does not know, rather than silently ignore it."""
    for name in payload:
        if name not in allowed:
            raise InvalidInput(f"{name} cannot be set here; known fields: {', '.join(allowed)}", str(name)[:100])


def text(payload: dict, name: str, *, required: bool = False, max_length: int = 1000,
         empty_ok: bool = False) -> str | None:
    """A string field, stripped; None when absent (or null) and not required."""
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required", name)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", name)
    value = value.strip()
    storable(value, name)
    if not value and (required or not empty_ok):
        raise InvalidInput(f"{name} must not be empty", name)
    if len(value) > max_length:
        raise InvalidInput(f"{name} must be at most {max_length} characters", name)
    return value


def storable(value: str, name: str) -> str:
    """Text PostgreSQL can keep: no NUL character, valid Unicode."""
    if "\x00" in value:
        raise InvalidInput(f"{name} must not contain NUL characters", name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{name} is not valid Unicode text", name) from None
    return value


def integer(payload: dict, name: str, *, required: bool = False, low: int = 0, high: int = MAX_INT) -> int | None:
    """A whole-number field within ``low``..``high``."""
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required", name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number", name)
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", name)
    return value


def boolean(payload: dict, name: str) -> bool | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false", name)
    return value


def timestamp(value, name: str) -> datetime | None:
    """An ISO 8601 time (``2026-11-22T10:00:00+03:00``); one without an offset is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be an ISO 8601 time", name)
    try:
        parsed = datetime.fromisoformat(storable(value.strip(), name))
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 time, e.g. 2026-11-22T10:00:00+03:00", name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if not 1970 <= parsed.astimezone(timezone.utc).year <= 9998:
        raise InvalidInput(f"{name} is out of range", name)
    return parsed


def row_id(value, name: str, *, what: str, high: int = MAX_INT) -> int:
    """A path id: anything that is not a positive whole number in range cannot name a row."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise NotFound(f"{what} {value!r} does not exist", name)
    try:
        number = int(value)
    except ValueError:
        raise NotFound(f"{what} {value!r} does not exist", name) from None
    if not 1 <= number <= high:
        raise NotFound(f"{what} {number} does not exist", name)
    return number


def bounded(value, name: str, low: int, high: int, default: int) -> int:
    """A query parameter such as ``limit`` or ``offset``; absent means ``default``, empty is invalid."""
    if value is None:
        return default
    number = read_whole_number(value)
    if number is None:
        raise InvalidInput(f"{name} must be a whole number", name)
    if not low <= number <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", name)
    return number
