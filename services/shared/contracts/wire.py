"""Contract dataclasses to and from their JSON form: one reader driven by the fields' types, not a parser each.

What a field may hold is its type hint: ``str``, ``int``, ``bool``, ``float``,
``datetime`` (ISO 8601 with its offset on the wire, aware on the dataclass),
``X | None`` (null allowed), ``tuple[X, ...]`` (a JSON list), a nested contract
dataclass (a JSON object) or ``dict`` (an object kept as it is). A field with a
default may be left out; one without is required. Keys the dataclass does not
know are passed over, so that a producer can add a field before its consumers
read it.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
_NAMES = {str: "text", int: "a whole number", bool: "true or false", float: "a number", dict: "an object",
          datetime: "an ISO 8601 time with its UTC offset"}


class WireError(ValueError):
    """A value that is not what its contract says; ``path`` names it, e.g. ``skipped[0].size``."""

    def __init__(self, path: str, problem: str):
        super().__init__(path, problem)
        self.path, self.problem = path, problem

    def __str__(self) -> str:
        return f"{self.path} {self.problem}"


def from_wire(cls: type[T], data: Any, path: str = "") -> T:
    """An instance of the contract dataclass ``cls`` read from its JSON form; raises :class:`WireError`."""
    if not isinstance(data, dict):
        raise WireError(path or "the message", f"must be an object, not {_shown(data)}")
    values = {}
    for name, hint, required in _fields(cls):
        where = f"{path}.{name}" if path else name
        if name in data:
            values[name] = _value(hint, data[name], where)
        elif required:
            raise WireError(where, "is missing")
    try:
        return cls(**values)
    except WireError as refused:  # the dataclass's own check (__post_init__), about one of its fields
        raise WireError(f"{path}.{refused.path}" if path else refused.path, refused.problem) from None


def to_wire(value: Any) -> Any:
    """The JSON form of a contract dataclass (or of one of its values): times as ISO 8601, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_wire(item) for item in value]
    return value


def check_aware(instance: Any) -> None:
    """Refuse a contract dataclass whose times have no offset: a naive time means another moment to each reader."""
    for f in dataclasses.fields(instance):
        value = getattr(instance, f.name)
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise WireError(f.name, "must carry its UTC offset")


@cache
def _fields(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
                 for f in dataclasses.fields(cls) if f.init)


def _value(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if value is None and len(options) < len(typing.get_args(hint)):
            return None
        [hint] = options  # contracts use ``X | None`` only
        return _value(hint, value, path)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise WireError(path, f"must be a list, not {_shown(value)}")
        item = typing.get_args(hint)[0]
        return tuple(_value(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint):
        return from_wire(hint, value, path)
    return _scalar(hint, value, path)


def _scalar(hint: type, value: Any, path: str) -> Any:
    if hint is Any:
        return value
    if hint is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.utcoffset() is not None:
            return moment
    elif hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    elif isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    raise WireError(path, f"must be {_NAMES.get(hint, hint.__name__)}, not {_shown(value)}")


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
